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

    def search(self, search: ProviderSearch) -> SearchResults: ...

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


def search_providers(search: ProviderSearch) -> SearchResults:
    backend = get_backend()
    try:
        return backend.search(search)
    except SearchUnavailable:
        if backend.name == "database":
            raise
        logger.warning("Search backend %s unavailable; answering from the database", backend.name)
        results = database_backend().search(search)
        results.notices.append(FALLBACK_NOTICE)
        return results
