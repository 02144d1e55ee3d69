"""The one search interface the site, the admin and the open data API use.

`search_providers()` answers from the configured backend and falls back to
the database backend, saying so, when the search server cannot answer.
"""

import logging
from typing import Any, Protocol

from django.conf import settings
from django.db.models import QuerySet

from marketplace.providers.models import Provider

from .backends.database import DatabaseSearchBackend
from .query import ProviderSearch, SearchResults

logger = logging.getLogger(__name__)

FALLBACK_NOTICE = "Search is running in a simpler mode just now, so results may be ordered a little differently."


class SearchUnavailable(Exception):
    """The search server could not answer in time."""


class SearchBackend(Protocol):
    name: str

    def search(self, search: ProviderSearch, *, version: str | None = None) -> SearchResults: ...

    def filter_queryset(
        self, queryset: QuerySet[Provider], search: ProviderSearch, *, ignore_kinds: bool = False
    ) -> QuerySet[Provider]: ...

    def index_providers(self, provider_ids: list[int]) -> None: ...

    def health(self) -> dict[str, Any]: ...


def get_backend(name: str | None = None) -> SearchBackend:
    name = name or settings.SEARCH_BACKEND
    if name == "database":
        return DatabaseSearchBackend()
    if name == "elasticsearch":
        from .backends.elasticsearch import ElasticsearchSearchBackend

        return ElasticsearchSearchBackend()
    raise ValueError(f"Unknown SEARCH_BACKEND {name!r}: use 'database' or 'elasticsearch'")


def database_backend() -> SearchBackend:
    return DatabaseSearchBackend()


def search_providers(search: ProviderSearch, *, version: str | None = None) -> SearchResults:
    """The results of a search, from this worker's memo when the listings have not changed since it was last asked.

    Results are kept by the listings version (search/versioning.py), the
    day (the order puts recently confirmed availability first) and the whole
    search, so a kept answer is exactly what the backend would say now. They
    are kept in this process only, as objects: what the workers share is the
    rendered page (cms.directory, cms.page_cache), and pickling a page of
    listings into the shared cache cost a new search about a tenth of its time
    (decision 0052). Answers from the fallback are never kept: the search
    server may be back on the next request.
    """
    from django.utils import timezone

    from .versioning import cache_key, listings_version, memo

    version = version or listings_version()
    key = cache_key("results", version, settings.SEARCH_BACKEND, timezone.localdate().isoformat(), search)
    cached = memo.get(version, key)
    if cached is not None:
        return cached
    results = _search_backend(search, version)
    if not results.notices:
        memo.set(version, key, results)
    return results


def _search_backend(search: ProviderSearch, version: str) -> SearchResults:
    backend = get_backend()
    try:
        return backend.search(search, version=version)
    except SearchUnavailable:
        if backend.name == "database":
            raise
        logger.warning("Search backend %s unavailable; answering from the database", backend.name)
        results = database_backend().search(search, version=version)
        results.notices.append(FALLBACK_NOTICE)
        return results
