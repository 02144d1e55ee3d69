"""A direct payment holder looks for personal care near their town.

They search from the home page, narrow to Tuesday mornings and Gujarati
speakers, sort by distance and open the nearest profile. Every page they see
must be free of axe-core violations, and only matching providers may appear.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from marketplace.places.models import Place
from marketplace.providers.availability import Day, PartOfDay, WeeklyAvailability
from tests.factories import (
    LanguageFactory,
    LocalityFactory,
    PlaceFactory,
    ProviderFactory,
    ProviderPriceFactory,
    ServiceTypeFactory,
)

pytestmark = pytest.mark.browser

TUESDAY_MORNING = WeeklyAvailability.from_slots([(Day.TUESDAY, PartOfDay.MORNING), (Day.FRIDAY, PartOfDay.EVENING)])
MONDAY_ONLY = WeeklyAvailability.from_slots([(Day.MONDAY, PartOfDay.MORNING)])
# Wendlebury's centre; a hundredth of a degree of latitude is about 0.69 miles.
TOWN = (52.6, -1.1)


@pytest.fixture
def market(live_site):
    locality = LocalityFactory(name="Wendlebury", slug="wendlebury")
    PlaceFactory(name="Wendlebury", lookup_key="WENDLEBURY", kind=Place.Kind.TOWN, latitude=TOWN[0], longitude=TOWN[1])
    care = ServiceTypeFactory(name="Personal care", slug="personal-care", sort_order=1)
    domestic = ServiceTypeFactory(name="Domestic help", slug="domestic-help", sort_order=2)
    gujarati = LanguageFactory(name="Gujarati", slug="gujarati")
    english = LanguageFactory(name="English", slug="english")

    def pa(name: str, miles_north: float, **overrides):
        values = {
            "name": name,
            "services": [care],
            "languages": [english, gujarati],
            "availability_mask": TUESDAY_MORNING.mask,
            "latitude": TOWN[0] + miles_north / 69.0,
            "longitude": TOWN[1],
            "locality": locality,
        }
        values.update(overrides)
        return ProviderFactory(**values)

    near = pa("Hetal Makwana", 1.0, slug="hetal-makwana")
    ProviderPriceFactory(provider=near, service=care, amount=Decimal("17.50"))
    pa("Rupal Lad", 4.0, is_accredited=True)  # accredited, so first by relevance, second by distance
    pa("Nilesh Patel", 2.5)
    pa("Only Monday", 1.5, availability_mask=MONDAY_ONLY.mask)
    pa("No Gujarati", 0.5, languages=[english])
    pa("Cleaning Only", 0.7, services=[domestic])
    pa("Too Far Away", 25.0)
    return near


RESULT_LINKS = "main ul.app-results > li h3 a"


def result_names(page: Page, count: int) -> list[str]:
    """The names listed, once the page lists `count` results.

    Reading the list at once could catch the page a click has only begun to
    load (all_inner_texts does not wait), and find no results at all.
    """
    names = page.locator(RESULT_LINKS)
    expect(names).to_have_count(count)
    return [name.strip() for name in names.all_inner_texts()]


def test_direct_payment_holder_finds_gujarati_speaking_pa_for_tuesday_mornings(
    page: Page, live_site, market, axe_check, screenshot
):
    page.goto(live_site.url("/"))
    axe_check(page)
    page.get_by_label("What support are you looking for?").fill("personal care")
    page.get_by_label("Postcode or town").fill("Wendlebury")
    page.get_by_role("button", name="Search").click()

    expect(page.locator("h2", has_text=re.compile(r"results? offering personal care"))).to_contain_text(
        "near Wendlebury"
    )
    first_results = result_names(page, 5)
    assert "Too Far Away" not in first_results, "outside the 10-mile default radius"
    assert "Cleaning Only" not in first_results, "does not offer personal care"
    assert set(first_results) >= {"Hetal Makwana", "Rupal Lad", "Nilesh Patel", "Only Monday", "No Gujarati"}
    axe_check(page)

    page.get_by_role("checkbox", name=re.compile(r"^Tuesday")).check()
    page.get_by_role("checkbox", name=re.compile(r"^Morning")).check()
    page.get_by_role("checkbox", name=re.compile(r"^Gujarati")).check()
    page.get_by_role("button", name="Apply filters").click()

    narrowed = result_names(page, 3)
    assert sorted(narrowed) == ["Hetal Makwana", "Nilesh Patel", "Rupal Lad"]
    assert narrowed[0] == "Rupal Lad", "relevance puts the accredited provider first"
    expect(page.get_by_role("checkbox", name=re.compile(r"^Gujarati"))).to_be_checked()

    page.get_by_label("Sort by").select_option("distance")
    page.get_by_role("button", name="Sort").click()
    expect(page).to_have_url(re.compile(r"sort=distance"))
    # The same three, now nearest first (to_have_text waits for the sorted page).
    expect(page.locator(RESULT_LINKS)).to_have_text(["Hetal Makwana", "Nilesh Patel", "Rupal Lad"])
    expect(page.locator("main")).to_contain_text("1 mile away")
    axe_check(page)
    screenshot(page, "results-gujarati-tuesday-mornings")

    page.get_by_role("link", name="Hetal Makwana").click()
    expect(page.locator("h1")).to_have_text("Hetal Makwana")
    expect(page.locator("main")).to_contain_text("£17.50")
    expect(page.locator("main")).to_contain_text("Gujarati")
    assert page.url.endswith("/directory/hetal-makwana/")
    axe_check(page)
    screenshot(page, "profile-hetal-makwana")


def test_bad_search_input_gets_an_error_summary_and_keeps_what_was_typed(page: Page, live_site, market, axe_check):
    page.goto(live_site.url("/directory/?q=personal+care&near=Atlantis&max_price=-4"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("We could not find a town or village called “Atlantis”")
    expect(summary).to_contain_text("Maximum price must be more than £0")
    expect(page.get_by_label("What support are you looking for?")).to_have_value("personal care")
    expect(page.get_by_label("Postcode or town")).to_have_value("Atlantis")
    assert page.title().startswith("Error:")
    axe_check(page)

    # The error summary's links take keyboard users to the field at fault.
    summary.get_by_role("link", name=re.compile("Atlantis")).click()
    expect(page.get_by_label("Postcode or town")).to_be_focused()
