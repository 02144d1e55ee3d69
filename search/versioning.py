"""The version of the published listings, and the caches keyed by it (decision 0036).

Every write that can change what a search answers (a listing, its terms,
prices, availability, accreditation, or a taxonomy term's name or order)
calls `listings_changed()`. In practice that is
`provider_refresh_search_fields`, which every such write already needs to
keep the search columns right, and the admin hooks for taxonomy terms.

The version is a random token in one database row, so it is shared by every
web worker and never collides with a version from before a restore or a test
rollback. Reading it is one primary-key query per request; cached entries
carry the token in their key, so a change needs no cache deletion and stale
entries simply age out.

Each change is also logged with the listings it was to (`ListingsChange`),
so what a worker keeps of each listing (`ListingMemo`: the listing loaded,
its result card drawn) outlives a change to another listing (decision 0053).
"""

import hashlib
import threading
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction

from marketplace.core.versions import version_token

from .models import ListingsChange, ListingsVersion

T = TypeVar("T")

# Cached search results and filter panels live this long (seconds) at most.
CACHE_SECONDS = 600
REQUEST_ATTRIBUTE = "_listings_version"
# Values this process keeps for the current version without pickling (see `VersionMemo`).
MEMO_ENTRIES = 256
# The changes the log keeps (`ListingsChange`): a worker that has seen none of them since its values'
# version draws everything again. A change to more listings than this names none.
CHANGES_KEPT = 1000
CHANGE_NAMES_AT_MOST = 500


def listings_changed(provider_ids: Iterable[int] | None = None) -> str:
    """Give the published listings a new version (call inside the writing transaction).

    `provider_ids` names the listings the change was to: none for a change
    that shows on pages but on no listing (a page, a site, the council's
    settings); None (or more than `CHANGE_NAMES_AT_MOST`) says it may be to
    every listing, as a change to a taxonomy term's name does.
    """
    token = uuid.uuid4().hex
    ids = None if provider_ids is None else sorted(set(provider_ids))
    if ids is not None and len(ids) > CHANGE_NAMES_AT_MOST:
        ids = None
    with transaction.atomic():
        # The version row first: its lock puts concurrent changes in the log in the order they commit.
        updated = ListingsVersion.objects.filter(pk=ListingsVersion.ROW).update(token=token)
        if not updated:
            ListingsVersion.objects.update_or_create(pk=ListingsVersion.ROW, defaults={"token": token})
        change = ListingsChange.objects.create(token=token, provider_ids=ids)
        ListingsChange.objects.filter(pk__lte=change.pk - CHANGES_KEPT).delete()
    return token


def listings_changed_between(old: str, new: str) -> set[int] | None:
    """The listings changed after version `old` up to version `new`, from the log of changes.

    None when a change between may have been to every listing, or when the log
    cannot say (either version is not in it, or `new` is not after `old`).
    """
    places = dict(ListingsChange.objects.filter(token__in=[old, new]).values_list("token", "pk"))
    if old not in places or new not in places or places[new] <= places[old]:
        return None
    changed: set[int] = set()
    between = ListingsChange.objects.filter(pk__gt=places[old], pk__lte=places[new])
    for ids in between.values_list("provider_ids", flat=True):
        if ids is None:
            return None
        changed.update(ids)
    return changed


def listings_version(request: Any = None) -> str:
    """The current version (one query; remembered on the request when one is given)."""
    if request is not None and hasattr(request, REQUEST_ATTRIBUTE):
        return str(getattr(request, REQUEST_ATTRIBUTE))
    token = version_token(ListingsVersion) or "none"
    if request is not None:
        setattr(request, REQUEST_ATTRIBUTE, token)
    return token


def cache_key(kind: str, version: str, *parts: Any) -> str:
    """A cache key for `kind` at this version: the parts hashed, so any text is safe in the key."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"listings:{kind}:{version}:{digest}"


def asked_before(key: str) -> bool:
    """Whether any worker asked for this cache key in the last `CACHE_SECONDS` (and note that it was asked now).

    What is asked for once only, as most searches nobody has made before are,
    is not worth keeping in the shared cache: a page is kept on its second
    request, as a CDN's "cache on second hit" does, so pages asked once
    neither pay for pickling nor push out the pages many ask for (decision 0053).
    """
    return not cache.add(f"{key}:asked", True, CACHE_SECONDS)


class VersionMemo:
    """This process's own store of values for one listings version: no pickling, no network.

    Unpickling a page of results with its listings costs about as much as
    rendering them, so each worker keeps the latest answers as objects. It
    holds one version at a time: a value for another version empties it. The
    values are shared by the worker's threads and must be treated as read-only.

    A full memo lets go of the value asked for least recently (decision 0066):
    emptying it whole, as it did, made every search after it draw again what
    the searches before had kept, in bursts (at scale 100 a worker's cards
    filled it after about 1,200 new searches).
    """

    # Every memo made, so the tests can empty them all.
    instances: "weakref.WeakSet[VersionMemo]" = weakref.WeakSet()

    def __init__(self, entries: int = MEMO_ENTRIES) -> None:
        VersionMemo.instances.add(self)
        self.entries = entries
        self.lock = threading.Lock()
        self.version = ""
        self.values: OrderedDict[str, Any] = OrderedDict()

    def get(self, version: str, key: str) -> Any:
        with self.lock:
            if version != self.version:
                return None
            value = self.values.get(key)
            if value is not None:
                self.values.move_to_end(key)
            return value

    def set(self, version: str, key: str, value: Any) -> None:
        with self.lock:
            if version != self.version:
                self.version, self.values = version, OrderedDict()
            self._keep(key, value)

    def _keep(self, key: str, value: Any) -> None:
        """Keep a value at the memo's own version (hold the lock), letting go of the least recently asked for
        when the memo is full."""
        self.values[key] = value
        self.values.move_to_end(key)
        while len(self.values) > self.entries:
            self.values.popitem(last=False)

    def kept(self, key: str) -> tuple[str, Any]:
        """The memo's version and its value for `key` (None if it has none), whatever version is current."""
        with self.lock:
            return self.version, self.values.get(key)

    def get_or_set(self, version: str, key: str, make: Callable[[], T]) -> T:
        """The value kept for this version and key, else `make()`'s, kept for the next asker."""
        value = self.get(version, key)
        if value is None:
            value = make()
            self.set(version, key, value)
        return value

    def clear(self) -> None:
        with self.lock:
            self.version, self.values = "", OrderedDict()

    @classmethod
    def clear_all(cls) -> None:
        for instance in list(cls.instances):
            instance.clear()


# What the log said changed between a version and the current one, for every `ListingMemo` of the process.
changes_memo = VersionMemo(entries=8)


def changes_since(old: str, new: str) -> set[int] | None:
    """`listings_changed_between`, asked once for each pair of versions in this process."""
    answer: tuple[set[int] | None] = changes_memo.get_or_set(new, old, lambda: (listings_changed_between(old, new),))
    return answer[0]


class ListingMemo(VersionMemo):
    """A `VersionMemo` of values each about one listing, kept across versions for the listings not changed.

    A key is the listing's id, alone or followed by ":" and more. Asked at a
    newer version, the memo asks the log of changes (`listings_changed_between`)
    which listings changed since its own version and drops only theirs; when
    the log cannot say (an older version, one the log no longer holds, a change
    that may be to every listing), it drops everything, as a `VersionMemo`
    does (decision 0053). That is two queries, once a version in each process
    (`changes_since`), whatever the memo holds, so a page's queries are fixed.
    """

    def get(self, version: str, key: str) -> Any:
        if version != self.version:
            self._move_to(version)
        return super().get(version, key)

    def set(self, version: str, key: str, value: Any) -> None:
        if version != self.version:
            self._move_to(version)
        with self.lock:
            if version != self.version:
                return  # another thread moved the memo on meanwhile: keep nothing for another version
            self._keep(key, value)

    def get_many(self, version: str, ids: Iterable[int], load: Callable[[list[int]], dict[int, T]]) -> dict[int, T]:
        """The values for these listings at `version`: those kept, and the rest from one call of `load` (given
        the ids missing; a listing it leaves out has no value), kept for the next asker. No call when all are kept.
        """
        wanted = list(dict.fromkeys(ids))
        found: dict[int, T] = {}
        for pk in wanted:
            value = self.get(version, str(pk))
            if value is not None:
                found[pk] = value
        missing = [pk for pk in wanted if pk not in found]
        if missing:
            loaded = load(missing)
            for pk, value in loaded.items():
                self.set(version, str(pk), value)
            found.update(loaded)
        return found

    def _move_to(self, version: str) -> None:
        """Keep the values of the listings not changed since this memo's version, at `version`."""
        with self.lock:
            old = self.version
        # Asked outside the lock: the other threads go on reading the memo meanwhile.
        changed = changes_since(old, version) if old else None
        with self.lock:
            if self.version != old:
                return  # another thread moved it first
            self.values = OrderedDict() if changed is None else self._kept_after(changed)
            self.version = version

    def _kept_after(self, changed: Collection[int]) -> "OrderedDict[str, Any]":
        """The values still right after a change to these listings, in the order they were last asked for
        (hold the lock)."""
        return OrderedDict(
            (key, value) for key, value in self.values.items() if int(key.partition(":")[0]) not in changed
        )


memo = VersionMemo()
