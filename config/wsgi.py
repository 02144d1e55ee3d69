import logging
import os
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
logger = logging.getLogger(__name__)


def warm_up() -> None:
    """Do once what every first request would otherwise do: import every view through the URL
    configuration, compile the public pages' templates and make the search's bitmaps of the
    listings. Leaves no database connection open, so a forking server (gunicorn's preload_app) may
    call it in its master process.

    Each worker forks with the bitmaps of the version current at the start and, at a later version,
    patches them for the listings changed since rather than building them on a visitor's search: at
    scale 100 a build is about a second of a worker's time, and gunicorn replaces its workers every
    few thousand requests (decision 0056). A database that does not answer does not stop the start:
    each worker then makes its own bitmaps on its first search, as before.
    """
    from django.conf import settings
    from django.db import DatabaseError, connections
    from django.template.loader import get_template
    from django.urls import get_resolver

    def walk(patterns: list[Any]) -> None:
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns)

    walk(get_resolver().url_patterns)
    for name in (
        "base.html",
        "cms/home_page.html",
        "cms/directory_results.html",
        "cms/provider_profile.html",
        "cms/advice_page.html",
    ):
        get_template(name)
    if settings.SEARCH_BACKEND == "database":
        from search.bitmaps import listing_bitmaps

        try:
            listing_bitmaps()
        except DatabaseError:
            logger.warning("Warming up: the database did not answer, so each worker makes the search's bitmaps")
    connections.close_all()
