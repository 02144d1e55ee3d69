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
(`parts_memo`, `bitmap_of`). The bitmaps are keyed by the listings version
(search/versioning.py), which every write that changes a listing moves, so
they are never stale. At a new version a worker patches its bitmaps for the
listings the log of changes names, reading only those (`ListingBitmaps.patched`);
it builds them afresh when the log cannot say, or when a change moved a listing
into or out of the published ones or to a new name (decision 0054).

The relevance order is a few yes-or-no questions (accredited? availability
fresh? a service named by the words? the words in the name?) and then the
name (decision 0050). So the bitmaps also keep the listings' name order, as
the database sorts it, and their names: a page is the first members of a few
intersections in name order (`ordered_page`), and the database is asked only
for the page's own rows. It never sorts the matches or reads their words a
second time.
"""

import heapq
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from itertools import compress
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, F, Func, QuerySet, Value
from django.db.models.functions import Coalesce, Upper
from pyroaring import BitMap

from marketplace.providers.models import Provider, ProviderPrice
from marketplace.providers.search_fields import TERM_MASK_FIELDS

from .query import WorkerGender
from .versioning import VersionMemo, changes_since, listings_version

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
COLUMNS = ("pk", "kind", "availability_confirmed_on", *FLAG_FIELDS, *BIT_FIELDS)
# The directory's name order, the last of every order's tie-breakers.
NAME_ORDER = ("name", "id")
# Each listing's hash of the columns the bitmaps are made from (PostgreSQL only: `_row_hash`).
ROW_HASH = "row_hash"

# This worker's bitmaps of the current version: the index itself, and the answers of the database parts.
index_memo = VersionMemo(entries=2)
making = threading.Lock()
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


# How PostgreSQL hashes each kind of column to 64 bits without writing it as text (`_row_hash`).
_HASH_TEMPLATES = {
    "CharField": "hashtextextended(%(expressions)s, {seed})",
    "BooleanField": "hashint8extended(%(expressions)s::integer, {seed})",
    "DateField": "hashint8extended(%(expressions)s - DATE '1970-01-01', {seed})",
}
_INTEGER_HASH = "hashint8extended(%(expressions)s, {seed})"


def _row_hash() -> Any:
    """A listing's hash of the columns the bitmaps are made from, on PostgreSQL: each column's own 64-bit hash
    (seeded by its place, a null hashing to 0), the columns' hashes XORed. Summed over the published listings by
    the database, it tells a worker whether any of their rows changed without sending one (`ListingBitmaps.again`):
    35 ms for 140,000 listings, where the md5 of each row's text took 0.23 s."""
    combined: Any = None
    for seed, name in enumerate((*COLUMNS, "name"), start=1):
        field = Provider._meta.pk if name == "pk" else Provider._meta.get_field(name)
        template = _HASH_TEMPLATES.get(field.get_internal_type(), _INTEGER_HASH).format(seed=seed)
        column = Coalesce(Func(F(name), template=template, output_field=BigIntegerField()), Value(0))
        combined = column if combined is None else combined.bitxor(column)
    return combined


def _read(listings: QuerySet[Provider]) -> tuple[tuple[str, ...], QuerySet[Any]]:
    """The names of the columns the bitmaps hold and the query of their values (in no order); on PostgreSQL,
    each listing's `_row_hash` with them."""
    read = (*COLUMNS, "name", "capitalised_name")
    listings = listings.annotate(capitalised_name=Upper("name"))
    if connection.vendor == "postgresql":
        read = (*read, ROW_HASH)
        listings = listings.annotate(**{ROW_HASH: _row_hash()})
    return read, listings.order_by().values_list(*read)


def _as_columns(read: tuple[str, ...], rows: list[Any]) -> dict[str, tuple[Any, ...]]:
    """Rows as columns: column -> its values, a listing each."""
    return dict(zip(read, zip(*rows, strict=True), strict=True)) if rows else dict.fromkeys(read, ())


def _rows(listings: QuerySet[Provider]) -> dict[str, tuple[Any, ...]]:
    """The listings' columns the bitmaps hold, in name order (an index-only scan on PostgreSQL, then a sort):
    column -> its values, a listing each; on PostgreSQL, each listing's `_row_hash` too."""
    read, values = _read(listings)
    return _as_columns(read, list(values.order_by(*NAME_ORDER)))


def _rows_unless_unchanged(
    listings: QuerySet[Provider], columns: dict[str, tuple[Any, ...]]
) -> dict[str, tuple[Any, ...]] | None:
    """On PostgreSQL, in one statement: None when these listings' rows are the ones `columns` were read from
    (as many, and the same sum of their hashes: no row is sent), else their columns as `_rows` reads them.

    The rows are a lateral subquery behind a condition on the sum, which PostgreSQL tests once before reading
    any of them (`OFFSET 0` keeps the subquery whole, so the condition is not moved into the join)."""
    # What the database answers for the rows `columns` hold: how many, and the sum of their hashes (none of none).
    count = len(columns["pk"])
    held = (count, sum(columns[ROW_HASH]) if count else None)
    read, values = _read(listings)
    rows_sql, rows_params = values.query.sql_with_params()
    sums_sql, sums_params = listings.order_by().values_list(_row_hash()).query.sql_with_params()
    names = ", ".join(f"c{index}" for index in range(len(read)))
    name, pk = read.index("name"), read.index("pk")
    statement = (
        f"SELECT s.n, s.total, r.* FROM (SELECT count(*), sum(h.row_hash) FROM ({sums_sql}) AS h(row_hash))"
        f" AS s(n, total) LEFT JOIN LATERAL (SELECT * FROM ({rows_sql}) AS r0({names})"
        f" WHERE (s.n, s.total) IS DISTINCT FROM (%s, %s) OFFSET 0) AS r ON true ORDER BY r.c{name}, r.c{pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*sums_params, *rows_params, *held])
        found = cursor.fetchall()
    if (found[0][0], found[0][1]) == held:
        return None
    return _as_columns(read, [row[2:] for row in found if row[2 + pk] is not None])


@dataclass(frozen=True)
class _Members:
    """Which of some listings are in each bitmap: the ids, not yet bitmaps (`ListingBitmaps`' fields)."""

    kinds: dict[str, list[int]]
    flags: dict[str, list[int]]
    bits: dict[str, dict[int, list[int]]]
    confirmed_on: dict[date | None, list[int]]

    @classmethod
    def of(cls, columns: dict[str, tuple[Any, ...]]) -> "_Members":
        """Listings are grouped by each column's value first: there are far fewer distinct masks than
        listings, so each bit's members are gathered a group at a time rather than a listing at a time."""
        ids = columns["pk"]
        bits: dict[str, dict[int, list[int]]] = {}
        for name in BIT_FIELDS:
            by_bit: dict[int, list[int]] = defaultdict(list)
            for mask, members in _group_by_value(ids, columns[name]).items():
                for bit in _bits(mask or 0):
                    by_bit[bit].extend(members)
            bits[name] = by_bit
        return cls(
            kinds=_group_by_value(ids, columns["kind"]),
            flags={name: list(compress(ids, columns[name])) for name in FLAG_FIELDS},
            bits=bits,
            confirmed_on=_group_by_value(ids, columns["availability_confirmed_on"]),
        )


def _merged(kept: dict[Any, BitMap], gone: BitMap, added: dict[Any, list[int]]) -> dict[Any, BitMap]:
    """Bitmaps by key, without the `gone` listings and with the `added` ones; none left empty."""
    merged = {}
    for key in kept.keys() | added.keys():
        members = (kept[key] - gone if key in kept else BitMap()) | BitMap(added.get(key, ()))
        if members:
            merged[key] = members
    return merged


@dataclass(frozen=True)
class ListingBitmaps:
    """The published listings of one version, as bitmaps of their ids, and their name order."""

    published: BitMap
    kinds: dict[str, BitMap]
    # has_female_workers, ... and is_accredited, is_taking_new_clients -> the listings where it is true.
    flags: dict[str, BitMap]
    # service_mask, ..., availability_mask -> bit -> the listings with that bit set.
    bits: dict[str, dict[int, BitMap]]
    # The day each listing's availability was last confirmed (None: never) -> the listings.
    confirmed_on: dict[date | None, BitMap]
    # The listings in name order (name, then id, as the database sorts them), their names in capitals
    # (as the database writes them), and each listing's place in that order.
    ids_by_name: tuple[int, ...]
    names: tuple[str, ...]
    capitalised_names: tuple[str, ...]
    place_by_id: dict[int, int]
    # The published listings' columns these bitmaps hold, in name order: `again` compares them with the database's.
    columns: dict[str, tuple[Any, ...]] = field(compare=False, repr=False)
    _confirmed_since: dict[date, BitMap] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls) -> "ListingBitmaps":
        """One query over every published listing's narrow columns."""
        return cls._of(_rows(Provider.objects.published()))

    @classmethod
    def _of(cls, columns: dict[str, tuple[Any, ...]]) -> "ListingBitmaps":
        ids = columns["pk"]
        return cls(
            published=BitMap(ids),
            ids_by_name=tuple(ids),
            names=columns["name"],
            capitalised_names=columns["capitalised_name"],
            place_by_id={pk: place for place, pk in enumerate(ids)},
            **cls._patch({}, {}, {}, {}, BitMap(), _Members.of(columns)),
            columns=columns,
        )

    def again(self) -> "ListingBitmaps":
        """The bitmaps after a change that may be to every listing: these, when not one of the published
        listings' columns they were built from has changed (a term or a locality renamed changes no listing's
        row), else built from the columns just read (decision 0059). One statement either way: on PostgreSQL it
        sums the rows' hashes first and sends the rows only when the sum differs (decision 0065)."""
        listings = Provider.objects.published()
        if ROW_HASH in self.columns:
            columns = _rows_unless_unchanged(listings, self.columns)
            if columns is None:
                return self
        else:
            columns = _rows(listings)
        return self if columns == self.columns else self._of(columns)

    def patched(self, changed: set[int]) -> "ListingBitmaps | None":
        """These bitmaps with the `changed` listings read again: one query over those listings only.

        None when a change published a listing, withdrew one or renamed one:
        the name order would move, and the database's order (its collation) is
        not one this process can reproduce, so those are built afresh.
        """
        columns = _rows(Provider.objects.published().filter(pk__in=changed))
        ids = columns["pk"]
        if set(ids) != {pk for pk in changed if pk in self.published}:
            return None
        if any(self.names[self.place_by_id[pk]] != name for pk, name in zip(ids, columns["name"], strict=True)):
            return None
        if not ids:
            return self
        fields = self._patch(self.kinds, self.flags, self.bits, self.confirmed_on, BitMap(ids), _Members.of(columns))
        return replace(self, **fields, _confirmed_since={}, columns=self._columns_with(columns))

    def _columns_with(self, changed: dict[str, tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
        """The columns these bitmaps hold, with the changed listings' values put in their places (the same
        places: a change that moves a listing in the name order builds the bitmaps afresh)."""
        places = [self.place_by_id[pk] for pk in changed["pk"]]
        patched = {}
        for name, values in self.columns.items():
            news = list(zip(places, changed[name], strict=True))
            if all(values[place] == value for place, value in news):
                patched[name] = values  # shared: copying a column costs about 1.5 ms at scale 100
                continue
            column = list(values)
            for place, value in news:
                column[place] = value
            patched[name] = tuple(column)
        return patched

    @staticmethod
    def _patch(
        kinds: dict[str, BitMap],
        flags: dict[str, BitMap],
        bits: dict[str, dict[int, BitMap]],
        confirmed_on: dict[date | None, BitMap],
        gone: BitMap,
        added: _Members,
    ) -> dict[str, Any]:
        """The bitmaps of each kind, flag, bit and day of confirmation without `gone` and with `added`."""
        patched_flags = _merged(flags, gone, added.flags)
        return {
            "kinds": _merged(kinds, gone, added.kinds),
            "flags": {name: patched_flags.get(name, BitMap()) for name in FLAG_FIELDS},
            "bits": {name: _merged(bits.get(name, {}), gone, added.bits[name]) for name in BIT_FIELDS},
            "confirmed_on": _merged(confirmed_on, gone, added.confirmed_on),
        }

    def kind(self, kind: str) -> BitMap:
        return self.kinds.get(kind) or BitMap()

    def flag(self, name: str) -> BitMap:
        return self.flags[name]

    def with_bit(self, name: str, bit: int) -> BitMap:
        return self.bits[name].get(bit) or BitMap()

    def with_every_bit(self, name: str, mask: int) -> BitMap:
        """The listings whose `name` field has every bit of `mask`."""
        return BitMap.intersection(self.published, *(self.with_bit(name, bit) for bit in _bits(mask)))

    def with_any_bit(self, name: str, mask: int) -> BitMap:
        """The listings whose `name` field shares a bit with `mask` (any bit of the field if mask is -1)."""
        by_bit = self.bits[name]
        chosen = by_bit.values() if mask == -1 else [by_bit[bit] for bit in _bits(mask) if bit in by_bit]
        return BitMap.union(*chosen) if chosen else BitMap()

    def confirmed_since(self, day: date) -> BitMap:
        """The listings whose availability was confirmed on or after the day."""
        since = self._confirmed_since.get(day)
        if since is None:
            recent = [members for confirmed, members in self.confirmed_on.items() if confirmed and confirmed >= day]
            since = self._confirmed_since[day] = BitMap.union(*recent) if recent else BitMap()
        return since

    def named(self, capitalised_words: str) -> BitMap:
        """The listings whose name contains the words (both in capitals, as the database writes them)."""
        return BitMap(compress(self.ids_by_name, (capitalised_words in name for name in self.capitalised_names)))

    def in_name_order(self, group: BitMap, offset: int, limit: int) -> list[int]:
        """`limit` listings of the group from `offset`, in name order.

        A large group is met soon walking the name order from the start; a small
        one is quicker sorted by place. Each way costs about the smaller of the
        two: the listings walked past, or the group's size.
        """
        wanted = offset + limit
        if wanted * len(self.ids_by_name) < len(group) * len(group):
            found: list[int] = []
            for pk in self.ids_by_name:
                if pk in group:
                    found.append(pk)
                    if len(found) == wanted:
                        break
            return found[offset:]
        return heapq.nsmallest(wanted, group, key=self.place_by_id.__getitem__)[offset:]


def ordered_page(index: ListingBitmaps, matching: BitMap, keys: list[BitMap], offset: int, limit: int) -> list[int]:
    """One page of the matching listings: those in every key first, then down the keys in
    turn (like ORDER BY key_1 DESC, key_2 DESC, ...), each group in name order."""
    groups = [matching]
    for key in keys:
        groups = [part for group in groups for part in (group & key, group - key)]
    page: list[int] = []
    for group in groups:
        if len(page) == limit:
            break
        if offset >= len(group):
            offset -= len(group)
            continue
        page.extend(index.in_name_order(group, offset, limit - len(page)))
        offset = 0
    return page


def listing_bitmaps(version: str | None = None) -> ListingBitmaps:
    """The bitmaps of the current listings version, made once per version in each worker: patched from
    the last version's for the listings changed since, when the log of changes says which, else built (or
    the last version's kept, when the listings' columns are the ones they were built from).

    One thread makes them while the worker's others wait for it (`making`): each making its own took
    them all four times as long under the one interpreter lock, about 4 s at scale 100 (decision 0054).
    """
    version = version or listings_version()
    index = index_memo.get(version, "index")
    if index is not None:
        return index
    with making:
        index = index_memo.get(version, "index")  # made by the thread this one waited for
        if index is None:
            last_version, last = index_memo.kept("index")
            if last is None:
                index = ListingBitmaps.build()
            else:
                changed = changes_since(last_version, version)
                index = (last.patched(changed) or ListingBitmaps.build()) if changed is not None else last.again()
            # A write may have landed while they were read: keep them only if the version did not move.
            if listings_version() == version:
                index_memo.set(version, "index", index)
    return index


def bitmap_of(ids: QuerySet[Any]) -> BitMap:
    """The ids a query of one column finds."""
    return _found(ids, keyed=False).get(None) or BitMap()


def bitmaps_by_key(pairs: QuerySet[Any]) -> dict[Any, BitMap]:
    """For a query of (key, id) rows, the ids found with each key."""
    return _found(pairs, keyed=True)


def _found(query: QuerySet[Any], *, keyed: bool) -> dict[Any, BitMap]:
    """The ids a query finds, by key (or all under None).

    On PostgreSQL they come back as one array a key: for a common word, a row
    per id took longer to fetch and convert than the database took to find them.
    """
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            key, columns = ("found.key", "key, id") if keyed else ("NULL", "id")
            cursor.execute(
                f"SELECT {key}, array_agg(found.id) FROM ({sql}) AS found ({columns}) GROUP BY 1",
                params,
            )
            return {key: BitMap(ids) for key, ids in cursor.fetchall()}
        cursor.execute(sql, params)
        members: dict[Any, list[int]] = defaultdict(list)
        for row in cursor.fetchall():
            members[row[0] if keyed else None].append(row[-1])
        return {key: BitMap(ids) for key, ids in members.items()}


def capitalised(words: str) -> str:
    """The words in capitals as the database writes them (its UPPER, which a name is compared in)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT UPPER(%s)", [words])
        return str(cursor.fetchone()[0])


def affordable_services(version: str, max_price: Decimal) -> dict[int, BitMap]:
    """Per service id, the listings with an hourly price for it within the limit."""

    def find() -> dict[int, BitMap]:
        prices = ProviderPrice.objects.filter(unit=ProviderPrice.Unit.HOUR, amount__lte=max_price)
        return bitmaps_by_key(prices.order_by().values_list("service_id", "provider_id"))

    return parts_memo.get_or_set(version, f"affordable:{max_price}", find)
