"""Reads for saved searches: evaluating one through the directory's own FilterSet, and the owner's list."""

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import QueryDict

from marketplace.providers.models import Provider
from search.filters import ProviderSearchFilterSet

from .models import SavedSearch

# Query-string names that change how results are shown, not which listings match.
PRESENTATION_PARAMETERS = ("page", "sort")


def search_filterset(query: str | QueryDict) -> ProviderSearchFilterSet:
    """The directory's FilterSet over published listings, bound to a saved (or submitted) query."""
    data = query if isinstance(query, QueryDict) else QueryDict(query)
    return ProviderSearchFilterSet(data, queryset=Provider.objects.published())


def matching_provider_ids(saved_search: SavedSearch) -> set[int] | None:
    """Published listings the saved search matches now, or None if the query no longer validates.

    The FilterSet's queryset is filtered by the search interface
    (`search.api.database_backend().filter_queryset`), exactly as the
    directory filters its results: nothing here repeats that logic.
    """
    filterset = search_filterset(saved_search.query)
    if not filterset.is_valid():
        return None
    return set(filterset.qs.order_by().values_list("pk", flat=True))


def saved_searches_for_user(user: Any) -> QuerySet[SavedSearch]:
    """A person's saved searches, newest first, with how many listings each has alerted them about."""
    if not getattr(user, "is_authenticated", False):
        return SavedSearch.objects.none()
    return (
        SavedSearch.objects.filter(user=user)
        .annotate(
            alerted_count=Count("listings", filter=Q(listings__alerted_at__isnull=False)),
            matching_count=Count("listings", filter=Q(listings__is_matching=True)),
        )
        .order_by("-created_at", "-pk")
    )


def saved_search_summary(saved_searches: list[SavedSearch]) -> dict[str, int]:
    """Counts for the "Your support" section, from the records."""
    return {
        "count": len(saved_searches),
        "active_count": sum(1 for search in saved_searches if search.is_active),
        "alerted_count": sum(search.alerted_count for search in saved_searches),  # type: ignore[attr-defined]
    }
