"""The bitmaps of the published listings: patched at a new version for the listings changed (decision 0054)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.providers.models import Provider
from marketplace.providers.services import provider_set_accreditation
from search import bitmaps
from search.bitmaps import BIT_FIELDS, FLAG_FIELDS, ROW_HASH, ListingBitmaps, _rows_unless_unchanged, listing_bitmaps
from search.versioning import VersionMemo, listings_changed, listings_version
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

NAMES = ("Ash Care", "Birch Support", "Cedar Home Help", "Damson Day Centre", "Elm PA", "Fir Companions")
ON_POSTGRESQL = connection.vendor == "postgresql"


def rows_read(queries: CaptureQueriesContext) -> list[str]:
    """The statements that read the listings' columns for the bitmaps (in name order)."""
    return [
        query["sql"]
        for query in queries
        if '"providers_provider"."availability_mask"' in query["sql"] and "ORDER BY" in query["sql"]
    ]


def sums_asked(queries: CaptureQueriesContext) -> list[str]:
    """The statements that ask the database for the sum of the listings' row hashes first (PostgreSQL)."""
    return [query["sql"] for query in queries if "sum(h.row_hash)" in query["sql"]]


@pytest.fixture
def listings() -> list[Provider]:
    return [
        ProviderFactory(
            name=name,
            service_mask=index % 3 + 1,
            language_mask=4 if index % 2 else 0,
            availability_mask=index * 5,
            availability_confirmed_on=date(2026, 3, 1 + index % 2),
        )
        for index, name in enumerate(NAMES)
    ]


# What a change may do to a listing: each is one column's new value, as its writer leaves it.
changes = st.one_of(
    st.tuples(st.sampled_from(FLAG_FIELDS), st.booleans()),
    st.tuples(st.sampled_from(BIT_FIELDS), st.integers(min_value=0, max_value=15)),
    st.tuples(st.just("kind"), st.sampled_from(Provider.Kind.values)),
    st.tuples(st.just("availability_confirmed_on"), st.sampled_from([None, date(2026, 3, 1), date(2026, 4, 9)])),
    st.tuples(st.just("status"), st.sampled_from(Provider.Status.values)),
    st.tuples(st.just("name"), st.sampled_from(["Ash care", "Zelkova Care", "Birch Support"])),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(min_value=0, max_value=len(NAMES) - 1), changes), max_size=4))
def test_patched_bitmaps_equal_bitmaps_built_afresh(listings: list[Provider], edits: Any) -> None:
    before = ListingBitmaps.build()
    was = {listing.pk: Provider.objects.values("status", "name").get(pk=listing.pk) for listing in listings}
    for index, (column, value) in edits:
        Provider.objects.filter(pk=listings[index].pk).update(**{column: value})
    changed = {listings[index].pk for index, _ in edits}

    patched = before.patched(changed)

    now = {pk: Provider.objects.values("status", "name").get(pk=pk) for pk in changed}
    published = Provider.Status.PUBLISHED
    moved = any(
        (was[pk]["status"] == published) != (now[pk]["status"] == published)
        or (now[pk]["status"] == published and was[pk]["name"] != now[pk]["name"])
        for pk in changed
    )
    # Built afresh exactly when a listing came into or left the published ones, or a published one was renamed.
    assert (patched is None) == moved
    if patched is not None:
        afresh = ListingBitmaps.build()
        assert patched == afresh
        assert patched.columns == afresh.columns  # what a change that may be to every listing compares


def test_a_new_version_patches_the_bitmaps_reading_only_the_listing_changed(listings: list[Provider]) -> None:
    VersionMemo.clear_all()
    listing_bitmaps(listings_version())
    provider_set_accreditation(provider=listings[3], is_accredited=True, since=date(2026, 1, 5))

    with CaptureQueriesContext(connection) as queries:
        index = listing_bitmaps(listings_version())

    reads = rows_read(queries)
    assert len(reads) == 1
    assert f'"providers_provider"."id" IN ({listings[3].pk})' in reads[0]
    assert not sums_asked(queries)
    assert listings[3].pk in index.flag("is_accredited")
    assert index == ListingBitmaps.build()


def test_a_change_that_may_be_to_every_listing_builds_the_bitmaps_afresh(listings: list[Provider]) -> None:
    VersionMemo.clear_all()
    listing_bitmaps(listings_version())
    Provider.objects.filter(pk=listings[0].pk).update(is_taking_new_clients=False)
    listings_changed(None)

    with CaptureQueriesContext(connection) as queries:
        index = listing_bitmaps(listings_version())

    reads = rows_read(queries)
    assert len(reads) == 1  # one statement either way
    assert '"providers_provider"."id" IN' not in reads[0]
    # On PostgreSQL that statement asked for the sum of the rows' hashes first, which differed (decision 0065).
    assert sums_asked(queries) == (reads if ON_POSTGRESQL else [])
    assert listings[0].pk not in index.flag("is_taking_new_clients")
    assert index == ListingBitmaps.build()


def test_a_change_that_may_be_to_every_listing_but_changed_no_listing_keeps_the_bitmaps(
    listings: list[Provider],
) -> None:
    VersionMemo.clear_all()
    before = listing_bitmaps(listings_version())
    listings_changed(None)  # as a term renamed: no listing's row changes

    with CaptureQueriesContext(connection) as queries:
        index = listing_bitmaps(listings_version())

    assert index is before  # compared with the columns they were built from (decision 0059)
    reads = rows_read(queries)
    assert len(reads) == 1  # one statement either way
    assert sums_asked(queries) == (reads if ON_POSTGRESQL else [])  # the sum of the rows' hashes (decision 0065)
    assert index == ListingBitmaps.build()


def test_the_rows_are_sent_only_when_the_sum_of_their_hashes_differs(listings: list[Provider]) -> None:
    built = ListingBitmaps.build()
    published = Provider.objects.published()
    if not ON_POSTGRESQL:  # no hashes: a change that may be to every listing reads and compares the columns
        assert ROW_HASH not in built.columns
        return

    assert _rows_unless_unchanged(published, built.columns) is None

    Provider.objects.filter(pk=listings[2].pk).update(language_mask=8)
    assert _rows_unless_unchanged(published, built.columns) == ListingBitmaps.build().columns

    Provider.objects.update(status=Provider.Status.WITHDRAWN)
    assert _rows_unless_unchanged(published, built.columns) == dict.fromkeys(built.columns, ())


# Each column the bitmaps are made from, and a change to its value, as a statement typed into psql could write.
EDITS: list[tuple[str, Any]] = [
    ("kind", lambda kind: Provider.Kind.DAY_SERVICE if kind != Provider.Kind.DAY_SERVICE else Provider.Kind.OTHER),
    ("availability_confirmed_on", lambda day: None),
    ("availability_confirmed_on", lambda day: date(2026, 3, 9)),
    *((name, lambda flag: not flag) for name in FLAG_FIELDS),
    *((name, lambda mask: (mask or 0) ^ (1 << 40)) for name in BIT_FIELDS),
    ("name", str.lower),
    ("status", lambda status: Provider.Status.SUSPENDED),
]


@pytest.mark.parametrize(("column", "change"), EDITS)
def test_a_change_that_may_be_to_every_listing_sees_any_column_of_any_listing_changed(
    listings: list[Provider], column: str, change: Any
) -> None:
    VersionMemo.clear_all()
    before = listing_bitmaps(listings_version())
    value = Provider.objects.values_list(column, flat=True).get(pk=listings[1].pk)
    Provider.objects.filter(pk=listings[1].pk).update(**{column: change(value)})
    listings_changed(None)

    index = listing_bitmaps(listings_version())

    assert index is not before
    assert index == ListingBitmaps.build()
    assert index.columns == ListingBitmaps.build().columns


def test_patched_bitmaps_hold_the_columns_they_were_patched_with(listings: list[Provider]) -> None:
    """A patch puts the changed listing's columns in: a change that may be to every listing then keeps them,
    and a listing changed back without naming it (to its columns when first built) is seen as changed."""
    VersionMemo.clear_all()
    listing_bitmaps(listings_version())
    provider_set_accreditation(provider=listings[3], is_accredited=True, since=date(2026, 1, 5))
    patched = listing_bitmaps(listings_version())
    assert listings[3].pk in patched.flag("is_accredited")
    assert patched.columns == ListingBitmaps.build().columns
    assert (ROW_HASH in patched.columns) == ON_POSTGRESQL  # the row hashes patched with the rest

    listings_changed(None)
    assert listing_bitmaps(listings_version()) is patched

    Provider.objects.filter(pk=listings[3].pk).update(is_accredited=False)  # as it was when first built
    listings_changed(None)
    index = listing_bitmaps(listings_version())

    assert listings[3].pk not in index.flag("is_accredited")
    assert index == ListingBitmaps.build()


def test_threads_asking_at_once_for_a_new_versions_bitmaps_wait_for_one_to_make_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    VersionMemo.clear_all()
    made: list[str] = []
    index = object()

    def build() -> object:
        made.append(threading.current_thread().name)
        time.sleep(0.2)  # long enough for every other thread to ask meanwhile
        return index

    monkeypatch.setattr(ListingBitmaps, "build", staticmethod(build))
    monkeypatch.setattr(bitmaps, "listings_version", lambda: "a new version")

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: listing_bitmaps("a new version"), range(4)))

    assert len(made) == 1
    assert all(answer is index for answer in answers)
