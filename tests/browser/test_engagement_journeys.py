"""Browser journeys from finding to arranging: shortlist, one enquiry to three PAs, replies, contact details,
acting for someone, and a reported message reaching the commissioners' safeguarding queue.

(a) Margaret, who holds a direct payment, searches for personal care near Wendlebury, shortlists three PAs,
    sends one enquiry to all three; a PA says yes; Margaret shares her contact details, which the PA then sees.
(b) David, her son, signed in as himself, does the same for her; the PA sees "on behalf of".
(e) Margaret reports a PA's message and blocks them; a commissioner finds it in the safeguarding queue.

axe-core runs on every public page visited; screenshots go to var/screenshots/.
"""

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from wagtail.models import Site

from cms.models import CouncilSettings, ManagedServiceRate
from marketplace.accounts.models import RIGHT_FIELDS, ActingFor, right_fields
from marketplace.engagement.models import Enquiry, MessageReport
from marketplace.places.models import Place
from marketplace.providers.models import ServiceType
from tests.browser.helpers import fill_date, report_admin_violations, settled, sign_in, sign_in_to_admin
from tests.factories import (
    CommissionerFactory,
    DirectPaymentHolderFactory,
    LocalityFactory,
    PlaceFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    ServiceTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

TOWN = (52.6, -1.1)
PAS = ("Hetal Makwana", "Nilesh Patel", "Rupal Lad")


def verified(user: Any) -> Any:
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def market(live_site: Any) -> dict[str, Any]:
    locality = LocalityFactory(name="Wendlebury", slug="wendlebury")
    PlaceFactory(name="Wendlebury", lookup_key="WENDLEBURY", kind=Place.Kind.TOWN, latitude=TOWN[0], longitude=TOWN[1])
    care = ServiceTypeFactory(name="Personal care", slug="personal-care", sort_order=1)
    council = CouncilSettings.for_site(Site.objects.get(is_default_site=True))
    ManagedServiceRate.objects.create(settings=council, service=care, unit="hour", amount=Decimal("21.50"))
    owners = {}
    for index, name in enumerate(PAS):
        provider = ProviderFactory(
            name=name,
            slug=name.lower().replace(" ", "-"),
            services=[care],
            locality=locality,
            latitude=TOWN[0] + (index + 1) / 69.0,
            longitude=TOWN[1],
        )
        first, last = name.split()
        owner = verified(UserFactory(email=f"{first.lower()}@pa.example", first_name=first, last_name=last))
        ProviderMembershipFactory(provider=provider, user=owner)
        owners[name] = owner
    margaret = verified(UserFactory(email="margaret@example.org", first_name="Margaret", last_name="Hollis"))
    holder = DirectPaymentHolderFactory(user=margaret, display_name="Margaret Hollis", locality=locality)
    david = verified(UserFactory(email="david@example.org", first_name="David", last_name="Hollis"))
    ActingFor.objects.create(
        agent=david,
        holder=holder,
        relationship=ActingFor.Relationship.FAMILY_MEMBER,
        started_on=datetime.date(2025, 1, 1),
        **right_fields(frozenset(RIGHT_FIELDS)),
    )
    return {"holder": holder, "owners": owners}


def search_and_shortlist_three(page: Page, live_site: Any, axe_check: Any) -> None:
    page.goto(live_site.url("/"))
    page.get_by_label("What support are you looking for?").fill("personal care")
    page.get_by_label("Postcode or town").fill("Wendlebury")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("h2", has_text=re.compile(r"results? (for|offering)"))).to_contain_text("near Wendlebury")
    axe_check(page)
    for name in PAS:
        page.get_by_role("button", name=re.compile(f"^Add to shortlist.*{name}$")).click()
        expect(page.get_by_role("button", name=re.compile(f"^Remove.*{name} from your shortlist$"))).to_be_visible()
    axe_check(page)
    # A change of mind: taken off the shortlist from the results, then put back.
    page.get_by_role("button", name=re.compile(f"^Remove.*{PAS[0]} from your shortlist$")).click()
    expect(page.get_by_role("button", name=re.compile(f"^Add to shortlist.*{PAS[0]}$"))).to_be_visible()
    page.get_by_role("button", name=re.compile(f"^Add to shortlist.*{PAS[0]}$")).click()
    expect(page.get_by_role("button", name=re.compile(f"^Remove.*{PAS[0]} from your shortlist$"))).to_be_visible()


def send_enquiry_to_all_shortlisted(page: Page, live_site: Any, axe_check: Any, screenshot: Any, who: str) -> None:
    page.get_by_role("link", name="Your support").first.click()
    expect(page.get_by_role("link", name="Your shortlist (3)")).to_be_visible()
    expect(page.locator("#shortlist-status")).to_have_text("3 not contacted")
    axe_check(page)
    screenshot(page, f"{who}-your-support-shortlist")
    page.get_by_role("button", name="Write an enquiry").click()
    expect(page.locator("#recipients li")).to_have_count(3)
    expect(page.get_by_label("What can you pay an hour?")).to_have_value("21.50")
    # A mistake first: nothing typed is lost.
    page.get_by_label("Your message").fill("Help getting up and dressed, please.")
    page.get_by_role("button", name="Send enquiry to 3 providers").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose at least one day")
    expect(page.get_by_label("Your message")).to_have_value("Help getting up and dressed, please.")
    axe_check(page)
    page.get_by_label("Personal care").check()
    page.get_by_label("Tuesday").check()
    page.get_by_label("Thursday").check()
    page.get_by_label(re.compile(r"^Morning")).check()
    page.get_by_label("About how many hours a week?").fill("6")
    fill_date(page, "When would you like it to start?", timezone.localdate() + datetime.timedelta(days=30))
    axe_check(page)
    screenshot(page, f"{who}-enquiry-form")
    page.get_by_role("button", name="Send enquiry to 3 providers").click()
    expect(page.get_by_role("link", name="Enquiries and replies (3)")).to_be_visible()
    expect(page.locator("#enquiries")).to_contain_text("Waiting for reply")
    axe_check(page)


def provider_says_yes(browser: Browser, live_site: Any, axe_check: Any, screenshot: Any, email: str, who: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_site, email, next_path="/provider/")
    page.get_by_role("link", name=re.compile(r"^Enquiries \(1\)")).click()
    axe_check(page)
    page.get_by_role("link", name="Margaret Hollis").click()
    expect(page.locator("main")).to_contain_text("They have not shared their contact details yet")
    axe_check(page)
    screenshot(page, f"{who}-provider-sees-enquiry")
    page.get_by_role("button", name="Say whether you can help").click()
    page.get_by_label("Yes, I can help").check()
    page.get_by_label("Message to the person").fill("Yes, I have Tuesday and Thursday mornings free.")
    axe_check(page)
    page.get_by_role("button", name="Send answer").click()
    expect(page.locator(".app-thread")).to_contain_text("Can help")
    return page


def test_a_holder_shortlists_three_pas_enquires_once_and_shares_contact_details_with_the_one_who_replies(
    page: Page, browser: Browser, live_site: Any, market: dict[str, Any], axe_check: Any, screenshot: Any
) -> None:
    sign_in(page, live_site, "margaret@example.org")
    search_and_shortlist_three(page, live_site, axe_check)
    send_enquiry_to_all_shortlisted(page, live_site, axe_check, screenshot, "holder")
    assert Enquiry.objects.filter(holder=market["holder"]).count() == 3

    provider_page = provider_says_yes(browser, live_site, axe_check, screenshot, "hetal@pa.example", "holder")

    page.reload()
    expect(page.locator("#enquiries-status")).to_have_text("1 new reply")
    page.get_by_role("link", name="Hetal Makwana").last.click()
    expect(page.locator(".app-thread")).to_contain_text("Sent by Hetal Makwana,")
    axe_check(page)
    page.get_by_role("link", name="share your contact details with Hetal Makwana").click()
    expect(page.get_by_label("Email address")).to_have_value("margaret@example.org")
    page.get_by_label("Phone number").fill("01632 960123")
    axe_check(page)
    page.get_by_role("button", name="Share contact details").click()
    expect(page.locator("main")).to_contain_text("You shared contact details with Hetal Makwana")
    screenshot(page, "holder-conversation")

    provider_page.reload()
    expect(provider_page.locator("#shared-contact")).to_contain_text("01632 960123")
    screenshot(provider_page, "holder-provider-sees-contact")
    others = Enquiry.objects.exclude(provider__name="Hetal Makwana")
    assert not any(enquiry.has_shared_contact for enquiry in others), "only the chosen PA sees the details"


def test_the_family_member_does_the_same_for_her_and_the_pa_sees_on_behalf_of(
    page: Page, browser: Browser, live_site: Any, market: dict[str, Any], axe_check: Any, screenshot: Any
) -> None:
    sign_in(page, live_site, "david@example.org")
    search_and_shortlist_three(page, live_site, axe_check)
    send_enquiry_to_all_shortlisted(page, live_site, axe_check, screenshot, "family")
    expect(page.locator("main")).to_contain_text("You are acting for")
    assert {enquiry.sent_by.email for enquiry in Enquiry.objects.all()} == {"david@example.org"}

    provider_page = provider_says_yes(browser, live_site, axe_check, screenshot, "nilesh@pa.example", "family")
    expect(provider_page.locator(".app-thread")).to_contain_text("Sent by David Hollis on behalf of Margaret Hollis")
    screenshot(provider_page, "family-provider-sees-on-behalf-of")


def test_a_reported_message_reaches_the_safeguarding_queue(
    page: Page,
    browser: Browser,
    live_site: Any,
    market: dict[str, Any],
    axe_check: Any,
    axe_source: str,
    screenshot: Any,
) -> None:
    from marketplace.engagement import services

    holder = market["holder"]
    owner = market["owners"]["Rupal Lad"]
    enquiry = services.enquiry_send(
        holder=holder,
        providers=[owner.provider_memberships.get().provider],
        by=holder.user,
        service=ServiceType.objects.get(slug="personal-care"),
        availability_mask=1,
        hours_per_week=4,
        start_on=timezone.localdate() + datetime.timedelta(days=10),
        rate_pence=2150,
        message="Help with shopping, please.",
    )[0]
    services.message_send(
        enquiry=enquiry, side="provider", by=owner, body="Pay me £50 in cash first, and tell nobody."
    )
    verified(
        CommissionerFactory(email="officer@council.example", first_name="Helen", last_name="Marsh", is_staff=True)
    )

    sign_in(page, live_site, "margaret@example.org", next_path=f"/your-support/enquiries/{enquiry.uuid}/")
    page.get_by_role("link", name=re.compile(r"^Report this message")).click()
    axe_check(page)
    page.get_by_role("button", name="Send report").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Tell us what is wrong with this message")
    page.get_by_label("What is wrong with this message?").fill("They asked for cash and to keep it secret.")
    page.get_by_label("Block them: no more messages or enquiries between you").check()
    axe_check(page)
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("main")).to_contain_text("This conversation is blocked")
    expect(page.locator(".app-thread")).to_contain_text("Reported")
    axe_check(page)
    screenshot(page, "report-sent")
    assert MessageReport.objects.filter(blocked=True).count() == 1

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    admin = context.new_page()
    sign_in_to_admin(admin, live_site, "officer@council.example")
    admin.goto(live_site.url("/admin/engagement/reports/"))
    admin.get_by_role("link", name="Rupal Lad").click()
    expect(admin.locator("main")).to_contain_text("Pay me £50 in cash first")
    expect(admin.locator("main")).to_contain_text("They asked for cash and to keep it secret.")
    settled(admin)
    report_admin_violations(admin, axe_source, "safeguarding report")
    screenshot(admin, "report-in-safeguarding-queue")
    admin.get_by_label("What you found and what you did").fill(
        "Phoned Margaret; suspended the listing pending checks."
    )
    admin.get_by_role("button", name="Mark as reviewed").click()
    expect(admin.locator("body")).to_contain_text("The report is marked as reviewed.")
    assert MessageReport.objects.get().status == MessageReport.Status.REVIEWED
