"""Every facet count equals the number of results after choosing it, on both backends.

A property test over generated searches of the contract world: for each search,
each count shown beside a choice is compared with the total of the same search
with that choice made. Services, client groups and languages narrow, so ticking
one adds it; gender of worker is one choice, so choosing one replaces the last;
the two "show only" flags narrow; a type of provider's count is how many of
that type there are (types are alternatives), so it is compared with a search
for that type alone. Choices listed without a count (0) must give no results.
"""

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.providers.availability import Day, PartOfDay
from marketplace.providers.models import ClientGroup, Language, Provider, ServiceType
from search.backends.database import DatabaseSearchBackend
from search.query import ProviderSearch, Sort, WorkerGender

from .test_contract import TOWN, world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

SERVICES = ("personal-care", "respite", "domestic-help", "day-opportunities")
CLIENT_GROUPS = ("older-people", "learning-disability")
LANGUAGES = ("gujarati", "polish")
KINDS = tuple(kind.value for kind in Provider.Kind)


def subsets(values: tuple[Any, ...]) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.lists(st.sampled_from(values), unique=True, max_size=2).map(tuple)


searches = st.builds(
    ProviderSearch,
    text=st.sampled_from(["", "personal care", "respite", "support", "day centre", "befriending"]),
    kinds=subsets(KINDS),
    services=subsets(SERVICES),
    client_groups=subsets(CLIENT_GROUPS),
    languages=subsets(LANGUAGES),
    worker_gender=st.none() | st.sampled_from(list(WorkerGender)),
    days=subsets(tuple(Day)),
    parts_of_day=subsets(tuple(PartOfDay)),
    max_hourly_price=st.none() | st.sampled_from([Decimal("15"), Decimal("16"), Decimal("18"), Decimal("21")]),
    near=st.none() | st.just(TOWN),
    radius_miles=st.sampled_from([3, 10]),
    is_taking_new_clients_only=st.booleans(),
    is_accredited_only=st.booleans(),
    sort=st.sampled_from(list(Sort)),
)


def choices_and_their_searches(search: ProviderSearch) -> list[tuple[str, str, ProviderSearch]]:
    """(facet, value, the search after choosing it) for every choice the page offers."""
    chosen: list[tuple[str, str, ProviderSearch]] = []
    for facet, field, model in (
        ("services", "services", ServiceType),
        ("client_groups", "client_groups", ClientGroup),
        ("languages", "languages", Language),
    ):
        current = getattr(search, field)
        for slug in model.objects.values_list("slug", flat=True):
            after = current if slug in current else (*current, slug)
            chosen.append((facet, slug, replace(search, **{field: after})))
    for gender in WorkerGender:
        chosen.append(("worker_gender", gender.value, replace(search, worker_gender=gender)))
    chosen.append(("flags", "accredited", replace(search, is_accredited_only=True)))
    chosen.append(("flags", "taking_new_clients", replace(search, is_taking_new_clients_only=True)))
    for kind in KINDS:
        chosen.append(("kinds", kind, replace(search, kinds=(kind,))))
    return chosen


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(search=searches)
def test_every_facet_count_equals_the_results_of_choosing_it(backend, world, search):  # noqa: F811
    if not getattr(backend, "synced", False):
        backend.sync()
        backend.synced = True
    results = backend.search(search)
    for facet, value, after in choices_and_their_searches(search):
        shown = {facet_value.value: facet_value.count for facet_value in results.facets[facet]}.get(value, 0)
        assert backend.search(after).total == shown, (facet, value, search)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(search=searches)
def test_the_counts_from_bitmaps_equal_what_the_database_filters_find(world, search):  # noqa: F811
    """The database backend counts from its bitmaps of the listings (search/bitmaps.py): the total
    and every count must equal the rows its SQL filters find."""
    backend = DatabaseSearchBackend()
    published = Provider.objects.published()
    results = backend.search(search)
    assert results.total == backend.filter_queryset(published, search).count(), search
    for facet, value, after in choices_and_their_searches(search):
        shown = {facet_value.value: facet_value.count for facet_value in results.facets[facet]}.get(value, 0)
        found = backend.filter_queryset(published, after).count()
        assert found == shown, (facet, value, search)
        assert backend.search(after).total == found, (facet, value, search)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(search=searches, page_size=st.sampled_from([1, 3, 7]))
def test_the_pages_ordered_from_bitmaps_follow_the_database_order(world, search, page_size):  # noqa: F811
    """The database backend orders relevance pages from its bitmaps, in name order (decision
    0050): page after page, they must list exactly what the database's ORDER BY lists."""
    backend = DatabaseSearchBackend()
    expected = list(backend.ordered_queryset(search).values_list("pk", flat=True))
    listed: list[int] = []
    for page in range(1, len(expected) // page_size + 2):
        listed += [hit.provider.pk for hit in backend.search(replace(search, page=page, page_size=page_size)).hits]
    assert listed == expected, search
