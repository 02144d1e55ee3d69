"""Browser journeys: the pages a council must publish, the open data API's documentation, and the admin's
provider chooser.

A visitor follows the footer to the accessibility statement, the privacy
notice and the cookies page, then to the API documentation, at 320 and 1280
pixels; axe runs on each and fails on any violation. A commissioner opens the
"Choose provider" modal in the admin, finds it named, searches and filters it
down to one provider and chooses it; axe runs on the modal and fails on any
violation in it.
"""

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from marketplace.providers.models import Provider
from tests.browser.helpers import settled, sign_in_to_admin
from tests.factories import CommissionerFactory, ProviderFactory

pytestmark = pytest.mark.browser

COMMISSIONER = "quality.officer@council.example"


@pytest.mark.parametrize("width", [320, 1280])
def test_the_footer_leads_to_the_statements_and_the_api_documentation(
    page: Page, live_site: Any, axe_check: Any, screenshot: Any, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_site.url("/"))

    for link, heading in (
        ("Accessibility statement", "Accessibility statement"),
        ("Privacy notice", "Privacy notice"),
        ("Cookies", "Cookies"),
    ):
        page.get_by_role("contentinfo").get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        assert page.locator('meta[name="description"]').get_attribute("content")
        axe_check(page)
        screenshot(page, f"{link.lower().replace(' ', '-')}-{width}")

    expect(page.get_by_role("table", name="Cookies this website sets").get_by_role("rowheader")).to_have_count(4)

    page.get_by_role("contentinfo").get_by_role("link", name="Open data for developers").click()
    expect(page.get_by_role("heading", level=1, name="Open Referral UK API")).to_be_visible()
    page.get_by_role("navigation", name="Endpoints").get_by_role("link", name="GET /services", exact=True).click()
    expect(page.get_by_role("table", name="Parameters of GET /services")).to_be_visible()
    axe_check(page)
    # Nothing wider than the screen: the page reflows (WCAG 1.4.10).
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    screenshot(page, f"api-documentation-{width}")


def test_the_provider_chooser_is_named_searchable_and_filterable(
    page: Page, live_site: Any, axe_check: Any, screenshot: Any
) -> None:
    commissioner = CommissionerFactory(email=COMMISSIONER, first_name="Helen", last_name="Marsh", is_staff=True)
    EmailAddress.objects.create(user=commissioner, email=COMMISSIONER, verified=True, primary=True)
    for number in range(30):
        ProviderFactory(name=f"Hillside Support {number:02}", slug=f"hillside-{number}")
    ProviderFactory(name="Meadowbank Homecare", slug="meadowbank", kind=Provider.Kind.HOME_CARE_AGENCY)
    ProviderFactory(
        name="Meadowbank Draft Agency",
        slug="meadowbank-draft",
        kind=Provider.Kind.HOME_CARE_AGENCY,
        status=Provider.Status.DRAFT,
    )

    sign_in_to_admin(page, live_site, COMMISSIONER)
    page.goto(live_site.url("/admin/monitoring/visits/"))
    page.get_by_role("link", name="Record a visit").first.click()
    page.get_by_role("button", name="Choose provider").click()

    dialog = page.get_by_role("dialog", name="Choose provider")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Search providers").fill("meadowbank")
    expect(dialog.locator("[data-chooser-modal-choice]")).to_have_count(2)
    dialog.get_by_label("Status").select_option(label="Published")
    expect(dialog.locator("[data-chooser-modal-choice]")).to_have_count(1)
    dialog.get_by_label("Kind").select_option(label="Home care agency")
    expect(dialog.get_by_role("row", name="Meadowbank Homecare Home care agency Published")).to_be_visible()
    settled(page)
    axe_check(page, context=".modal")
    screenshot(page, "provider-chooser")

    dialog.locator("[data-chooser-modal-choice]", has_text="Meadowbank Homecare").click()
    expect(page.locator("[data-chooser-title]")).to_have_text("Meadowbank Homecare")
