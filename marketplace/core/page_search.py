"""Wagtail's page search on SQLite: a search word is passed to FTS5 as one quoted string, whatever it contains.

Wagtail's database search backend on SQLite (django-modelsearch) quotes each
search word for FTS5 (`"word"`) but does not double a double quote inside it,
so the words `"a:b"` reach FTS5 as `""a:b""`: an empty string, then `a:b`,
which FTS5 reads as "column a", and the search fails with "no such column"
(an OperationalError, shown as the "busy" page). The hostile-input suite found
it typing `=HYPERLINK("http://evil.example")` into the admin's page chooser;
any editor searching for a quoted phrase met it. FTS5 escapes a double quote
inside a string by doubling it, which is what we add. PostgreSQL's backend is
not affected.
"""

from typing import Any


def install_page_search_quoting() -> None:
    from django.conf import settings

    if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return  # the SQLite backend's module cannot even be imported without its SQLite-only model
    from modelsearch.backends.database.sqlite.query import Lexeme

    original = Lexeme.as_sql
    if getattr(original, "doubles_quotes", False):
        return

    def as_sql(self: Any, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        template, params = original(self, compiler, connection)
        return template, [param.replace('"', '""') for param in params]

    as_sql.doubles_quotes = True  # type: ignore[attr-defined]
    setattr(Lexeme, "as_sql", as_sql)  # noqa: B010
