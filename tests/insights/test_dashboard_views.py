"""The morning dashboard and its reports in the Wagtail admin: who sees them, what they show, the exports."""

import csv
import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
import time_machine
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from marketplace.accreditation.models import Accreditation
from marketplace.insights import selectors
from marketplace.insights.freshness import (
    PANELS,
    logged_tables,
    panel_tables,
    records_versions,
    watched_tables,
    work_out,
)
from marketplace.places.models import Place
from marketplace.providers.models import Provider
from tests.factories import (
    ContingencyFlagFactory,
    DirectPaymentHolderFactory,
    LocalityFactory,
    MonitoringFeedbackFactory,
    PlaceFactory,
    ProviderCheckFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    ServiceTypeFactory,
    WorkerFactory,
)
from tests.insights.conftest import accreditation

pytestmark = pytest.mark.django_db

REPORT_NAMES = [
    "accreditation_pipeline",
    "expired_checks",
    "open_flags",
    "ratings",
    "market",
    "market_needs",
    "rural_gaps",
]
ALL_PAGES = ["dashboard", *REPORT_NAMES]


def url(name: str) -> str:
    return reverse(f"insights:{name}")


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def as_commissioner(client, commissioner_user):
    client.force_login(commissioner_user)
    return client


@pytest.fixture
def county():
    """A small county: two localities, two services, providers serving them, holders, towns and a flag."""
    town, wold = LocalityFactory(name="Ashford"), LocalityFactory(name="Wold", is_rural=True)
    care = ServiceTypeFactory(name="Personal care", slug="personal-care", sort_order=1)
    respite = ServiceTypeFactory(name="Respite", slug="respite", sort_order=2)
    for hours in (10, 25):
        provider = ProviderFactory(services=[care], capacity_hours_per_week=hours)
        provider.localities_served.set([town])
        provider.save()
    DirectPaymentHolderFactory.create_batch(4, locality=town)
    DirectPaymentHolderFactory.create_batch(2, locality=wold)
    PlaceFactory(name="Ashford", kind=Place.Kind.TOWN, locality=town, latitude=52.6, longitude=-1.1)
    PlaceFactory(name="Little Wold", kind=Place.Kind.VILLAGE, locality=wold, latitude=52.9, longitude=-1.1)
    waiting = ProviderFactory(name="Waiting Care")
    accreditation(waiting, Accreditation.Status.APPLIED, applied_on=timezone.localdate() - timedelta(days=4))
    ProviderCheckFactory(
        provider=waiting, code="enhanced-dbs", status="verified", expires_on=timezone.localdate() + timedelta(days=9)
    )
    shaky = ProviderFactory(name="Shaky Homecare")
    ContingencyFlagFactory(provider=shaky, level="at_risk")
    ProviderCheckFactory(
        provider=shaky,
        code="first-aid-training",
        status="expired",
        expires_on=timezone.localdate() - timedelta(days=3),
    )
    return {"town": town, "wold": wold, "care": care, "respite": respite}


# --- Who may see it -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_PAGES)
def test_anonymous_people_are_sent_to_sign_in(client, name):
    response = client.get(url(name))
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("name", ["dashboard", "market"])
def test_a_direct_payment_holder_cannot_see_it(client, name):
    holder = DirectPaymentHolderFactory()
    client.force_login(holder.user)
    response = client.get(url(name))
    assert response.status_code == 302
    assert "Morning dashboard" not in response.content.decode()


@pytest.mark.parametrize("name", ["dashboard", "market"])
def test_provider_users_cannot_see_it_not_even_for_their_own_provider(client, name):
    membership = ProviderMembershipFactory()
    ProviderMembershipFactory()  # a user of another provider: the dashboard has no provider of its own
    client.force_login(membership.user)
    assert client.get(url(name)).status_code == 302
    assert client.get(url(name) + "?export=csv").status_code == 302


@pytest.mark.parametrize("name", ALL_PAGES)
def test_an_editor_in_the_admin_is_refused(client, editor_user, name):
    client.force_login(editor_user)
    response = client.get(url(name))
    assert response.status_code == 302  # Wagtail's "no permission" redirect to the admin home
    assert response["Location"] == reverse("wagtailadmin_home")


@pytest.mark.parametrize("name", ALL_PAGES)
def test_a_commissioner_sees_every_page(as_commissioner, county, name):
    response = as_commissioner.get(url(name))
    assert response.status_code == 200


def test_the_menu_item_and_home_panel_are_only_for_commissioners(client, as_commissioner, editor_user, county):
    home = as_commissioner.get(reverse("wagtailadmin_home")).content.decode()
    assert 'id="morning-dashboard-section"' in home
    assert url("dashboard") in home
    assert "provider waiting for vetting review" in home

    client.force_login(editor_user)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert 'id="morning-dashboard-section"' not in home
    assert url("dashboard") not in home


# --- What it shows ------------------------------------------------------------------------------


def test_the_dashboard_shows_true_counts_with_accessible_charts(as_commissioner, county):
    page = as_commissioner.get(url("dashboard")).content.decode()
    assert "1 application for accreditation waiting for a decision</a>; the oldest has waited 4 days." in page
    assert "1 check expires within 30 days; 1 required check already expired." in page
    assert "1 open flag; 1 at risk or worse." in page
    # Each chart is one image named with its numbers, followed by a table of the same numbers.
    assert (
        'role="img" aria-label="Providers by accreditation status, bar chart: Not applied 3, '
        'Waiting for review 1, Accredited 0, Refused 0, Suspended 0, Lapsed 0."' in page
    )
    assert page.count("<summary>Show the numbers as a table</summary>") == page.count('role="img"') >= 5


def test_the_dashboard_links_to_the_other_apps_reports_rather_than_copying_them(as_commissioner, county):
    page = as_commissioner.get(url("dashboard")).content.decode()
    assert f'href="{reverse("accreditation_expiring_report:index")}"' in page
    assert f'href="{reverse("monitoring_schedule:index")}?show=overdue"' in page
    # And those reports list the same rows the counts count.
    expiring = as_commissioner.get(reverse("accreditation_expiring_report:index"))
    assert expiring.status_code == 200
    assert [check.provider.name for check in expiring.context["object_list"]] == ["Waiting Care"]


def test_the_market_view_lists_supply_and_need_per_locality_and_service(as_commissioner, county):
    response = as_commissioner.get(url("market"))
    rows = response.context["object_list"]
    cells = {(row.locality_name, row.service_name): row for row in rows}
    assert len(cells) == 4
    assert (
        cells[("Ashford", "Personal care")].provider_count,
        cells[("Ashford", "Personal care")].hours_per_week,
    ) == (
        2,
        35,
    )
    assert cells[("Wold", "Personal care")].holder_count == 2

    gaps = as_commissioner.get(url("market"), {"only_gaps": "on"}).context["object_list"]
    assert {(row.locality_name, row.service_name) for row in gaps} == {
        ("Ashford", "Respite"),
        ("Wold", "Personal care"),
        ("Wold", "Respite"),
    }


def test_the_market_view_exports_a_csv_a_spreadsheet_opens(as_commissioner, county):
    rows = csv_rows(as_commissioner.get(url("market"), {"locality": county["town"].pk, "export": "csv"}))
    assert rows[0] == [
        "Locality",
        "Area",
        "Service",
        "Providers taking new clients",
        "Hours a week",
        "Places a day",
        "Direct payment holders",
        "Holders per provider",
        "Open adverts",
        "Enquiries not taken up",
        "Gap",
    ]
    assert rows[1:] == [
        ["Ashford", "Urban", "Personal care", "2", "35", "0", "4", "2.0", "0", "0", ""],
        ["Ashford", "Urban", "Respite", "0", "0", "0", "4", "", "0", "0", "Nobody taking new clients"],
    ]


def test_reports_export_xlsx_too(as_commissioner, county):
    response = as_commissioner.get(url("accreditation_pipeline"), {"status": "applied", "export": "xlsx"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = list(workbook.active.iter_rows(values_only=True))
    assert values[0][:4] == ("Provider", "Kind", "Listing", "Accreditation")
    assert [row[0] for row in values[1:]] == ["Waiting Care"]
    assert values[1][5] == 4  # days waiting


@pytest.mark.parametrize(
    ("name", "params", "expected_first_column"),
    [
        ("expired_checks", {}, ["Shaky Homecare"]),
        ("open_flags", {"level": "at_risk"}, ["Shaky Homecare"]),
        ("open_flags", {"level": "watch"}, []),
        ("rural_gaps", {"miles": "5"}, ["Little Wold"]),
    ],
)
def test_each_report_exports_its_filtered_rows(as_commissioner, county, name, params, expected_first_column):
    rows = csv_rows(as_commissioner.get(url(name), {**params, "export": "csv"}))
    assert [row[0] for row in rows[1:]] == expected_first_column


def test_rural_gaps_default_to_personal_care_within_five_miles(as_commissioner, county):
    response = as_commissioner.get(url("rural_gaps"))
    page = response.content.decode()
    assert "1 of 2 towns and villages have no published personal assistant offering personal care within 5 miles" in (
        page
    )
    assert [gap.name for gap in response.context["object_list"]] == ["Little Wold"]
    # Further than the village is from the assistants, there is no gap.
    assert list(as_commissioner.get(url("rural_gaps"), {"miles": "25"}).context["object_list"]) == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"miles": "five"}, "Enter the distance as a number of miles, like 5."),
        ({"miles": "0"}, "Enter a distance of at least half a mile."),
        ({"miles": "500"}, "Enter a distance of 50 miles or less."),
        ({"service": "999999"}, "Select a valid choice."),
    ],
)
def test_wrong_filters_show_an_error_and_keep_what_was_typed(as_commissioner, county, params, message):
    response = as_commissioner.get(url("rural_gaps"), params)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    for value in params.values():
        assert f'value="{value}"' in page or value == "999999"


def test_a_wrong_filter_on_an_export_shows_the_page_with_the_error(as_commissioner, county):
    response = as_commissioner.get(url("market"), {"locality": "not-a-number", "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "There is a problem" in response.content.decode()


# --- Every figure equals what it links to ------------------------------------------------------


def test_every_headline_equals_the_rows_of_the_report_or_queue_it_links_to(as_commissioner, county):
    """The morning figures and the pages behind them use one selector each: follow every link and count."""
    from marketplace.insights.selectors import morning_figures
    from marketplace.insights.views import dashboard_headlines

    # A provider waiting only for a check to be reviewed, sent before anyone applied: in the queue, and the oldest.
    checks_only = ProviderFactory(name="Checks Only Care")
    ProviderCheckFactory(
        provider=checks_only,
        code="public-liability-insurance",
        status="submitted",
        submitted_at=timezone.now() - timedelta(days=30),
    )
    # Waiting Care, whose application waits, sends a check too: one provider in the queue, counted once.
    ProviderCheckFactory(
        provider=Provider.objects.get(name="Waiting Care"),
        code="public-liability-insurance",
        status="submitted",
        submitted_at=timezone.now() - timedelta(days=2),
    )
    today = timezone.localdate()
    headlines = dashboard_headlines(morning_figures(today=today))
    assert headlines[0].count == 2
    assert headlines[0].detail == "Oldest waiting 30 days"
    for headline in headlines:
        separator = "&" if "?" in headline.url else "?"
        rows = csv_rows(as_commissioner.get(f"{headline.url}{separator}export=csv"))
        assert len(rows) - 1 == headline.count, headline.label
    queue = csv_rows(as_commissioner.get(reverse("accreditation_review:queue") + "?export=csv"))
    assert max(int(row[5]) for row in queue[1:]) == 30


@pytest.fixture
def on_a_leap_day():
    """The dashboard reads today's date itself: fix it (a leap day, so month arithmetic is tested too)."""
    from tests.insights.conftest import moment

    with time_machine.travel(moment(date(2028, 2, 29)), tick=False):
        yield


def test_every_headline_and_chart_equals_its_report_with_monitoring_and_many_checks(
    on_a_leap_day, as_commissioner, county
):
    """The same over a bigger county with providers due and overdue a monitoring visit, many applications
    waiting and checks in every band: each headline is the row count of the page it links to, and the charts'
    bands are those pages' rows counted by date."""
    from marketplace.accreditation.selectors import checks_expiring_within
    from marketplace.insights.selectors import morning_figures
    from marketplace.insights.views import dashboard_headlines
    from marketplace.monitoring.schedule import monitoring_due

    grow_county(county, size=12)
    today = timezone.localdate()
    assert today == date(2028, 2, 29)
    headlines = dashboard_headlines(morning_figures(today=today))
    monitoring = [headline for headline in headlines if "monitoring visit" in headline.label]
    assert [headline.count for headline in monitoring] == [1, 11]  # visited 340 days ago: due in 25 days
    for headline in headlines:
        separator = "&" if "?" in headline.url else "?"
        rows = csv_rows(as_commissioner.get(f"{headline.url}{separator}export=csv"))
        assert len(rows) - 1 == headline.count, headline.label

    page = as_commissioner.get(url("dashboard")).content.decode()
    assert "11 providers overdue a monitoring visit; 1 more due within 30 days." in page
    due = monitoring_due(today=today, within_days=30)
    bands = [
        sum(1 for row in due if row.days_overdue > 90),
        sum(1 for row in due if row.is_overdue and row.days_overdue <= 90),
        sum(1 for row in due if not row.is_overdue),
    ]
    assert bands == [8, 3, 1]  # overdue by 30 x (index - 1) + 5 or 6 days
    assert (
        "Monitoring visits due and overdue, bar chart: Overdue over 90 days {}, Overdue up to 90 days {}, "
        "Due within 30 days {}.".format(*bands)
        in page
    )
    days_left = [(check.expires_on - today).days for check in checks_expiring_within(days=30, today=today)]
    bands = [
        len(csv_rows(as_commissioner.get(url("expired_checks") + "?export=csv"))) - 1,
        sum(1 for days in days_left if days <= 7),
        sum(1 for days in days_left if 8 <= days <= 14),
        sum(1 for days in days_left if days >= 15),
    ]
    assert bands == [1, 3, 8, 2]  # expiring in 5 to 16 days, and the county's own in 9
    assert (
        "Checks by expiry, bar chart: Expired {}, Within 7 days {}, 8 to 14 days {}, 15 to 30 days {}.".format(*bands)
        in page
    )


def test_no_rural_gaps_is_shown_as_a_finding_not_as_no_data(as_commissioner, county):
    page = as_commissioner.get(url("rural_gaps"), {"miles": "25"}).content.decode()
    assert "No data yet" not in page
    assert "0 of 2 towns and villages have no published personal assistant" in page
    assert "bar chart: Ashford 0, Wold 0" in page


def test_the_needs_report_shows_holders_by_primary_need_and_the_gaps(as_commissioner, county):
    from marketplace.accounts.models import DirectPaymentHolder

    DirectPaymentHolderFactory(locality=county["wold"], primary_need=DirectPaymentHolder.PrimaryNeed.MENTAL_HEALTH)
    rows = csv_rows(as_commissioner.get(url("market_needs"), {"only_gaps": "on", "export": "csv"}))
    assert rows[0][:4] == ["Locality", "Area", "Primary need", "Direct payment holders"]
    assert [row[:5] for row in rows[1:]] == [["Wold", "Rural", "Mental health", "1", "0"]]


def grow_county(county: dict, *, size: int) -> None:
    """More of everything the dashboard counts: providers waiting, expiring checks, flags, monitoring."""
    from tests.insights.conftest import arrangement, decided_visit, member

    framework = arrangement(name=f"Framework {size}", starts_on=timezone.localdate() - timedelta(days=900))
    for index in range(size):
        provider = ProviderFactory(services=[county["care"]])
        accreditation(provider, Accreditation.Status.APPLIED, applied_on=timezone.localdate() - timedelta(days=index))
        ProviderCheckFactory(
            provider=provider,
            code="enhanced-dbs",
            status="verified",
            expires_on=timezone.localdate() + timedelta(days=5 + index),
        )
        if index % 2:
            ContingencyFlagFactory(provider=provider, level="watch")
        member(provider, framework, since=timezone.localdate() - timedelta(days=800))
        decided_visit(provider, visited_on=timezone.localdate() - timedelta(days=340 + 30 * index), overall="good")


def dashboard_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url("dashboard"))
    assert response.status_code == 200
    return len(captured)


def every_panel_changed() -> None:
    """A new records version for every panel, as a write to what each reads would give."""
    import uuid

    from marketplace.insights.models import RecordsVersion

    for row in RecordsVersion.objects.all():
        RecordsVersion.objects.filter(pk=row.pk).update(token=uuid.uuid4().hex)


def test_the_dashboard_runs_the_same_queries_for_a_small_county_and_a_bigger_one(as_commissioner, county):
    grow_county(county, size=2)
    dashboard_queries(as_commissioner)  # first-use caches of the process (content types, site root paths)
    every_panel_changed()  # every panel is worked out afresh on the next request
    small = dashboard_queries(as_commissioner)
    grow_county(county, size=12)
    every_panel_changed()  # worked out afresh again
    assert dashboard_queries(as_commissioner) == small
    assert small <= 31  # 68 before the role predicates read the user's groups once per request
    # Nothing written since: the figures are kept, and the page reads only the version beside its own queries
    # (not the figures' statements, nor the change log the schedule's values were worked out after).
    assert dashboard_queries(as_commissioner) == small - FIGURES_QUERIES - 1


# --- The figures kept until a record changes (decision 0060) -----------------------------------

FIGURES_QUERIES = 17  # what working out the figures reads, beyond the versions the kept figures are found by


def tables_read(statements: list[dict]) -> set[str]:
    """The tables named after FROM or JOIN in these statements (Django quotes every table it names)."""
    found = set()
    for statement in statements:
        found.update(re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', statement["sql"]))
    return found


def statements_of_each_panel() -> dict[str, list[dict]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    statements = {}
    for name, work in selectors.morning_panels(timezone.localdate()).items():
        with CaptureQueriesContext(connection) as captured:
            work_out(work)
        statements[name] = captured.captured_queries
    return statements


def test_each_panel_watches_every_table_and_column_it_reads_and_only_those(county):
    """A table or column read but not watched would leave a kept figure stale after a write to it: the triggers
    follow `PANELS`, and this follows every statement each panel runs. A table watched by column is named through
    the table in each statement (Django aliases only a subquery's own tables), so its columns can be read off."""
    grow_county(county, size=3)
    statements = statements_of_each_panel()
    assert statements.keys() == PANELS.keys()
    assert sum(len(run) for run in statements.values()) == FIGURES_QUERIES
    for name, run in statements.items():
        watched = panel_tables(PANELS[name])
        assert tables_read(run) == set(watched), name
        for table, columns in watched.items():
            if columns is None:
                continue
            read = set()
            for statement in run:
                assert not re.search(rf'"{table}"\s+(?:AS\s+)?[A-Z]+\d+\b', statement["sql"]), statement["sql"]
                read.update(re.findall(rf'"{table}"\."(\w+)"', statement["sql"]))
            assert read == set(columns), (name, table)


def _write_another_value(cursor, connection, table: str, column: str) -> int:
    """Copy `column`'s value from one row of `table` to another row that holds a different value, with raw SQL;
    the number of rows written (0 when every row holds the same value)."""
    quoted, name = connection.ops.quote_name(table), connection.ops.quote_name(column)
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    cursor.execute(
        f"SELECT a.id, b.id FROM {quoted} a, {quoted} b WHERE a.{name} {differs} b.{name} ORDER BY a.id, b.id LIMIT 1"
    )
    pair = cursor.fetchone()
    if pair is None:
        return 0
    source, target = pair[1], pair[0]
    cursor.execute(
        f"UPDATE {quoted} SET {name} = (SELECT {name} FROM {quoted} WHERE id = %s) WHERE id = %s", [source, target]
    )
    return cursor.rowcount


def changed_panels(before: dict[str, str]) -> set[str]:
    """The panels whose token is not what it was (all of them have one)."""
    after = records_versions()
    assert after.keys() == PANELS.keys()
    return {name for name in PANELS if after[name] != before.get(name)}


def logged_providers() -> list[int]:
    """The providers the change log names, in order, and the log emptied."""
    from marketplace.insights.models import ProviderChange

    logged = list(ProviderChange.objects.order_by("id").values_list("provider_id", flat=True))
    ProviderChange.objects.all().delete()
    return logged


def test_a_write_to_a_watched_table_changes_the_token_of_each_panel_that_reads_it_and_no_other(county):
    """Written through raw SQL, as a script or another program would. For a table watched by column, each column
    a panel reads changes that panel's token, and every other column that is not unique changes none. A write to
    a table a by-provider panel finds in the change log names the row's provider there instead."""
    from django.db import connection

    grow_county(county, size=1)
    MonitoringFeedbackFactory(provider=Provider.objects.first())
    WorkerFactory()
    ProviderFactory(  # another value in every watched column
        status=Provider.Status.SUSPENDED,
        kind=Provider.Kind.DAY_SERVICE,
        cqc_rating=Provider.CqcRating.OUTSTANDING,
        cqc_location_id="1-000000001",
        cqc_provider_id="1-000000002",
        latitude=50.5,
        longitude=-1.5,
        description="Another description",
        is_taking_new_clients=False,
    )
    readers = {table: {name for name in PANELS if table in panel_tables(PANELS[name])} for table in watched_tables()}
    logging = {table: {name for name in readers[table] if table in logged_tables(PANELS[name])} for table in readers}
    logged_providers()
    written = logged_writes = 0
    with connection.cursor() as cursor:

        def provider_of(table: str, row_id: int) -> int:
            column = logged_tables(PANELS[next(iter(logging[table]))])[table]
            cursor.execute(f"SELECT {column} FROM {connection.ops.quote_name(table)} WHERE id = %s", [row_id])
            return cursor.fetchone()[0]

        for table in watched_tables():
            by_panel = {name: panel_tables(PANELS[name])[table] for name in readers[table]}
            if all(columns is None for columns in by_panel.values()):
                before = records_versions()
                quoted = connection.ops.quote_name(table)
                cursor.execute(f"SELECT MIN(id) FROM {quoted}")
                (row_id,) = cursor.fetchone()
                cursor.execute(f"UPDATE {quoted} SET id = id WHERE id = %s", [row_id])
                assert cursor.rowcount == 1, f"{table} has no row to write"
                assert changed_panels(before) == readers[table] - logging[table], table
                assert logged_providers() == ([provider_of(table, row_id)] if logging[table] else []), table
                continue
            model = next(model for model in apps.get_models() if model._meta.db_table == table)
            for field in model._meta.concrete_fields:
                if field.unique or field.primary_key:
                    continue
                before = records_versions()
                read_by_a_panel = any(columns and field.column in columns for columns in by_panel.values())
                if not _write_another_value(cursor, connection, table, field.column):
                    assert not read_by_a_panel, f"no other value to write in {field.column}"
                    continue  # the same value in every row of the county
                written += 1
                reading = {name for name, columns in by_panel.items() if columns is None or field.column in columns}
                assert changed_panels(before) == reading - logging[table], field.column
                logged = logged_providers()
                assert bool(logged) == bool(reading & logging[table]), field.column
                logged_writes += bool(logged)
    assert written >= 15  # the columns of the providers' table that hold more than one value in the county
    assert logged_writes >= 2  # the kind and the CQC rating, which the schedule reads


def test_every_kind_of_write_changes_the_tokens_of_the_panels_that_read_it(county):
    from marketplace.insights.models import DigestRun

    provider = ProviderFactory(name="Versioned Care")
    logged_providers()
    before = records_versions()
    provider.name = "Versioned Care Ltd"
    provider.save()  # a model's save: only the rural gaps read the name
    assert changed_panels(before) == {"gaps"}
    before = records_versions()
    Provider.objects.filter(pk=provider.pk).update(cqc_rating="good")  # a queryset's update
    assert changed_panels(before) == set()
    assert logged_providers() == [provider.pk]  # for the schedule and the ratings, by provider
    provider.refresh_from_db()
    provider.description = "Care at home across the county"
    before = records_versions()
    provider.save()  # a save that changes no column a panel reads
    assert changed_panels(before) == set()
    assert logged_providers() == []
    ContingencyFlagFactory(provider=provider, level="watch")  # another watched table
    assert changed_panels(before) == {"flags"}
    services = Provider.services.through.objects
    before = records_versions()
    services.bulk_create([services.model(provider=provider, servicetype=county["respite"])])  # a bulk insert
    assert changed_panels(before) == {"gaps"}
    before = records_versions()
    services.filter(provider=provider).delete()  # a delete
    assert changed_panels(before) == {"gaps"}
    before = records_versions()
    new = ProviderFactory(name="New Care")  # a new provider counts in every panel that reads the table
    assert changed_panels(before) == {"pipeline", "checks", "gaps"}
    assert new.pk in logged_providers()
    before = records_versions()
    DigestRun.objects.create(
        for_date=date(2026, 3, 16),
        period_start=timezone.now(),
        period_end=timezone.now(),
        item_count=0,
        recipient_count=0,
    )
    assert changed_panels(before) == set()  # the dashboard reads no digest: its figures are kept


def test_without_the_version_table_the_triggers_are_dropped_and_writes_still_work(county):
    """As after `migrate insights 0001`: a trigger left behind would fail every write to its table."""
    from django.db import connection

    from marketplace.insights.freshness import install_triggers

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE insights_recordsversion")
    install_triggers()
    ContingencyFlagFactory(provider=ProviderFactory(), level="watch")
    assert Provider.objects.filter(name="Waiting Care").update(is_taking_new_clients=False) == 1


def test_kept_figures_are_the_figures_worked_out_afresh_after_each_change(as_commissioner, county):
    """Each change shows on the very next request; without one the kept figures are used, and equal those
    worked out afresh."""
    today = timezone.localdate()
    first = selectors.morning_figures(today=today)
    assert first == selectors.work_out_morning_figures(today)
    flags_before = first.flags.tally.total
    ContingencyFlagFactory(provider=ProviderFactory(), level="failing")
    after = selectors.morning_figures(today=today)
    assert after.flags.tally.total == flags_before + 1
    assert after == selectors.work_out_morning_figures(today)
    page = as_commissioner.get(url("dashboard")).content.decode()
    assert "open provider-failure flags" in page
    assert f">{flags_before + 1}<" in re.sub(r"\s+", "", page)
    # Kept: the figures are found by the version alone.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert selectors.morning_figures(today=today) == after
    assert len(captured) == 1


def test_the_figures_of_another_day_are_worked_out_for_that_day(county):
    """Kept figures are a day's: the next morning, with no record changed, checks have come nearer expiry."""
    today = timezone.localdate()
    ContingencyFlagFactory(provider=ProviderFactory(), level="watch")  # some write, so the version exists
    figures = selectors.morning_figures(today=today)
    later = selectors.morning_figures(today=today + timedelta(days=10))
    assert later.today == today + timedelta(days=10)
    assert later == selectors.work_out_morning_figures(today + timedelta(days=10))
    assert later.checks != figures.checks  # the check nine days from expiry has expired by then


def test_the_morning_job_works_the_days_figures_out_before_anyone_opens_the_dashboard(as_commissioner, county):
    """Each panel is kept by the day, so the first request of a day would work every panel out: the job at 06:55
    does it first, and the commissioner's first request of the day finds them all kept."""
    from django.conf import settings

    from marketplace.core.models import ScheduledJobRun
    from marketplace.insights.tasks import keep_morning_figures
    from tests.insights.conftest import moment

    entry = settings.CELERY_BEAT_SCHEDULE["insights-morning-figures"]
    assert entry["task"] == "marketplace.insights.tasks.keep_morning_figures"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({6}, {55})
    grow_county(county, size=3)
    yesterday = timezone.localdate()
    dashboard_queries(as_commissioner)  # first-use caches of the process; yesterday's figures kept
    kept = dashboard_queries(as_commissioner)
    next_day = yesterday + timedelta(days=1)
    with time_machine.travel(moment(next_day), tick=False):
        assert keep_morning_figures() == f"{next_day:%Y-%m-%d}: the morning figures kept"
        assert ScheduledJobRun.objects.get(name="insights-morning-figures").last_result.startswith(
            f"{next_day:%Y-%m-%d}"
        )
        with_the_job_run = dashboard_queries(as_commissioner)
    assert with_the_job_run == kept
    day_after = next_day + timedelta(days=1)
    with time_machine.travel(moment(day_after), tick=False):
        assert dashboard_queries(as_commissioner) == kept + FIGURES_QUERIES + 1  # without it: worked out
        assert selectors.morning_figures() == selectors.work_out_morning_figures(day_after)


def test_the_morning_job_empties_a_change_log_grown_past_its_limit(county, monkeypatch):
    """On days nobody opens the dashboard the change log grows a row a write; the morning job bounds it."""
    from marketplace.insights import freshness
    from marketplace.insights.models import ProviderChange
    from marketplace.insights.tasks import keep_morning_figures
    from marketplace.monitoring.models import Feedback

    grow_county(county, size=3)
    keep_morning_figures()
    monkeypatch.setattr(freshness, "PATCH_LIMIT", 3)
    for provider in Provider.objects.all()[:4]:
        MonitoringFeedbackFactory(provider=provider, is_complaint=True, moderation_status=Feedback.Moderation.APPROVED)
    assert ProviderChange.objects.count() > 3
    keep_morning_figures()
    assert ProviderChange.objects.count() == 0


# --- The schedule kept and patched provider by provider (decision 0064) -----------------------------


def schedule_patches(monkeypatch) -> list[set[int] | None]:
    """The providers each working out of the schedule's values was for (None: every provider), as they happen."""
    from marketplace.insights.freshness import ByProvider

    calls: list[set[int] | None] = []
    panels = selectors.morning_panels

    def watched(today: date) -> dict:
        work = panels(today)
        schedule = work["monitoring"]

        def values(ids):
            calls.append(None if ids is None else set(ids))
            return schedule.values(ids)

        return work | {"monitoring": ByProvider(values=values, summary=schedule.summary)}

    monkeypatch.setattr(selectors, "morning_panels", watched)
    return calls


def test_after_a_write_the_schedule_works_out_only_the_providers_the_log_names(county, monkeypatch):
    """Each kind of write the schedule reads, each kept figure equal to every provider worked out afresh."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from marketplace.accreditation.models import ProviderCheck
    from marketplace.monitoring.models import Arrangement, ArrangementMembership, Feedback
    from tests.insights.conftest import decided_visit, member

    grow_county(county, size=4)
    today = timezone.localdate()
    members = list(Provider.objects.filter(arrangement_memberships__isnull=False).order_by("pk"))
    gone = ProviderFactory()  # never visited, so due
    member(gone, Arrangement.objects.first(), since=today - timedelta(days=30))
    calls = schedule_patches(monkeypatch)
    first = selectors.morning_figures(today=today)
    assert calls == [None]
    overdue = members[-1]  # visited longest ago: overdue
    due_before = first.monitoring

    def one_write(write, written: set[int]):
        calls.clear()
        write()
        with CaptureQueriesContext(connection) as captured:
            figures = selectors.morning_figures(today=today)
        assert calls == [written]
        assert figures == selectors.work_out_morning_figures(today)
        return figures, len(captured)

    # A visit today: the overdue provider is no longer due.
    figures, queries = one_write(
        lambda: decided_visit(overdue, visited_on=today, overall="good", status="published"), {overdue.pk}
    )
    assert figures.monitoring.overdue_count == due_before.overdue_count - 1
    assert queries == 1 + 1 + 4 + 2  # versions, the log, the schedule and the ratings of one provider

    # A complaint approved, a check expired, a membership ended: of the by-provider panels, the schedule alone
    # reads each.
    complained = members[0]
    MonitoringFeedbackFactory(provider=complained)  # pending moderation
    calls.clear()
    selectors.morning_figures(today=today)
    figures, queries = one_write(
        lambda: Feedback.objects.filter(provider=complained).update(
            is_complaint=True, moderation_status=Feedback.Moderation.APPROVED, submitted_at=timezone.now()
        ),
        {complained.pk},
    )
    assert queries == 1 + 1 + 4 + 2  # the ratings too: each by-provider panel works out the providers logged
    lapsed = members[1]
    figures, queries = one_write(
        lambda: ProviderCheck.objects.filter(provider=lapsed).update(status=ProviderCheck.Status.EXPIRED),
        {lapsed.pk},
    )
    assert queries == 1 + 1 + 4 + 2 + 2 + 3  # and the checks (2) and review queue (3) panels, by their tokens
    left = members[2]
    figures, queries = one_write(
        lambda: ArrangementMembership.objects.filter(provider=left).update(end_on=today - timedelta(days=1)),
        {left.pk},
    )
    assert queries == 1 + 1 + 1 + 2  # the schedule's first query finds the provider on no arrangement: it stops
    assert figures.monitoring != due_before

    # A provider deleted leaves the schedule.
    figures, _ = one_write(lambda: Provider.objects.filter(pk=gone.pk).delete(), {gone.pk})
    # Nothing written: kept, one query.
    calls.clear()
    with CaptureQueriesContext(connection) as captured:
        assert selectors.morning_figures(today=today) == figures
    assert (calls, len(captured)) == ([], 1)


def test_a_change_that_commits_after_a_later_one_is_still_applied(county, monkeypatch):
    """The log's ids are given when a row is written, not when it commits: a change with a lower id than one
    already applied may appear later. Kept figures are patched by the changes not yet applied, whatever their ids."""
    from marketplace.insights.models import ProviderChange
    from tests.insights.conftest import decided_visit

    grow_county(county, size=3)
    today = timezone.localdate()
    calls = schedule_patches(monkeypatch)
    late, early = Provider.objects.filter(arrangement_memberships__isnull=False).order_by("-pk")[:2]
    decided_visit(early, visited_on=today - timedelta(days=3), overall="good")
    selectors.morning_figures(today=today)  # applies the log as it stands
    lowest = ProviderChange.objects.order_by("id").first()
    highest = ProviderChange.objects.order_by("id").last()
    decided_visit(late, visited_on=today, overall="good")
    # As if this change had been given its id before the others and committed after them.
    assert ProviderChange.objects.filter(id__gt=highest.pk).delete()[0] == 1
    ProviderChange.objects.create(id=lowest.pk - 1, provider_id=late.pk)
    calls.clear()
    figures = selectors.morning_figures(today=today)
    assert calls == [{late.pk}]
    assert figures == selectors.work_out_morning_figures(today)


def test_a_long_change_log_is_emptied_and_the_schedule_worked_out_afresh(county, monkeypatch):
    from marketplace.insights import freshness
    from marketplace.insights.models import ProviderChange
    from marketplace.monitoring.models import Feedback

    grow_county(county, size=3)
    today = timezone.localdate()
    calls = schedule_patches(monkeypatch)
    selectors.morning_figures(today=today)
    monkeypatch.setattr(freshness, "PATCH_LIMIT", 3)
    before = records_versions()
    for provider in Provider.objects.all()[:4]:
        MonitoringFeedbackFactory(provider=provider, is_complaint=True, moderation_status=Feedback.Moderation.APPROVED)
    assert ProviderChange.objects.count() > 3
    calls.clear()
    figures = selectors.morning_figures(today=today)
    assert calls == [None]
    assert ProviderChange.objects.count() == 0
    assert changed_panels(before) == {name for name, panel in PANELS.items() if panel.by_provider}
    assert figures == selectors.work_out_morning_figures(today)
    assert figures.monitoring.overdue_count + figures.monitoring.due_count > 0
