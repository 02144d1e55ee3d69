"""Full-text search on SQLite: an FTS5 index of each listing's search words.

The embedded default has no PostgreSQL, so the database backend matches words
through this index instead of scanning every row's text. The providers service
keeps it in step (`replace_rows`); a SQLite built without FTS5 falls back to
matching the text column (see DatabaseSearchBackend._filter_text).
"""

from collections.abc import Iterable
from functools import cache

from django.db import connection

TABLE = "provider_search_fts"
# Words shorter than this match whole words only ("pa" is not the start of "Patel").
MIN_PREFIX_LENGTH = 4


@cache
def is_available(database_name: str) -> bool:
    """Whether this SQLite database has the index (checked once per process and database)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [TABLE])
        return cursor.fetchone() is not None


def index_ready() -> bool:
    return connection.vendor == "sqlite" and is_available(str(connection.settings_dict["NAME"]))


def create_index(schema_editor: object) -> None:
    """Create and fill the index; used by the providers migration on SQLite only."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(search_text, tokenize='unicode61')")
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(f"INSERT INTO {TABLE}(rowid, search_text) SELECT id, search_text FROM providers_provider")
    is_available.cache_clear()


def drop_index(schema_editor: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
    is_available.cache_clear()


def replace_rows(provider_ids: Iterable[int]) -> None:
    """Copy these listings' current search words into the index."""
    ids = list(provider_ids)
    if not ids or not index_ready():
        return
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({placeholders})", ids)
        cursor.execute(
            f"INSERT INTO {TABLE}(rowid, search_text) "
            f"SELECT id, search_text FROM providers_provider WHERE id IN ({placeholders})",
            ids,
        )


def match_expression(groups: list[list[str]]) -> str | None:
    """An FTS5 query: each group's phrases joined by OR, the groups by AND.

    Phrases arrive normalised to lower-case words (no quotes can occur); a
    phrase whose last word is long enough also matches as a word start.
    """
    clauses = []
    for group in groups:
        alternatives = []
        for phrase in group:
            words = phrase.split()
            if not words:
                continue
            quoted = f'"{" ".join(words)}"'
            alternatives.append(quoted + ("*" if len(words[-1]) >= MIN_PREFIX_LENGTH else ""))
        if alternatives:
            clauses.append("(" + " OR ".join(alternatives) + ")")
    return " AND ".join(clauses) or None


def matching_ids_sql(expression: str) -> tuple[str, list[str]]:
    return f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [expression]
