"""What a worker keeps of each listing outlives a change to another listing (search.versioning, decision 0053).

Every change is logged with the listings it was to; a `ListingMemo` asked at
a newer version drops only what it kept of the listings changed since its
own, and everything when the log cannot say.
"""

from unittest import mock

import pytest

from search import versioning
from search.models import ListingsChange
from search.versioning import ListingMemo, VersionMemo, listings_changed, listings_changed_between

pytestmark = pytest.mark.django_db


def kept(memo: ListingMemo, version: str, *keys: str) -> list[str | None]:
    return [memo.get(version, key) for key in keys]


def test_a_change_to_one_listing_drops_only_what_was_kept_of_it():
    memo = ListingMemo()
    before = listings_changed()
    memo.set(before, "1", "listing 1")
    memo.set(before, "2:today:/directory/", "card of 2")

    after = listings_changed([1])

    assert kept(memo, after, "1", "2:today:/directory/") == [None, "card of 2"]


def test_changes_are_gathered_across_every_version_since_the_memos_own():
    memo = ListingMemo()
    before = listings_changed()
    for pk in (1, 2, 3):
        memo.set(before, str(pk), f"listing {pk}")

    listings_changed([1])
    after = listings_changed([2, 2])

    assert kept(memo, after, "1", "2", "3") == [None, None, "listing 3"]
    assert listings_changed_between(before, after) == {1, 2}


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda: listings_changed(), id="may be to every listing"),
        pytest.param(lambda: listings_changed(range(1, versioning.CHANGE_NAMES_AT_MOST + 2)), id="names too many"),
    ],
)
def test_a_change_that_may_be_to_every_listing_drops_everything(change):
    memo = ListingMemo()
    before = listings_changed()
    memo.set(before, "7", "listing 7")

    after = change()

    assert ListingsChange.objects.get(token=after).provider_ids is None
    assert kept(memo, after, "7") == [None]


def test_a_change_to_no_listing_keeps_everything():
    """A page, a site or the council's settings: shown on pages, on no listing (cms.invalidation)."""
    memo = ListingMemo()
    before = listings_changed()
    memo.set(before, "7", "listing 7")

    after = listings_changed(())

    assert ListingsChange.objects.get(token=after).provider_ids == []
    assert kept(memo, after, "7") == ["listing 7"]


def test_a_version_the_log_no_longer_holds_drops_everything():
    memo = ListingMemo()
    with mock.patch.object(versioning, "CHANGES_KEPT", 2):
        before = listings_changed()
        memo.set(before, "7", "listing 7")
        listings_changed([1])
        after = listings_changed([2])

    assert not ListingsChange.objects.filter(token=before).exists()
    assert ListingsChange.objects.count() == 2
    assert kept(memo, after, "7") == [None]


def test_going_back_to_an_older_version_drops_everything():
    memo = ListingMemo()
    older = listings_changed()
    newer = listings_changed([1])
    memo.set(newer, "7", "listing 7")

    assert listings_changed_between(newer, older) is None
    assert kept(memo, older, "7") == [None]


def test_the_log_is_read_once_a_version(django_assert_num_queries):
    memo = ListingMemo()
    before = listings_changed()
    memo.set(before, "7", "listing 7")
    after = listings_changed([1])

    with django_assert_num_queries(2):
        assert kept(memo, after, "7", "7", "1") == ["listing 7", "listing 7", None]
    with django_assert_num_queries(0):
        memo.set(after, "1", "listing 1 changed")
        assert kept(memo, after, "1") == ["listing 1 changed"]


def test_many_listings_are_read_once_each_and_again_only_when_a_change_names_them():
    memo = ListingMemo()
    reads: list[list[int]] = []

    def read(ids: list[int]) -> dict[int, str]:
        reads.append(ids)
        return {pk: f"listing {pk}" for pk in ids if pk != 4}  # 4: no such listing

    before = listings_changed()
    assert memo.get_many(before, [1, 2, 2, 4], read) == {1: "listing 1", 2: "listing 2"}
    assert memo.get_many(before, [2, 3, 1], read) == {1: "listing 1", 2: "listing 2", 3: "listing 3"}
    assert memo.get_many(before, [3, 1], read) == {1: "listing 1", 3: "listing 3"}

    after = listings_changed([3])

    assert memo.get_many(after, [1, 3], read) == {1: "listing 1", 3: "listing 3"}
    assert reads == [[1, 2, 4], [3], [3]]


@pytest.mark.parametrize("memo_class", [VersionMemo, ListingMemo])
def test_a_full_memo_lets_go_of_what_was_asked_for_least_recently(memo_class):
    """Not everything: the values searches keep asking for stay (decision 0066)."""
    memo = memo_class(entries=3)
    version = listings_changed()
    for key in ("1", "2", "3"):
        memo.set(version, key, f"value {key}")
    assert memo.get(version, "1") == "value 1"  # asked for again: now the most recent

    memo.set(version, "4", "value 4")
    memo.set(version, "5", "value 5")

    assert kept(memo, version, "1", "2", "3", "4", "5") == ["value 1", None, None, "value 4", "value 5"]


def test_a_listing_memo_moved_to_a_new_version_keeps_the_order_values_were_asked_for():
    memo = ListingMemo(entries=3)
    before = listings_changed()
    for key in ("1", "2", "3"):
        memo.set(before, key, f"listing {key}")
    memo.get(before, "1")

    after = listings_changed([2])
    memo.set(after, "4", "listing 4")
    memo.set(after, "5", "listing 5")

    assert kept(memo, after, "1", "3", "4", "5") == ["listing 1", None, "listing 4", "listing 5"]
