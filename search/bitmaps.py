"""Bitmaps of the published listings, to count a search's total and facets in the process (decision 0049).

One aggregate query counted every facet over every matching row (about forty
`COUNT(*) FILTER (...)` expressions): 40 ms at scale 10 on a quiet machine and
400 ms at scale 100. Here each worker keeps, for the current listings version,
a compressed bitmap of listing ids per kind, gender of worker, taxonomy term,
availability slot and flag, built by one query the first time a version is
searched. A search's matching listings are then intersections of those
bitmaps, and every count is the size of one more intersection: microseconds.

What the bitmaps cannot hold (the words typed, the distance from a place, the
hourly price limit, the area served and the time of a change) is asked of
the database as one query for the matching ids, remembered for the version
(`remembered_ids`). The bitmaps are keyed by the listings version
(search/versioning.py), which every write that changes a listing moves, so
they are never stale; a version's bitmaps are dropped with it.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import compress
from typing import Any

from pyroaring import BitMap

from marketplace.providers.models import Provider, ProviderPrice
from marketplace.providers.search_fields import TERM_MASK_FIELDS

from .query import WorkerGender
from .versioning import VersionMemo, listings_version

# The term masks (service_mask, ...), then the weekly availability grid, all integers of bits.
TERM_MASKS = tuple(TERM_MASK_FIELDS)
# The listing's column saying it has workers of a gender.
GENDER_FIELDS = {
    WorkerGender.FEMALE: "has_female_workers",
    WorkerGender.MALE: "has_male_workers",
    WorkerGender.NON_BINARY: "has_non_binary_workers",
}
FLAG_FIELDS = (*GENDER_FIELDS.values(), "is_accredited", "is_taking_new_clients")
BIT_FIELDS = (*TERM_MASKS, "availability_mask")
COLUMNS = ("pk", "kind", *FLAG_FIELDS, *BIT_FIELDS)

# This worker's bitmaps of the current version: the index itself, and the answers of the database parts.
index_memo = VersionMemo(entries=2)
parts_memo = VersionMemo(entries=512)


def _bits(mask: int) -> Iterable[int]:
    """The bits set in a mask, lowest first (masks are never negative)."""
    if mask < 0:
        raise ValueError(f"A mask of bits cannot be negative: {mask}")
    while mask:
        lowest = mask & -mask
        yield lowest.bit_length() - 1
        mask ^= lowest


def _group_by_value(ids: Iterable[int], values: Iterable[Any]) -> dict[Any, list[int]]:
    """The ids having each value."""
    groups: dict[Any, list[int]] = defaultdict(list)
    for pk, value in zip(ids, values, strict=True):
        groups[value].append(pk)
    return groups


@dataclass(frozen=True)
class ListingBitmaps:
    """The published listings of one version, as bitmaps of their ids."""

    published: BitMap
    kinds: dict[str, BitMap]
    # has_female_workers, ... and is_accredited, is_taking_new_clients -> the listings where it is true.
    flags: dict[str, BitMap]
    # service_mask, ..., availability_mask -> bit -> the listings with that bit set.
    bits: dict[str, dict[int, BitMap]]

    @classmethod
    def build(cls) -> "ListingBitmaps":
        """One query over the published listings' narrow columns (an index-only scan on PostgreSQL).

        Listings are grouped by each column's value first: there are far fewer
        distinct masks than listings, so each bit's members are gathered a
        group at a time rather than a listing at a time.
        """
        rows = list(Provider.objects.published().order_by().values_list(*COLUMNS))
        columns = dict(zip(COLUMNS, zip(*rows, strict=True), strict=True)) if rows else dict.fromkeys(COLUMNS, ())
        ids = columns["pk"]
        bits: dict[str, dict[int, BitMap]] = {}
        for field in BIT_FIELDS:
            by_bit: dict[int, list[int]] = defaultdict(list)
            for mask, members in _group_by_value(ids, columns[field]).items():
                for bit in _bits(mask or 0):
                    by_bit[bit].extend(members)
            bits[field] = {bit: BitMap(members) for bit, members in by_bit.items()}
        return cls(
            published=BitMap(ids),
            kinds={kind: BitMap(members) for kind, members in _group_by_value(ids, columns["kind"]).items()},
            flags={field: BitMap(compress(ids, columns[field])) for field in FLAG_FIELDS},
            bits=bits,
        )

    def kind(self, kind: str) -> BitMap:
        return self.kinds.get(kind) or BitMap()

    def flag(self, field: str) -> BitMap:
        return self.flags[field]

    def with_bit(self, field: str, bit: int) -> BitMap:
        return self.bits[field].get(bit) or BitMap()

    def with_every_bit(self, field: str, mask: int) -> BitMap:
        """The listings whose `field` has every bit of `mask`."""
        return BitMap.intersection(self.published, *(self.with_bit(field, bit) for bit in _bits(mask)))

    def with_any_bit(self, field: str, mask: int) -> BitMap:
        """The listings whose `field` shares at least one bit with `mask` (all bits of the field if mask is -1)."""
        by_bit = self.bits[field]
        chosen = by_bit.values() if mask == -1 else [by_bit[bit] for bit in _bits(mask) if bit in by_bit]
        return BitMap.union(*chosen) if chosen else BitMap()


def listing_bitmaps(version: str | None = None) -> ListingBitmaps:
    """The bitmaps of the current listings version, built once per version in each worker."""
    version = version or listings_version()
    index = index_memo.get(version, "index")
    if index is None:
        index = ListingBitmaps.build()
        # A write may have landed while they were read: keep them only if the version did not move.
        if listings_version() == version:
            index_memo.set(version, "index", index)
    return index


def remembered_ids(version: str, key: str, ids: Any) -> BitMap:
    """The ids a database query finds (a queryset of primary keys), asked once per version and key."""
    return parts_memo.get_or_set(version, key, lambda: BitMap(ids))


def affordable_services(version: str, max_price: Decimal) -> dict[int, BitMap]:
    """Per service id, the listings with an hourly price for it within the limit."""

    def find() -> dict[int, BitMap]:
        members: dict[int, list[int]] = defaultdict(list)
        prices = ProviderPrice.objects.filter(unit=ProviderPrice.Unit.HOUR, amount__lte=max_price)
        for provider_id, service_id in prices.order_by().values_list("provider_id", "service_id").iterator():
            members[service_id].append(provider_id)
        return {service_id: BitMap(ids) for service_id, ids in members.items()}

    return parts_memo.get_or_set(version, f"affordable:{max_price}", find)
