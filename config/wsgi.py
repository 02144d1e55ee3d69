import os
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()


def warm_up() -> None:
    """Do once what every first request would otherwise do: import every view through the URL
    configuration and compile the public pages' templates. Leaves no database connection open,
    so a forking server (gunicorn's preload_app) may call it in its master process."""
    from django.db import connections
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
    connections.close_all()
