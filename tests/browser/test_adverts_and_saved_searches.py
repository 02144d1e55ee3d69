"""Issue 11's journeys (c) and (d), in a real browser with axe-core on every page.

(c) A holder posts an advert (and sees the plain rate warning), the daily job
emails a personal assistant whose area and times fit, the PA sees it on their
dashboard and applies, and the holder shortlists them.
(d) A holder saves a directory search for personal care from PAs taking new
clients; when a PA starts taking clients again, the alert job emails her, and
the one-click link in the email stops the alerts while signed out.
"""

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from marketplace.adverts.models import Advert, AdvertApplication
from marketplace.adverts.services import adverts_daily
from marketplace.alerts.models import SavedSearch
from marketplace.alerts.services import send_saved_search_alerts
from marketplace.places.models import Place
from marketplace.providers.availability import Day, PartOfDay, WeeklyAvailability
from marketplace.providers.models import Provider
from tests.browser.helpers import link_in_email_to, sign_in_with_session
from tests.factories import (
    DirectPaymentHolderFactory,
    LocalityFactory,
    PlaceFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    ServiceTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

MORNINGS = WeeklyAvailability.from_slots([(Day.MONDAY, PartOfDay.MORNING), (Day.THURSDAY, PartOfDay.MORNING)])


def verified_user(email: str, first_name: str, last_name: str):
    user = UserFactory(email=email, first_name=first_name, last_name=last_name)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def county(live_site):
    locality = LocalityFactory(name="Wendlebury", slug="wendlebury")
    PlaceFactory(kind=Place.Kind.DISTRICT, name="WE1", lookup_key="WE1", locality=locality)
    PlaceFactory(name="Wendlebury", lookup_key="WENDLEBURY", kind=Place.Kind.TOWN, locality=locality)
    care = ServiceTypeFactory(name="Personal care", slug="personal-care", sort_order=1)
    ServiceTypeFactory(name="Domestic help", slug="domestic-help", sort_order=2)
    holder = DirectPaymentHolderFactory(
        user=verified_user("margaret@example.org", "Margaret", "Hollis"), display_name="Margaret Hollis"
    )
    return {"care": care, "holder": holder, "locality": locality}


@pytest.fixture
def personal_assistant(county):
    listing = ProviderFactory(
        name="Hetal Makwana",
        slug="hetal-makwana",
        services=[county["care"]],
        availability_mask=MORNINGS.mask,
        postcode_districts_served="WE1 WE2",
        locality=county["locality"],
    )
    user = verified_user("hetal@example.org", "Hetal", "Makwana")
    ProviderMembershipFactory(provider=listing, user=user)
    return user


def test_c_a_holder_posts_an_advert_a_pa_applies_from_their_dashboard_and_is_shortlisted(
    page: Page, live_site, county, personal_assistant, axe_check, screenshot
):
    holder = county["holder"]
    sign_in_with_session(page, live_site, holder.user)
    page.goto(live_site.url("/"))
    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Your adverts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your adverts for a personal assistant")
    axe_check(page)
    page.get_by_role("link", name="Post an advert").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Post an advert for a personal assistant")
    page.get_by_label("Title").fill("Personal assistant for morning personal care")
    page.get_by_role("checkbox", name="Personal care").check()
    page.get_by_label("Area").fill("WE1 2AB")
    page.get_by_role("checkbox", name="Monday morning").check()
    page.get_by_role("checkbox", name="Thursday morning").check()
    page.get_by_label("Hours a week").fill("ten")
    page.get_by_label("Hourly rate you will pay").fill("9.50")
    page.get_by_label("Employed by the person").check()
    page.get_by_label("They must have an enhanced DBS check").check()
    page.get_by_role("button", name="Continue").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the hours as a whole number, like 10.")
    expect(page.get_by_label("Title")).to_have_value("Personal assistant for morning personal care")
    expect(page.get_by_role("checkbox", name="Thursday morning")).to_be_checked()
    axe_check(page)
    page.get_by_label("Hours a week").fill("10")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your advert before publishing")
    expect(page.locator(".govuk-warning-text")).to_contain_text("less than the National Living Wage")
    expect(page.locator("main")).to_contain_text("WE1")
    expect(page.locator("main")).not_to_contain_text("2AB")
    axe_check(page)
    screenshot(page, "check-with-rate-warning")
    page.get_by_role("link", name="Change the advert").click()
    page.get_by_label("Hourly rate you will pay").fill("14.50")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-warning-text")).to_have_count(0)
    page.get_by_role("button", name="Publish advert").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your advert is published")
    advert = Advert.objects.get()
    assert advert.status == Advert.Status.OPEN

    mail.outbox.clear()
    adverts_daily(today=timezone.localdate(), now=timezone.now())
    assert link_in_email_to("hetal@example.org") == f"/support-wanted/{advert.uuid}/"

    sign_in_with_session(page, live_site, personal_assistant)
    page.goto(live_site.url("/provider/"))
    jobs = page.locator("main")
    expect(page.get_by_role("heading", name="Personal assistant jobs near you")).to_be_visible()
    expect(jobs).to_contain_text("Personal assistant for morning personal care")
    expect(jobs).not_to_contain_text("Margaret")
    axe_check(page)
    screenshot(page, "pa-dashboard-jobs")
    page.get_by_role("link", name="Personal assistant for morning personal care").click()
    expect(page.locator("main")).not_to_contain_text("Hollis")
    axe_check(page)
    page.get_by_role("button", name="Send application").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Write your message.")
    page.get_by_label("Your message").fill("I live in WE1 and have mornings free. I have an enhanced DBS.")
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your application")
    expect(page.locator("#posted-by")).to_have_text("Advert posted by Margaret Hollis")
    axe_check(page)

    sign_in_with_session(page, live_site, holder.user)
    page.goto(live_site.url(f"/support-wanted/yours/{advert.uuid}/"))
    expect(page.get_by_role("heading", name="Applications (1)")).to_be_visible()
    expect(page.locator("main")).to_contain_text("I live in WE1 and have mornings free.")
    axe_check(page)
    page.get_by_role("button", name="Shortlist Hetal Makwana").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Hetal Makwana is on your shortlist")
    expect(page.locator(".govuk-summary-card", has_text="Hetal Makwana")).to_contain_text("Shortlisted")
    axe_check(page)
    screenshot(page, "holder-shortlisted")
    assert AdvertApplication.objects.get().status == AdvertApplication.Status.SHORTLISTED

    sign_in_with_session(page, live_site, personal_assistant)
    page.goto(live_site.url("/provider/"))
    expect(page.locator("main")).to_contain_text("Shortlisted")


def test_d_a_saved_search_alerts_when_a_pa_starts_taking_new_clients(
    page: Page, live_site, county, personal_assistant, search_on_database, axe_check, screenshot
):
    listing = Provider.objects.get(slug="hetal-makwana")
    Provider.objects.filter(pk=listing.pk).update(is_taking_new_clients=False)
    holder = county["holder"]
    sign_in_with_session(page, live_site, holder.user)
    page.goto(live_site.url("/directory/?service=personal-care&near=Wendlebury&new_clients=true"))
    expect(page.locator("#results")).to_contain_text("No providers match your search")
    axe_check(page)
    page.get_by_role("button", name="Save this search").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your saved searches")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Search saved")
    expect(page.locator("main")).to_contain_text("Personal care; near Wendlebury (10 miles); taking new clients")
    axe_check(page)
    screenshot(page, "saved-searches")
    assert SavedSearch.objects.get().user == holder.user

    sign_in_with_session(page, live_site, personal_assistant)
    page.goto(live_site.url(f"/provider/{listing.uuid}/availability/"))
    page.get_by_role("group", name="Are you taking new clients?").get_by_label("Yes").check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    listing.refresh_from_db()
    assert listing.is_taking_new_clients

    mail.outbox.clear()
    summary = send_saved_search_alerts(now=timezone.now() + timedelta(minutes=1))
    assert summary.emails == 1
    [email] = [message for message in mail.outbox if message.to == ["margaret@example.org"]]
    assert "Hetal Makwana" in email.body
    assert send_saved_search_alerts(now=timezone.now() + timedelta(minutes=2)).emails == 0

    page.context.clear_cookies()
    unsubscribe = re.search(r"https?://\S+/saved-searches/unsubscribe/\S+/", email.body)
    assert unsubscribe is not None
    page.goto(live_site.url(urlparse(unsubscribe.group(0)).path))
    expect(page.get_by_role("heading", level=1)).to_have_text("Alerts stopped")
    axe_check(page)
    screenshot(page, "unsubscribed-signed-out")
    assert not SavedSearch.objects.get().is_active
