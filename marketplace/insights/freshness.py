"""The records version: a token the database itself changes with every write to the tables the dashboard reads.

The morning dashboard's figures (decision 0060) are worked out from a dozen
tables: at a regional scale that takes over a second, and commissioners open
the dashboard many times between changes. So the figures are kept in the
shared cache under this token and the day, and a write to any of those tables
gives a new token in the same transaction. The figures kept are then always
the figures worked out afresh: a visit finalised, a complaint approved or a
check expired is on the dashboard at the very next request.

The token is changed by database triggers, not by the code that writes: a
model's `save`, a queryset's `update`, `bulk_create`, the admin, a migration's
data step and a statement typed into `psql` all fire them, so no write path
can forget. On PostgreSQL one trigger a statement; on SQLite (which has only
row triggers) one a row. A table written all day is watched by column
(`WATCHED_COLUMNS`, decision 0062): an update to it counts only when it
changes a column the figures read, which a row trigger's condition tests. `install_triggers` runs after every `migrate`
(apps.py), so the triggers always match `WATCHED_MODELS`; a test reads every
statement the figures run and fails if one reads a table not watched.
"""

import uuid
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from django.apps import apps
from django.core.cache import cache
from django.db import connections

from marketplace.core.versions import version_token

from .models import RecordsVersion

T = TypeVar("T")

# Every model whose table the dashboard's figures read (tests/insights/test_dashboard_views.py checks the list
# against the statements the figures run). Many-to-many tables are named by their field, as "app.Model.field".
WATCHED_MODELS = (
    "accreditation.Accreditation",
    "accreditation.CheckRequirement",
    "accreditation.CheckType",
    "accreditation.ProviderCheck",
    "accreditation.Worker",
    "contingency.ContingencyFlag",
    "monitoring.Arrangement",
    "monitoring.ArrangementMembership",
    "monitoring.Feedback",
    "monitoring.MonitoringVisit",
    "places.Locality",
    "places.Place",
    "providers.Provider",
    "providers.Provider.services",
    "providers.ServiceType",
)
# For a wide table written all day, the only columns the figures read (model field names): an update that
# changes none of them, such as a provider editing its description or availability, leaves the figures kept.
# Inserts and deletes always count. A test reads every statement the figures run and fails if one reads
# another column of these tables.
WATCHED_COLUMNS = {
    "providers.Provider": (
        "id",
        "status",
        "kind",
        "name",
        "cqc_rating",
        "cqc_location_id",
        "cqc_provider_id",
        "latitude",
        "longitude",
    ),
}
TRIGGER = "records_changed"
# PostgreSQL's row trigger for an update to a table watched by column.
UPDATE_TRIGGER = "records_changed_update"
# SQLite triggers are a row and an event each.
EVENTS = ("INSERT", "UPDATE", "DELETE")
# The figures of one day at one token are kept this long at most (seconds); a new token or day needs no deletion.
CACHE_SECONDS = 24 * 60 * 60


def watched_tables() -> list[str]:
    """The database tables of `WATCHED_MODELS`, sorted."""
    tables = set()
    for label in WATCHED_MODELS:
        app_label, model_name, *field = label.split(".")
        model = apps.get_model(app_label, model_name)
        if field:
            model = model._meta.get_field(field[0]).remote_field.through
        tables.add(model._meta.db_table)
    return sorted(tables)


def watched_columns() -> dict[str, list[str]]:
    """The database columns of `WATCHED_COLUMNS`, by table."""
    found = {}
    for label, field_names in WATCHED_COLUMNS.items():
        model = apps.get_model(label)
        found[model._meta.db_table] = [model._meta.get_field(name).column for name in field_names]
    return found


def records_version(using: str = "default") -> str | None:
    """The current token (one query); None before `migrate` has installed the triggers, or after a flush, when
    nothing can be kept."""
    return version_token(RecordsVersion, using)


def kept_for_the_day(name: str, today: date, work_out: Callable[[], T]) -> T:
    """`work_out()`, kept in the shared cache for this records version and day: worked out again after any write
    to a watched table, or on another day (every figure it may keep depends on the records and the day alone)."""
    version = records_version()
    if version is None:
        return work_out()
    key = f"insights:{name}:{version}:{today.isoformat()}"
    kept: T | None = cache.get(key)
    if kept is None:
        kept = work_out()
        cache.set(key, kept, CACHE_SECONDS)
    return kept


def install_triggers(using: str = "default") -> None:
    """Make the triggers match `WATCHED_MODELS` and `WATCHED_COLUMNS` on this database: create or replace those
    wanted, drop those on tables no longer watched (idempotent; run after every migrate)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    version_table = quote(RecordsVersion._meta.db_table)
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        # Without the version's table (its migration unapplied) every trigger is dropped: each would fail the write.
        has_version = RecordsVersion._meta.db_table in existing
        tables = [table for table in watched_tables() if table in existing] if has_version else []
        columns = watched_columns()
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO {version_table} (id, token) VALUES ({RecordsVersion.ROW}, md5(random()::text || clock_timestamp()::text))
                    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
                    RETURN NULL;
                END $$"""  # noqa: E501
            )
            wanted: dict[tuple[str, str], str] = {}
            for table in tables:
                if table in columns:
                    # A row trigger, so that an update which changes none of the columns read calls nothing and
                    # takes no lock on the version's row.
                    changed = " OR ".join(f"OLD.{quote(c)} IS DISTINCT FROM NEW.{quote(c)}" for c in columns[table])
                    wanted[table, TRIGGER] = "AFTER INSERT OR DELETE OR TRUNCATE"
                    wanted[table, UPDATE_TRIGGER] = f"AFTER UPDATE ON {quote(table)} FOR EACH ROW WHEN ({changed})"
                else:
                    wanted[table, TRIGGER] = "AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname IN (%s, %s)",
                [TRIGGER, UPDATE_TRIGGER],
            )
            for table, name in cursor.fetchall():
                if (table, name) not in wanted:
                    cursor.execute(f"DROP TRIGGER {quote(name)} ON {quote(table)}")
            for (table, name), when in wanted.items():
                if name == TRIGGER:
                    when = f"{when} ON {quote(table)} FOR EACH STATEMENT"
                cursor.execute(f"CREATE OR REPLACE TRIGGER {quote(name)} {when} EXECUTE FUNCTION {TRIGGER}()")
        elif connection.vendor == "sqlite":
            # SQLite has row triggers only, one event each, and cannot replace one: all are dropped and made again.
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{TRIGGER}_%"])
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP TRIGGER {quote(name)}")
            for table in tables:
                for event in EVENTS:
                    when = ""
                    if event == "UPDATE" and table in columns:
                        when = " WHEN " + " OR ".join(f"OLD.{quote(c)} IS NOT NEW.{quote(c)}" for c in columns[table])
                    cursor.execute(
                        f"CREATE TRIGGER {quote(f'{TRIGGER}_{table}_{event.lower()}')} AFTER {event} "
                        f"ON {quote(table)} FOR EACH ROW{when} BEGIN "
                        f"INSERT OR REPLACE INTO {version_table} (id, token) "
                        f"VALUES ({RecordsVersion.ROW}, lower(hex(randomblob(16)))); END"
                    )
        else:
            raise NotImplementedError(f"No records-version triggers for {connection.vendor}")
    if has_version:
        # A new token too: a migration may have changed any record, and figures can be kept from now on.
        RecordsVersion.objects.using(using).update_or_create(
            pk=RecordsVersion.ROW, defaults={"token": uuid.uuid4().hex}
        )
