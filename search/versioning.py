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
"""

import hashlib
import threading
import uuid
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection, transaction

from .models import ListingsVersion

T = TypeVar("T")

# Cached search results and filter panels live this long (seconds) at most.
CACHE_SECONDS = 600
REQUEST_ATTRIBUTE = "_listings_version"
VERSION_SQL = f"SELECT token FROM {ListingsVersion._meta.db_table} WHERE id = %s"
# Values this process keeps for the current version without pickling (see `memo_get`).
MEMO_ENTRIES = 256


def listings_changed() -> str:
    """Give the published listings a new version (call inside the writing transaction)."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        updated = ListingsVersion.objects.filter(pk=ListingsVersion.ROW).update(token=token)
        if not updated:
            ListingsVersion.objects.update_or_create(pk=ListingsVersion.ROW, defaults={"token": token})
    return token


def listings_version(request: Any = None) -> str:
    """The current version (one query; remembered on the request when one is given)."""
    if request is not None and hasattr(request, REQUEST_ATTRIBUTE):
        return str(getattr(request, REQUEST_ATTRIBUTE))
    # One plain statement: every page asks this, and the ORM took twice as long to build the query as the
    # database took to answer it (decision 0053).
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL, [ListingsVersion.ROW])
        row = cursor.fetchone()
    token = row[0] if row else "none"
    if request is not None:
        setattr(request, REQUEST_ATTRIBUTE, token)
    return token


def cache_key(kind: str, version: str, *parts: Any) -> str:
    """A cache key for `kind` at this version: the parts hashed, so any text is safe in the key."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"listings:{kind}:{version}:{digest}"


class VersionMemo:
    """This process's own store of values for one listings version: no pickling, no network.

    Unpickling a page of results with its listings costs about as much as
    rendering them, so each worker keeps the latest answers as objects. It
    holds one version at a time: a value for another version empties it. The
    values are shared by the worker's threads and must be treated as read-only.
    """

    # Every memo made, so the tests can empty them all.
    instances: "weakref.WeakSet[VersionMemo]" = weakref.WeakSet()

    def __init__(self, entries: int = MEMO_ENTRIES) -> None:
        VersionMemo.instances.add(self)
        self.entries = entries
        self.lock = threading.Lock()
        self.version = ""
        self.values: dict[str, Any] = {}

    def get(self, version: str, key: str) -> Any:
        with self.lock:
            return self.values.get(key) if version == self.version else None

    def set(self, version: str, key: str, value: Any) -> None:
        with self.lock:
            if version != self.version or len(self.values) >= self.entries:
                self.version, self.values = version, {}
            self.values[key] = value

    def get_or_set(self, version: str, key: str, make: Callable[[], T]) -> T:
        """The value kept for this version and key, else `make()`'s, kept for the next asker."""
        value = self.get(version, key)
        if value is None:
            value = make()
            self.set(version, key, value)
        return value

    def clear(self) -> None:
        with self.lock:
            self.version, self.values = "", {}

    @classmethod
    def clear_all(cls) -> None:
        for instance in list(cls.instances):
            instance.clear()


memo = VersionMemo()
