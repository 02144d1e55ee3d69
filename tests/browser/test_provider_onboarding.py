"""A personal assistant joins the directory: starts a listing, works through each task,
previews the profile as the public will see it and sends it to the council.

Every page visited must be free of axe-core violations; one save is made with a
missing answer to check the error summary keeps what was typed.
"""

import re
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from marketplace.places.models import Place
from marketplace.providers.models import Provider
from tests.browser.helpers import sign_in_with_session
from tests.factories import (
    ClientGroupFactory,
    LanguageFactory,
    LocalityFactory,
    PlaceFactory,
    ServiceTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_in_pa(live_site, page: Page):
    """A verified account, signed in by giving the browser a session made for it."""
    user = UserFactory(email="grace.obi@example.org", first_name="Grace", last_name="Obi")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    sign_in_with_session(page, live_site, user)
    return user


@pytest.fixture
def directory_terms(live_site):
    from wagtail.models import Site

    from cms.models import CouncilSettings

    care = ServiceTypeFactory(name="Personal care", slug="personal-care", sort_order=1)
    ServiceTypeFactory(name="Domestic help", slug="domestic-help", sort_order=2)
    ClientGroupFactory(name="Older people", slug="older-people")
    ClientGroupFactory(name="Learning disability", slug="learning-disability")
    LanguageFactory(name="English", slug="english")
    LanguageFactory(name="Yoruba", slug="yoruba")
    locality = LocalityFactory(name="Wendlebury", slug="wendlebury")
    PlaceFactory(kind=Place.Kind.POSTCODE, name="WE1 2AB", lookup_key="WE12AB", locality=locality)
    council = CouncilSettings.for_site(Site.objects.get(is_default_site=True))
    council.managed_service_rates.create(service=care, unit="hour", amount=Decimal("21.00"))
    council.save()


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def test_a_personal_assistant_joins_completes_each_task_previews_and_submits(
    page: Page, live_site, signed_in_pa, directory_terms, axe_check, screenshot
):
    page.goto(live_site.url("/provider/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Join the directory")
    axe_check(page)
    page.get_by_role("button", name="Start now").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Start your listing")
    axe_check(page)
    page.get_by_label("Personal assistant").check()
    page.get_by_label("Your name, or the name of your service").fill("Grace Obi")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Grace Obi")
    expect(page.locator(".govuk-task-list__status", has_text="Cannot start yet").first).to_be_visible()
    axe_check(page)
    screenshot(page, "task-list-new")
    page.get_by_role("link", name="About you or your service").click()

    # About: a first save without a summary shows the error summary and keeps what was typed.
    page.get_by_label("Describe the support you give").fill("I have supported older people at home for eight years.")
    page.get_by_label("Email address").fill("grace.obi@example.org")
    save_and_continue(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a summary of what you offer.")
    expect(page.get_by_label("Describe the support you give")).to_have_value(
        "I have supported older people at home for eight years."
    )
    expect(page).to_have_title(re.compile("^Error: "))
    axe_check(page)
    screenshot(page, "about-error")
    page.get_by_role("link", name="Enter a summary of what you offer.").click()
    expect(page.get_by_label("Summary", exact=True)).to_be_focused()
    page.get_by_label("Summary", exact=True).fill("Personal care and company for older people in Wendlebury.")
    page.get_by_label("Show these contact details on my public profile").check()
    save_and_continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Services")
    axe_check(page)
    page.get_by_label("Personal care").check()
    page.get_by_label("Older people").check()
    page.get_by_label("Yoruba").check()
    page.get_by_label("Women").check()
    save_and_continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Areas")
    axe_check(page)
    page.get_by_label("Postcode where you are based").fill("we1 2ab")
    page.get_by_label("Wendlebury").check()
    page.get_by_label("How far will you travel, in miles? (optional)").fill("6")
    save_and_continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Prices")
    expect(page.get_by_role("table", name="What the council pays for managed services")).to_contain_text("£21.00")
    axe_check(page)
    page.get_by_label("Service", exact=True).select_option(label="Personal care")
    page.get_by_label("Price", exact=True).fill("18.50")
    save_and_continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Availability")
    axe_check(page)
    for slot in ("Monday morning", "Tuesday morning", "Tuesday afternoon", "Thursday evening"):
        page.get_by_label(slot, exact=True).check()
    page.get_by_label("Yes").check()
    page.get_by_label("Hours you could take on each week (optional)").fill("15")
    screenshot(page, "availability")
    save_and_continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Grace Obi")
    for task in ("About you or your service", "Services", "Areas", "Prices", "Availability"):
        item = page.locator(".govuk-task-list__item", has_text=task).first
        expect(item.locator(".govuk-task-list__status")).to_have_text("Completed")
    axe_check(page)
    screenshot(page, "task-list-complete")

    page.get_by_role("link", name="Preview your profile as the public will see it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace Obi")
    expect(page.get_by_text("This listing is not published.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("£18.50")
    axe_check(page)
    screenshot(page, "preview")
    page.get_by_role("link", name="Back to your listing").click()

    page.get_by_role("link", name="Check your answers and send your listing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending your listing")
    axe_check(page)
    screenshot(page, "check-answers")
    page.get_by_role("button", name="Send your listing to the council").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("has been sent to the council")
    axe_check(page)
    screenshot(page, "submitted")
    provider = Provider.objects.get(name="Grace Obi")
    assert provider.status == Provider.Status.SUBMITTED
    assert provider.memberships.get().user == signed_in_pa
    assert provider.lowest_hourly_price == Decimal("18.50")
    assert provider.availability.slot_codes() == ["mon-morning", "tue-morning", "tue-afternoon", "thu-evening"]


def test_a_published_pa_confirms_stale_availability_and_asks_for_a_new_price(
    page: Page, live_site, signed_in_pa, directory_terms, axe_check, screenshot
):
    from marketplace.providers.models import ProviderChangeRequest, ServiceType
    from tests.factories import ProviderFactory, ProviderMembershipFactory, ProviderPriceFactory, days_ago

    care = ServiceType.objects.get(slug="personal-care")
    listing = ProviderFactory(name="Grace Obi", availability_confirmed_on=days_ago(40), services=[care])
    ProviderPriceFactory(provider=listing, service=care, amount=Decimal("18.00"))
    ProviderMembershipFactory(provider=listing, user=signed_in_pa)

    page.goto(live_site.url("/provider/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your listings")
    expect(page.get_by_text("Not confirmed recently")).to_be_visible()
    axe_check(page)
    screenshot(page, "dashboard-stale")
    page.get_by_role("button", name="Confirm my availability is still right").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("confirmed today")
    expect(page.get_by_text("Not confirmed recently")).to_have_count(0)
    axe_check(page)

    page.get_by_role("link", name="Manage Grace Obi").click()
    page.get_by_role("link", name="Prices").click()
    expect(page.locator(".govuk-inset-text").first).to_contain_text("The council checks changes to your prices")
    axe_check(page)
    page.get_by_label("Price", exact=True).first.fill("19.75")
    save_and_continue(page)

    expect(page.locator(".govuk-notification-banner").first).to_contain_text("need the council to review them")
    expect(page.locator(".govuk-task-list__item", has_text="Prices").locator(".govuk-task-list__status")).to_have_text(
        "Waiting for review"
    )
    expect(page.locator("main")).to_contain_text("£19.75 per hour")
    axe_check(page)
    screenshot(page, "waiting-for-review")

    page.get_by_role("link", name="Prices").click()
    expect(page.get_by_role("region", name="Waiting for review")).to_be_visible()
    axe_check(page)
    screenshot(page, "prices-waiting")

    listing.refresh_from_db()
    assert listing.availability_confirmed_on == days_ago(0)
    assert [price.amount for price in listing.prices.all()] == [Decimal("18.00")]
    assert ProviderChangeRequest.objects.get(provider=listing).proposed_changes["prices"][0]["amount"] == "19.75"
