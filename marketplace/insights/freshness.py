"""The records versions: tokens the database itself changes with every write to what each dashboard panel reads.

The morning dashboard's figures (decision 0060) are worked out from a dozen
tables: at a regional scale that takes over a second, and commissioners open
the dashboard many times between changes. So each panel's figures are kept in
the shared cache under its own token and the day, and a write to a table the
panel reads gives that panel a new token in the same transaction (decision
0063). The figures kept are then always the figures worked out afresh: a visit
finalised, a complaint approved or a check expired is on the dashboard at the
very next request, and only the panels that read it are worked out again.

The tokens are changed by database triggers, not by the code that writes: a
model's `save`, a queryset's `update`, `bulk_create`, the admin, a migration's
data step and a statement typed into `psql` all fire them, so no write path
can forget. On PostgreSQL one trigger a statement; on SQLite (which has only
row triggers) one a row. The providers' table, written all day, is watched by
column (decision 0062): an update to it counts for a panel only when it
changes a column that panel reads, which a row trigger's condition tests.
`install_triggers` runs after every `migrate` (apps.py), so the triggers
always match `PANELS`; a test reads every statement each panel runs and fails
if one reads a table or a column its panel does not watch.
"""

import uuid
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, NamedTuple

from django.apps import apps
from django.core.cache import cache
from django.db import connections

from .models import RecordsVersion


class Panel(NamedTuple):
    """What one panel of the morning figures reads: its version's row, the models whose tables it reads (many-to-
    many tables named by their field, as "app.Model.field"), and for a table watched by column (the providers'),
    the only fields it reads there: an empty tuple when it only counts the rows."""

    row: int
    models: tuple[str, ...]
    columns: Mapping[str, tuple[str, ...]] = {}


# Every panel of the morning figures (selectors.morning_panels works each out). tests/insights/
# test_dashboard_views.py checks each against the statements the panel runs.
PANELS: dict[str, Panel] = {
    "pipeline": Panel(1, ("accreditation.Accreditation", "providers.Provider"), {"providers.Provider": ()}),
    "checks": Panel(
        2,
        (
            "accreditation.CheckRequirement",
            "accreditation.ProviderCheck",
            "accreditation.Worker",
            "providers.Provider",
        ),
        {"providers.Provider": ("id", "kind", "status")},
    ),
    "flags": Panel(3, ("contingency.ContingencyFlag",)),
    "ratings": Panel(
        4,
        ("monitoring.MonitoringVisit", "providers.Provider"),
        {"providers.Provider": ("id", "status", "cqc_rating", "cqc_location_id", "cqc_provider_id")},
    ),
    "monitoring": Panel(
        5,
        (
            "accreditation.CheckRequirement",
            "accreditation.CheckType",
            "accreditation.ProviderCheck",
            "monitoring.Arrangement",
            "monitoring.ArrangementMembership",
            "monitoring.Feedback",
            "monitoring.MonitoringVisit",
            "providers.Provider",
        ),
        {"providers.Provider": ("id", "kind", "cqc_rating")},
    ),
    "queue": Panel(6, ("accreditation.Accreditation", "accreditation.ProviderCheck")),
    "gaps": Panel(
        7,
        (
            "places.Locality",
            "places.Place",
            "providers.Provider",
            "providers.Provider.services",
            "providers.ServiceType",
        ),
        {"providers.Provider": ("id", "kind", "status", "name", "latitude", "longitude")},
    ),
}
TRIGGER = "records_changed"
# SQLite triggers are a row and an event each.
EVENTS = ("INSERT", "UPDATE", "DELETE")
# A panel's figures of one day at one token are kept this long at most (seconds); a new token or day needs no
# deletion.
CACHE_SECONDS = 24 * 60 * 60


def table_of(label: str) -> str:
    """The database table of a model label, or of a many-to-many field's table ("app.Model.field")."""
    app_label, model_name, *field = label.split(".")
    model = apps.get_model(app_label, model_name)
    if field:
        model = model._meta.get_field(field[0]).remote_field.through
    return str(model._meta.db_table)


def panel_tables(panel: Panel) -> dict[str, list[str] | None]:
    """The tables this panel reads: for each, the database columns it reads when watched by column, else None."""
    tables: dict[str, list[str] | None] = {table_of(label): None for label in panel.models}
    for label, field_names in panel.columns.items():
        model = apps.get_model(label)
        tables[model._meta.db_table] = [model._meta.get_field(name).column for name in field_names]
    return tables


def watched_tables() -> list[str]:
    """Every table a panel reads, sorted."""
    return sorted({table for panel in PANELS.values() for table in panel_tables(panel)})


def records_versions(using: str = "default") -> dict[str, str]:
    """Each panel's current token (one query). A panel is missing before `migrate` has installed the triggers, or
    after a flush until a table it reads is written: its figures cannot be kept until then."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT id, token FROM {RecordsVersion._meta.db_table}")
        tokens = dict(cursor.fetchall())
    return {name: tokens[panel.row] for name, panel in PANELS.items() if panel.row in tokens}


def kept_for_the_day(today: date, work: Mapping[str, Callable[[], Any]]) -> dict[str, Any]:
    """Each panel's `work()`, kept in the shared cache for its records version and the day: worked out again only
    after a write to what that panel reads, or on another day (every figure it may keep depends on the records and
    the day alone). One query and one cache round trip when every panel is kept."""
    tokens = records_versions()
    keys = {name: f"insights:{name}:{tokens[name]}:{today.isoformat()}" for name in work if name in tokens}
    kept = cache.get_many(list(keys.values())) if keys else {}
    figures, fresh = {}, {}
    for name, work_out in work.items():
        key = keys.get(name)
        if key is not None and key in kept:
            figures[name] = kept[key]
            continue
        figures[name] = work_out()
        if key is not None:
            fresh[key] = figures[name]
    if fresh:
        cache.set_many(fresh, CACHE_SECONDS)
    return figures


def install_triggers(using: str = "default") -> None:
    """Make the triggers match `PANELS` on this database: create or replace those wanted, drop the others
    (idempotent; run after every migrate)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    version_table = quote(RecordsVersion._meta.db_table)
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        # Without the version's table (its migration unapplied) every trigger is dropped: each would fail the write.
        has_version = RecordsVersion._meta.db_table in existing
        watches = [
            (panel.row, table, columns)
            for panel in PANELS.values()
            for table, columns in panel_tables(panel).items()
            if has_version and table in existing
        ]
        if connection.vendor == "postgresql":
            _install_postgresql(cursor, quote, version_table, watches)
        elif connection.vendor == "sqlite":
            _install_sqlite(cursor, quote, version_table, watches)
        else:
            raise NotImplementedError(f"No records-version triggers for {connection.vendor}")
    if has_version:
        # New tokens too: a migration may have changed any record, and figures can be kept from now on.
        for panel in PANELS.values():
            RecordsVersion.objects.using(using).update_or_create(pk=panel.row, defaults={"token": uuid.uuid4().hex})
        RecordsVersion.objects.using(using).exclude(pk__in=[panel.row for panel in PANELS.values()]).delete()


Watch = tuple[int, str, list[str] | None]


def _install_postgresql(cursor: Any, quote: Callable[[str], str], version_table: str, watches: list[Watch]) -> None:
    """One statement trigger a panel and table; for a table watched by column, a row trigger on update whose
    condition is a change to a column the panel reads, so any other update calls nothing and takes no lock."""
    cursor.execute(
        f"""CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {version_table} (id, token) VALUES (TG_ARGV[0]::integer, md5(random()::text || clock_timestamp()::text))
            ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
            RETURN NULL;
        END $$"""  # noqa: E501
    )
    wanted: dict[tuple[str, str], tuple[str, int]] = {}  # (table, trigger) -> (when it fires, the panel's row)
    for row, table, columns in watches:
        on = quote(table)
        if columns is None:
            every = f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {on} FOR EACH STATEMENT"
            wanted[table, f"{TRIGGER}_{row}"] = (every, row)
            continue
        wanted[table, f"{TRIGGER}_{row}"] = (f"AFTER INSERT OR DELETE OR TRUNCATE ON {on} FOR EACH STATEMENT", row)
        if columns:
            changed = " OR ".join(f"OLD.{quote(column)} IS DISTINCT FROM NEW.{quote(column)}" for column in columns)
            wanted[table, f"{TRIGGER}_{row}_update"] = (f"AFTER UPDATE ON {on} FOR EACH ROW WHEN ({changed})", row)
    cursor.execute(
        "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname LIKE %s",
        [f"{TRIGGER}%"],
    )
    for table, name in cursor.fetchall():
        if (table, name) not in wanted:
            cursor.execute(f"DROP TRIGGER {quote(name)} ON {quote(table)}")
    for (_table, name), (when, row) in wanted.items():
        cursor.execute(f"CREATE OR REPLACE TRIGGER {quote(name)} {when} EXECUTE FUNCTION {TRIGGER}({row})")


def _install_sqlite(cursor: Any, quote: Callable[[str], str], version_table: str, watches: list[Watch]) -> None:
    """Row triggers, one an event, a panel and a table (SQLite cannot replace one: all are dropped and made again);
    for a table watched by column, the update trigger's condition is a change to a column the panel reads."""
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{TRIGGER}_%"])
    for (name,) in cursor.fetchall():
        cursor.execute(f"DROP TRIGGER {quote(name)}")
    for row, table, columns in watches:
        for event in EVENTS:
            when = ""
            if event == "UPDATE" and columns is not None:
                if not columns:
                    continue
                when = " WHEN " + " OR ".join(f"OLD.{quote(column)} IS NOT NEW.{quote(column)}" for column in columns)
            cursor.execute(
                f"CREATE TRIGGER {quote(f'{TRIGGER}_{row}_{table}_{event.lower()}')} AFTER {event} "
                f"ON {quote(table)} FOR EACH ROW{when} BEGIN "
                f"INSERT OR REPLACE INTO {version_table} (id, token) "
                f"VALUES ({row}, lower(hex(randomblob(16)))); END"
            )
