"""Browser journey: a commissioner signs in in the morning, reads the dashboard, opens the market view
and downloads it as a spreadsheet.

axe-core checks the dashboard's and the reports' own markup and fails on any violation there; the
rest of the Wagtail admin page is checked too and what it finds is printed, not failed on (it is
Wagtail's markup, not ours).
"""

import csv
import datetime
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import Page, expect

from marketplace.accreditation.models import Accreditation
from marketplace.places.models import Place
from tests.browser.helpers import report_admin_violations, settled, sign_in_to_admin
from tests.factories import (
    CommissionerFactory,
    ContingencyFlagFactory,
    DirectPaymentHolderFactory,
    LocalityFactory,
    PlaceFactory,
    ProviderCheckFactory,
    ProviderFactory,
    ServiceTypeFactory,
)

pytestmark = pytest.mark.browser

EMAIL = "morning@council.example"


def build_county() -> None:
    town, wold = LocalityFactory(name="Ashford Vale"), LocalityFactory(name="Wold Villages", is_rural=True)
    care = ServiceTypeFactory(name="Personal care", slug="personal-care", sort_order=1)
    respite = ServiceTypeFactory(name="Respite and short breaks", slug="respite", sort_order=2)
    for index, hours in enumerate((12, 20, 30)):
        provider = ProviderFactory(
            name=f"Ashford Assistant {index + 1}", services=[care], capacity_hours_per_week=hours
        )
        provider.localities_served.set([town])
        provider.save()
    day_service = ProviderFactory(name="Wold Day Centre", services=[respite], capacity_places_per_day=15)
    day_service.localities_served.set([wold])
    day_service.save()
    DirectPaymentHolderFactory.create_batch(5, locality=town)
    DirectPaymentHolderFactory.create_batch(3, locality=wold)
    PlaceFactory(name="Ashford", kind=Place.Kind.TOWN, locality=town, latitude=52.6, longitude=-1.1)
    PlaceFactory(name="Upper Wold", kind=Place.Kind.VILLAGE, locality=wold, latitude=52.85, longitude=-1.05)

    today = timezone.localdate()
    waiting = ProviderFactory(name="Hazel Home Support")
    Accreditation.objects.create(
        provider=waiting,
        status=Accreditation.Status.APPLIED,
        applied_at=timezone.now() - datetime.timedelta(days=6),
    )
    ProviderCheckFactory(
        provider=waiting, code="enhanced-dbs", status="verified", expires_on=today + datetime.timedelta(days=12)
    )
    ContingencyFlagFactory(provider=ProviderFactory(name="Meadowbank Homecare"), level="at_risk")


def test_a_commissioner_reads_the_morning_dashboard_and_downloads_the_market_view(
    page: Page, live_site: Any, axe_check: Any, axe_source: str, screenshot: Any, tmp_path: Any
) -> None:
    build_county()
    commissioner = CommissionerFactory(email=EMAIL, first_name="Morgan", last_name="Reid")
    EmailAddress.objects.create(user=commissioner, email=EMAIL, verified=True, primary=True)

    sign_in_to_admin(page, live_site, EMAIL)
    # The Wagtail home page leads with the morning panel.
    panel = page.locator("#morning-dashboard-section")
    expect(panel).to_contain_text("provider waiting for vetting review")
    axe_check(settled(page), context="#morning-dashboard-section")
    report_admin_violations(page, axe_source, "admin home")
    screenshot(page, "admin-home")

    # The menu's first item is the dashboard.
    page.get_by_role("link", name="Morning dashboard").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Morning dashboard")
    dashboard = page.locator("#insights-dashboard")
    expect(dashboard).to_contain_text(
        "1 application for accreditation waiting for a decision; the oldest has waited 6 days."
    )
    expect(dashboard).to_contain_text("1 open flag; 1 at risk or worse.")
    # Every chart is one image named with its numbers, and has its numbers in a table as well.
    chart = page.locator("#chart-accreditation svg[role=img]")
    expect(chart).to_have_attribute(
        "aria-label",
        "Providers by accreditation status, bar chart: "
        + ("Not applied 5, Waiting for review 1, Accredited 0, Refused 0, Suspended 0, Lapsed 0."),
    )
    page.locator("#chart-flags summary").click()
    expect(page.locator("#chart-flags table")).to_contain_text("At risk")
    axe_check(settled(page), context="#insights-dashboard")
    report_admin_violations(page, axe_source, "dashboard")
    # The admin scrolls inside its own frame, so a tall window shows the whole dashboard in the picture.
    page.set_viewport_size({"width": 1280, "height": 2400})
    page.get_by_role("heading", level=1).scroll_into_view_if_needed()
    screenshot(page, "dashboard")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Meanwhile a colleague raises a flag: the next load shows it, not the figures kept from this one.
    page.reload()
    expect(dashboard).to_contain_text("1 open flag; 1 at risk or worse.")
    ContingencyFlagFactory(provider=ProviderFactory(name="Riverside Care"), level="failing")
    page.reload()
    expect(dashboard).to_contain_text("2 open flags; 2 at risk or worse.")

    # The market view: supply against need by locality and service.
    page.get_by_role("link", name="Market view: supply against need").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Market view")
    page.get_by_label("Locality", exact=True).select_option(label="Ashford Vale")
    page.get_by_role("button", name="Show").click()
    table = page.locator("#listing-results table.listing").last
    expect(table).to_contain_text("Personal care")
    axe_check(settled(page), context="#insights-report")
    report_admin_violations(page, axe_source, "market view")
    screenshot(page, "market-view")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert download.suggested_filename.startswith("market-")
    assert path.suffix == ".csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["Locality"], row["Service"], row["Providers taking new clients"]) for row in rows] == [
        ("Ashford Vale", "Personal care", "3"),
        ("Ashford Vale", "Respite and short breaks", "0"),
    ]
    assert rows[0]["Hours a week"] == "62"
    assert rows[0]["Direct payment holders"] == "5"

    # A distance that is not a number is an error on the page, with what was typed kept.
    page.goto(live_site.url("/admin/insights/rural-gaps/"))
    expect(page.locator("#insights-report")).to_contain_text("1 of 2 towns and villages")
    page.get_by_label("Within (miles)", exact=True).fill("-3")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".insights-errors")).to_contain_text("Enter a distance of at least half a mile.")
    expect(page.get_by_label("Within (miles)", exact=True)).to_have_value("-3")
    axe_check(settled(page), context="#insights-report")
    screenshot(page, "rural-gaps-error")
