"""The fake's state: one SQLite file under the data directory, so a restart keeps everything.

Objects are kept whole as JSON, by id, with their type, the account they belong to (None for the
platform) and the order they were made in. One lock serialises every change: the fake is for tests
and demos, where a few requests a second is plenty, and a single writer keeps it simple and correct.
"""

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fakestripe.errors import no_such

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    account TEXT,
    created INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS objects_type_account ON objects (type, account);
CREATE TABLE IF NOT EXISTS idempotency (
    api_key TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (api_key, key)
);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    delivered_at REAL,
    abandoned INTEGER NOT NULL DEFAULT 0,
    last_result TEXT
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_ANY = object()


@dataclass(frozen=True)
class Delivery:
    id: int
    event_id: str
    url: str
    secret: str
    attempts: int


class Store:
    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self._db = sqlite3.connect(data_dir / "fakestripe.sqlite3", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self.lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything one request changes, saved together or not at all."""
        with self.lock:
            if self._db.in_transaction:
                yield
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # The clock: the real one plus however far the tests have moved it.

    def now(self) -> int:
        return int(time.time()) + int(self.get_meta("clock_offset", "0"))

    def advance(self, seconds: int) -> None:
        self.set_meta("clock_offset", str(int(self.get_meta("clock_offset", "0")) + seconds))

    def get_meta(self, key: str, default: str) -> str:
        with self.lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.lock:
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # Objects.

    def insert(self, body: dict[str, Any], *, account: str | None) -> dict[str, Any]:
        with self.lock:
            self._db.execute(
                "INSERT INTO objects (id, type, account, created, body) VALUES (?, ?, ?, ?, ?)",
                (body["id"], body["object"], account, body.get("created", self.now()), json.dumps(body)),
            )
        return body

    def save(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self._db.execute("UPDATE objects SET body = ? WHERE id = ?", (json.dumps(body), body["id"]))
        return body

    def find(self, object_id: str) -> dict[str, Any] | None:
        with self.lock:
            row = self._db.execute("SELECT body FROM objects WHERE id = ?", (object_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def get(self, kind: str, object_id: str, *, account: Any = _ANY, param: str = "id") -> dict[str, Any]:
        """The object of this type and id, seen from `account` (None: the platform); 404 otherwise."""
        with self.lock:
            row = self._db.execute(
                "SELECT body, account FROM objects WHERE id = ? AND type = ?", (object_id, kind)
            ).fetchone()
        if row is None or (account is not _ANY and row[1] != account):
            raise no_such(kind.replace("_", " ").replace(".", " "), object_id, param)
        body: dict[str, Any] = json.loads(row[0])
        return body

    def owner(self, object_id: str) -> str | None:
        with self.lock:
            row = self._db.execute("SELECT account FROM objects WHERE id = ?", (object_id,)).fetchone()
        return row[0] if row else None

    def all(self, kind: str, *, account: Any = _ANY) -> list[dict[str, Any]]:
        """Every object of this type (for `account` if given), newest first."""
        sql = "SELECT body FROM objects WHERE type = ?"
        args: list[Any] = [kind]
        if account is not _ANY:
            if account is None:
                sql += " AND account IS NULL"
            else:
                sql += " AND account = ?"
                args.append(account)
        with self.lock:
            rows = self._db.execute(sql + " ORDER BY seq DESC", args).fetchall()
        return [json.loads(row[0]) for row in rows]

    # Idempotency keys.

    def saved_response(self, api_key: str, key: str) -> tuple[str, int, str, int] | None:
        with self.lock:
            row = self._db.execute(
                "SELECT fingerprint, status, body, created FROM idempotency WHERE api_key = ? AND key = ?",
                (api_key, key),
            ).fetchone()
        return (row[0], row[1], row[2], row[3]) if row else None

    def save_response(self, api_key: str, key: str, fingerprint: str, status: int, body: str) -> None:
        with self.lock:
            self._db.execute(
                "INSERT OR REPLACE INTO idempotency (api_key, key, fingerprint, status, body, created)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (api_key, key, fingerprint, status, body, self.now()),
            )

    def forget_responses_before(self, moment: int) -> None:
        with self.lock:
            self._db.execute("DELETE FROM idempotency WHERE created < ?", (moment,))

    # Webhook deliveries.

    def queue_delivery(self, *, event_id: str, url: str, secret: str) -> None:
        with self.lock:
            self._db.execute(
                "INSERT INTO deliveries (event_id, url, secret, next_attempt_at) VALUES (?, ?, ?, ?)",
                (event_id, url, secret, time.time()),
            )

    def due_deliveries(self, moment: float) -> list[Delivery]:
        with self.lock:
            rows = self._db.execute(
                "SELECT id, event_id, url, secret, attempts FROM deliveries"
                " WHERE delivered_at IS NULL AND abandoned = 0 AND next_attempt_at <= ? ORDER BY id",
                (moment,),
            ).fetchall()
        return [Delivery(*row) for row in rows]

    def record_attempt(self, delivery_id: int, *, delivered: bool, result: str, retry_at: float | None) -> None:
        """One attempt's outcome: delivered, to be retried at `retry_at`, or (neither) given up."""
        with self.lock:
            self._db.execute(
                "UPDATE deliveries SET attempts = attempts + 1, last_result = ?,"
                " delivered_at = CASE WHEN ? THEN ? ELSE NULL END,"
                " abandoned = CASE WHEN ? OR ? IS NOT NULL THEN 0 ELSE 1 END,"
                " next_attempt_at = COALESCE(?, next_attempt_at) WHERE id = ?",
                (result, delivered, time.time(), delivered, retry_at, retry_at, delivery_id),
            )

    def delivery_log(self) -> list[dict[str, Any]]:
        with self.lock:
            rows = self._db.execute(
                "SELECT event_id, url, attempts, delivered_at, last_result, abandoned FROM deliveries ORDER BY id"
            ).fetchall()
        return [
            {
                "event": row[0],
                "url": row[1],
                "attempts": row[2],
                "delivered": row[3] is not None,
                "last_result": row[4],
                "abandoned": bool(row[5]),
            }
            for row in rows
        ]

    def pending_deliveries(self, event_id: str) -> int:
        with self.lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM deliveries WHERE event_id = ? AND delivered_at IS NULL", (event_id,)
            ).fetchone()
        return int(row[0])

    def reset(self) -> None:
        with self.lock:
            for table in ("objects", "idempotency", "deliveries", "meta"):
                self._db.execute(f"DELETE FROM {table}")
