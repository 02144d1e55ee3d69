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

Two panels, the monitoring schedule and the ratings, are sums over providers
(decision 0064). A write to their tables of rows that each belong to a
provider adds that provider to a change log (`ProviderChange`) instead of
giving them a new token, and they are kept with each provider's value: the
next request works out only the providers the log names since.
"""

import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date
from functools import cached_property
from typing import Any, NamedTuple

from django.apps import apps
from django.core.cache import cache
from django.db import connections, transaction

from .models import ProviderChange, RecordsVersion


class Panel(NamedTuple):
    """What one panel of the morning figures reads: its version's row, the models whose tables it reads (many-to-
    many tables named by their field, as "app.Model.field"), and for a table watched by column (the providers'),
    the only fields it reads there: an empty tuple when it only counts the rows.

    `by_provider` names, for a panel worked out provider by provider (`ByProvider`), the models among those whose
    rows each belong to one provider, and the field that names it: a write there names its provider in the
    change log (`ProviderChange`) rather than giving the panel a new token (decision 0064).
    """

    row: int
    models: tuple[str, ...]
    columns: Mapping[str, tuple[str, ...]] = {}
    by_provider: Mapping[str, str] = {}


class ByProvider(NamedTuple):
    """How a panel is worked out provider by provider: `values(ids)` gives each provider's value (for every
    provider when `ids` is None; a provider left out gives none), in a fixed number of queries, and `summary`
    makes the figures from all the values. Kept, only the providers written since are worked out again."""

    values: Callable[[Collection[int] | None], dict[int, Any]]
    summary: Callable[[Mapping[int, Any]], Any]


Work = Callable[[], Any] | ByProvider


def work_out(work: Work) -> Any:
    """A panel's figures worked out afresh."""
    if isinstance(work, ByProvider):
        return work.summary(work.values(None))
    return work()


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
        {"monitoring.MonitoringVisit": "provider", "providers.Provider": "id"},
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
        {
            "accreditation.ProviderCheck": "provider",
            "monitoring.ArrangementMembership": "provider",
            "monitoring.Feedback": "provider",
            "monitoring.MonitoringVisit": "provider",
            "providers.Provider": "id",
        },
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
# More changes than this in the log and it is emptied, with new tokens for the by-provider panels: working
# that many providers out again would cost about as much as working every one out.
PATCH_LIMIT = 1000


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


def logged_tables(panel: Panel) -> dict[str, str]:
    """The tables whose writes this panel finds in the change log, each with its column naming the provider."""
    logged = {}
    for label, field_name in panel.by_provider.items():
        model = apps.get_model(label)
        logged[model._meta.db_table] = model._meta.get_field(field_name).column
    return logged


def records_versions(using: str = "default") -> dict[str, str]:
    """Each panel's current token (one query). A panel is missing before `migrate` has installed the triggers, or
    after a flush until a table it reads is written: its figures cannot be kept until then."""
    return _versions_and_changes(using)[0]


def _versions_and_changes(using: str = "default") -> tuple[dict[str, str], int]:
    """Each panel's current token and how many changes the log holds (up to one over `PATCH_LIMIT`), read
    together (one statement: on PostgreSQL one snapshot, so an emptying of the log is seen with its new tokens)."""
    log = ProviderChange._meta.db_table
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT id, token, (SELECT COUNT(*) FROM (SELECT 1 FROM {log} LIMIT {PATCH_LIMIT + 1}) AS logged) "
            f"FROM {RecordsVersion._meta.db_table}"
        )
        rows = cursor.fetchall()
    tokens = {row: token for row, token, _ in rows}
    changes = rows[0][2] if rows else 0
    return {name: tokens[panel.row] for name, panel in PANELS.items() if panel.row in tokens}, changes


def empty_the_change_log(using: str = "default") -> None:
    """Delete every change in the log and give each by-provider panel a new token, in one transaction: what was
    kept for those panels is worked out afresh, so no change is lost with its row."""
    with transaction.atomic(using=using):
        ProviderChange.objects.using(using).all().delete()
        _new_tokens([panel for panel in PANELS.values() if panel.by_provider], using)


def _new_tokens(panels: Iterable[Panel], using: str) -> None:
    """Give each of these panels a new token: whatever was kept under the old one is never found again."""
    for panel in sorted(panels):  # in the rows' order, so two writers lock them alike
        RecordsVersion.objects.using(using).update_or_create(pk=panel.row, defaults={"token": uuid.uuid4().hex})


def kept_for_the_day(today: date, work: Mapping[str, Work]) -> dict[str, Any]:
    """Each panel's figures, kept in the shared cache for its records version and the day: worked out again only
    after a write to what that panel reads, or on another day (every figure it may keep depends on the records and
    the day alone). A by-provider panel's figures are kept with the change log's length: after a write only the
    providers it names are worked out again. One query and one cache round trip when every panel is kept."""
    tokens, changes = _versions_and_changes()
    if changes > PATCH_LIMIT:
        empty_the_change_log()
        tokens, changes = _versions_and_changes()
    keys = {name: f"insights:{name}:{tokens[name]}:{today.isoformat()}" for name in work if name in tokens}
    kept = cache.get_many(list(keys.values())) if keys else {}
    figures: dict[str, Any] = {}
    fresh: dict[str, Any] = {}
    change_log = _ChangeLog(changes)
    for name, panel_work in work.items():
        key = keys.get(name)
        found = kept.get(key) if key is not None else None
        if isinstance(panel_work, ByProvider):
            if found is not None and found[0] == changes:
                figures[name] = found[1]
                continue
            figures[name], kept_values = _by_provider(panel_work, key, found is not None, change_log)
            if key is not None:
                fresh[key] = (len(kept_values[0]), figures[name])
                fresh[f"{key}:values"] = kept_values
            continue
        if found is not None:
            figures[name] = found
            continue
        figures[name] = work_out(panel_work)
        if key is not None:
            fresh[key] = figures[name]
    if fresh:
        cache.set_many(fresh, CACHE_SECONDS)
    return figures


KeptValues = tuple[frozenset[int], dict[int, Any]]  # the changes in the log applied, and each provider's value


class _ChangeLog:
    """The change log as one request reads it: at most once, for every by-provider panel that needs it."""

    def __init__(self, length: int) -> None:
        self.length = length  # as counted with the tokens

    @cached_property
    def changes(self) -> list[tuple[int, int]]:
        return list(ProviderChange.objects.order_by().values_list("id", "provider_id"))


def _by_provider(work: ByProvider, key: str | None, was_kept: bool, change_log: _ChangeLog) -> tuple[Any, KeptValues]:
    """A by-provider panel's figures, and what to keep: its kept values patched with the providers the log names
    since (when they are kept and the log still holds what they applied), else every provider worked out."""
    kept: KeptValues | None = cache.get(f"{key}:values") if key is not None and was_kept else None
    # An empty log needs no reading: a change added since is not among those applied, so it is applied next time.
    log = change_log.changes if change_log.length or kept else []
    applied = frozenset(change_id for change_id, _ in log)
    if kept is not None and len(log) >= change_log.length and kept[0] <= applied:
        values = kept[1]  # the cache's own copy: every backend unpickles what it returns
        written = {provider_id for change_id, provider_id in log if change_id not in kept[0]}
        patch = work.values(written)
        for provider_id in written:
            if provider_id in patch:
                values[provider_id] = patch[provider_id]
            else:
                values.pop(provider_id, None)
    else:
        # Nothing kept, or the log was emptied since it was read (with a new token: what is kept here is not
        # found again): every provider, read after the log, so any change not in `applied` is still to come.
        values = work.values(None)
    return work.summary(values), (applied, values)


def install_triggers(using: str = "default") -> None:
    """Make the triggers match `PANELS` on this database: create or replace those wanted, drop the others
    (idempotent; run after every migrate)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
    # Without the version's table (its migration unapplied) every trigger is dropped: each would fail the write.
    # Likewise the change log's.
    has_version = RecordsVersion._meta.db_table in existing
    has_log = has_version and ProviderChange._meta.db_table in existing
    watches: list[Watch] = []
    logs: dict[str, tuple[str, list[str] | None]] = {}  # table -> (its provider column, the columns that count)
    for panel in PANELS.values():
        logged = logged_tables(panel) if has_log else {}
        for table, columns in panel_tables(panel).items():
            if not has_version or table not in existing:
                continue
            watches.append((panel.row, table, columns, table in logged))
            if table in logged:
                counted = logs[table][1] if table in logs else []
                logs[table] = (logged[table], None if columns is None or counted is None else counted + columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _install_postgresql(cursor, quote, watches, logs)
        elif connection.vendor == "sqlite":
            _install_sqlite(cursor, quote, watches, logs)
        else:
            raise NotImplementedError(f"No records-version triggers for {connection.vendor}")
    if has_version:
        # New tokens too: a migration may have changed any record, and figures can be kept from now on.
        _new_tokens(PANELS.values(), using)
        RecordsVersion.objects.using(using).exclude(pk__in=[panel.row for panel in PANELS.values()]).delete()
    if has_log:
        empty_the_change_log(using)  # what it holds was written before the new tokens


# A panel's row, a table it reads, the columns that count there (None: all of them), and whether its writes go to
# the change log rather than change the token (a by-provider panel's table).
Watch = tuple[int, str, list[str] | None, bool]
Logs = dict[str, tuple[str, list[str] | None]]


def _changed(quote: Callable[[str], str], columns: Iterable[str], differs: str) -> str:
    """The condition that an update changed one of these columns, in a row trigger."""
    return " OR ".join(f"OLD.{quote(column)} {differs} NEW.{quote(column)}" for column in sorted(set(columns)))


def _install_postgresql(cursor: Any, quote: Callable[[str], str], watches: list[Watch], logs: Logs) -> None:
    """One statement trigger a panel and table; for a table watched by column, a row trigger on update whose
    condition is a change to a column the panel reads, so any other update calls nothing and takes no lock. A
    table logged by provider has a row trigger adding its provider to the log, and changes the by-provider
    panels' tokens only when it is truncated (which fires no row trigger)."""
    version_table = quote(RecordsVersion._meta.db_table)
    log_table = quote(ProviderChange._meta.db_table)
    cursor.execute(
        f"""CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {version_table} (id, token) VALUES (TG_ARGV[0]::integer, md5(random()::text || clock_timestamp()::text))
            ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
            RETURN NULL;
        END $$"""  # noqa: E501
    )
    for column in sorted({column for column, _ in logs.values()}):
        name = quote(column)
        cursor.execute(
            f"""CREATE OR REPLACE FUNCTION {TRIGGER}_by_{column}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    INSERT INTO {log_table} (provider_id) VALUES (OLD.{name});
                END IF;
                IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.{name} IS DISTINCT FROM OLD.{name}) THEN
                    INSERT INTO {log_table} (provider_id) VALUES (NEW.{name});
                END IF;
                RETURN NULL;
            END $$"""
        )
    wanted: dict[tuple[str, str], tuple[str, str]] = {}  # (table, trigger) -> (when it fires, what it calls)
    for row, table, columns, logged in watches:
        on = quote(table)
        bump = f"{TRIGGER}({row})"
        if logged:
            wanted[table, f"{TRIGGER}_{row}"] = (f"AFTER TRUNCATE ON {on} FOR EACH STATEMENT", bump)
        elif columns is None:
            every = f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {on} FOR EACH STATEMENT"
            wanted[table, f"{TRIGGER}_{row}"] = (every, bump)
        else:
            wanted[table, f"{TRIGGER}_{row}"] = (
                f"AFTER INSERT OR DELETE OR TRUNCATE ON {on} FOR EACH STATEMENT",
                bump,
            )
            if columns:
                when = f"AFTER UPDATE ON {on} FOR EACH ROW WHEN ({_changed(quote, columns, 'IS DISTINCT FROM')})"
                wanted[table, f"{TRIGGER}_{row}_update"] = (when, bump)
    for table, (column, columns) in logs.items():
        on, log = quote(table), f"{TRIGGER}_by_{column}()"
        wanted[table, f"{TRIGGER}_by_provider"] = (f"AFTER INSERT OR DELETE ON {on} FOR EACH ROW", log)
        when = "" if columns is None else f" WHEN ({_changed(quote, columns, 'IS DISTINCT FROM')})"
        if columns != []:
            wanted[table, f"{TRIGGER}_by_provider_update"] = (f"AFTER UPDATE ON {on} FOR EACH ROW{when}", log)
    cursor.execute(
        "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname LIKE %s",
        [f"{TRIGGER}%"],
    )
    for table, name in cursor.fetchall():
        if (table, name) not in wanted:
            cursor.execute(f"DROP TRIGGER {quote(name)} ON {quote(table)}")
    for (_table, name), (when, function) in wanted.items():
        cursor.execute(f"CREATE OR REPLACE TRIGGER {quote(name)} {when} EXECUTE FUNCTION {function}")


def _install_sqlite(cursor: Any, quote: Callable[[str], str], watches: list[Watch], logs: Logs) -> None:
    """Row triggers, one an event, a panel and a table (SQLite cannot replace one: all are dropped and made again);
    for a table watched by column, the update trigger's condition is a change to a column the panel reads. A table
    logged by provider has its own three, which add the provider to the log."""
    version_table = quote(RecordsVersion._meta.db_table)
    log_table = quote(ProviderChange._meta.db_table)
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{TRIGGER}_%"])
    for (name,) in cursor.fetchall():
        cursor.execute(f"DROP TRIGGER {quote(name)}")

    def create(name: str, event: str, table: str, when: str, body: str) -> None:
        condition = f" WHEN {when}" if when else ""
        cursor.execute(
            f"CREATE TRIGGER {quote(name)} AFTER {event} ON {quote(table)} FOR EACH ROW{condition} BEGIN {body} END"
        )

    for row, table, columns, logged in watches:
        if logged:
            continue
        bump = f"INSERT OR REPLACE INTO {version_table} (id, token) VALUES ({row}, lower(hex(randomblob(16))));"
        for event in EVENTS:
            when = ""
            if event == "UPDATE" and columns is not None:
                if not columns:
                    continue
                when = _changed(quote, columns, "IS NOT")
            create(f"{TRIGGER}_{row}_{table}_{event.lower()}", event, table, when, bump)
    for table, (column, columns) in logs.items():
        name = quote(column)
        old = f"INSERT INTO {log_table} (provider_id) VALUES (OLD.{name});"
        new = f"INSERT INTO {log_table} (provider_id) VALUES (NEW.{name});"
        create(f"{TRIGGER}_by_provider_{table}_insert", "INSERT", table, "", new)
        create(f"{TRIGGER}_by_provider_{table}_delete", "DELETE", table, "", old)
        if columns != []:
            when = "" if columns is None else _changed(quote, columns, "IS NOT")
            moved = f"INSERT INTO {log_table} (provider_id) SELECT NEW.{name} WHERE NEW.{name} IS NOT OLD.{name};"
            create(f"{TRIGGER}_by_provider_{table}_update", "UPDATE", table, when, old + " " + moved)
