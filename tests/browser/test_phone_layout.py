"""Someone searches the directory on a phone, a small phone and a desktop.

On a phone the results come first: the filters fold behind "Filter results"
(a disclosure that needs no JavaScript) and a skip link jumps to the results.
The profile's availability table reflows at 320px with no sideways scrolling
(WCAG 1.4.10). Every page is checked with axe-core at every width.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from marketplace.providers.availability import Day, PartOfDay, WeeklyAvailability
from tests.factories import (
    ClientGroupFactory,
    LanguageFactory,
    ProviderFactory,
    ProviderPriceFactory,
    ServiceTypeFactory,
)

pytestmark = pytest.mark.browser

WIDTHS = [320, 375, 1280]


@pytest.fixture
def directory(live_site):
    services = [
        ServiceTypeFactory(name=name, slug=name.lower().replace(" ", "-"), sort_order=index)
        for index, name in enumerate(
            ["Personal care", "Domestic help", "Companionship", "Sitting service", "Travel support", "Advocacy"]
        )
    ]
    groups = [ClientGroupFactory(name=name) for name in ("Older people", "Learning disability", "Mental health")]
    languages = [LanguageFactory(name=name) for name in ("English", "Gujarati", "Polish", "Punjabi", "Urdu")]
    mask = WeeklyAvailability.from_slots([(Day.TUESDAY, PartOfDay.MORNING), (Day.SATURDAY, PartOfDay.OVERNIGHT)]).mask
    first = None
    for index in range(8):
        provider = ProviderFactory(
            name=f"Assistant {index + 1}",
            services=services[: 2 + index % 4],
            client_groups=groups[: 1 + index % 3],
            languages=languages[: 1 + index % 5],
            availability_mask=mask,
        )
        ProviderPriceFactory(provider=provider, service=services[0], amount=Decimal("18.00"))
        first = first or provider
    return first


def has_no_sideways_scroll(page: Page) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.mark.parametrize("width", WIDTHS)
def test_results_come_first_and_filters_fold_on_a_phone(
    page: Page, live_site, directory, axe_check, screenshot, width
):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_site.url("/directory/?q=personal+care"))
    expect(page.locator("#results h2")).to_contain_text("8 results offering personal care")
    first_result = page.locator("main ul.app-results > li h3 a").first
    filter_box = page.get_by_role("checkbox", name=re.compile(r"^Gujarati"))
    is_phone = width < 641

    if is_phone:
        # Folded: under the search form, one "Filter results" line and the count, the first result is
        # within two screens (it was some 4,000px down, under every checkbox).
        expect(filter_box).to_be_hidden()
        screenshot(page, f"results-{width}-folded")
        assert first_result.bounding_box()["y"] < 1500
        axe_check(page)
        page.locator("summary", has_text="Filter results").click()
    expect(filter_box).to_be_visible()
    assert has_no_sideways_scroll(page)
    axe_check(page)
    screenshot(page, f"results-{width}-filters")

    label = page.locator("label", has_text=re.compile(r"^Gujarati \(\d+\)")).inner_text()
    shown = int(re.search(r"\((\d+)\)", label).group(1))
    assert shown == 6
    filter_box.check()
    page.get_by_role("button", name="Apply filters").click()
    # The count beside the box is what ticking it gives.
    expect(page.locator("#results h2")).to_contain_text(f"{shown} results offering personal care")
    if is_phone:
        page.locator("summary", has_text="Filter results (1 chosen)").click()
    expect(page.get_by_role("checkbox", name=re.compile(r"^Gujarati"))).to_be_checked()


# Each field of the search row that sticks out of its column, as "name: right edge > column's right edge".
FIELDS_OUT_OF_THEIR_COLUMNS = """() => [...document.querySelectorAll('form .govuk-grid-row:first-of-type input, \
form .govuk-grid-row:first-of-type select')].map(field => {
    const right = field.getBoundingClientRect().right;
    const column = field.closest('[class*="govuk-grid-column"]').getBoundingClientRect().right;
    return right > column + 0.5 ? `${field.name}: ${Math.round(right)} > ${Math.round(column)}` : null;
}).filter(Boolean)"""


@pytest.mark.parametrize("width", [641, 800, 1024, 1280])
def test_the_search_row_fits_its_columns_with_an_error_shown(page: Page, live_site, directory, axe_check, width):
    """From the tablet width up the three fields stand side by side; the distance used to stick out of its
    quarter (and off the screen at 800px), most of all with the postcode's error beside it."""
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_site.url("/directory/?near=ZZ99+9ZZ&radius=10"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("ZZ99 9ZZ")
    expect(page.get_by_label("Distance from there")).to_have_value("10")
    assert page.evaluate(FIELDS_OUT_OF_THEIR_COLUMNS) == []
    assert has_no_sideways_scroll(page)
    axe_check(page)


def test_a_skip_link_takes_keyboard_users_to_the_results(page: Page, live_site, directory, axe_check):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_site.url("/directory/?q=personal+care"))
    skip = page.get_by_role("link", name="Skip to results")
    skip.focus()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#results$"))
    page.keyboard.press("Tab")
    # The next stop is in the results (the sort control), not among the filters.
    assert page.evaluate("() => document.activeElement.closest('#results') !== null")
    axe_check(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_availability_table_reflows_without_sideways_scrolling(
    page: Page, live_site, directory, axe_check, screenshot, width
):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_site.url(f"/directory/{directory.slug}/"))
    table = page.get_by_role("table", name=re.compile("Usual weekly availability"))
    expect(table).to_be_visible()
    expect(table.get_by_role("rowheader", name="Tuesday")).to_be_visible()
    assert has_no_sideways_scroll(page)
    assert table.bounding_box()["width"] <= width
    axe_check(page)
    table.scroll_into_view_if_needed()
    screenshot(page, f"profile-availability-{width}")
