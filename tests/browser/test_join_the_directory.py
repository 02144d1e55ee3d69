"""Issue 3's acceptance journey: joining the directory, from a new account to an accredited listing and its lapse.

A personal assistant signs up from the header, confirms their email address
from the message they get, signs in, starts a listing from the home page and
completes every task; sends every vetting check the council asks of a
personal assistant (DBS, references, right to work, insurance due to expire
in 45 days, training) with small generated documents; and sends the listing,
applying for accreditation, from the check-answers page. A commissioner signs
in with their authenticator app, opens the review queue, views the DBS
evidence, verifies every check and accredits, which publishes the listing.
Anyone searching then finds the personal assistant with the Accredited badge,
and the profile says what was checked and when, never the DBS number. With
the clock moved on, the daily expiry job reminds the personal assistant 30
days before the insurance expires and, the day after it expires, takes the
badge away and tells the personal assistant and the commissioners.

Every public page passes axe-core; the admin pages (Wagtail's markup around
ours) are run through axe and what it finds is printed.
"""

import re
from datetime import date, datetime, time, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import FilePayload, Locator, Page, expect

from marketplace.accreditation.models import Accreditation, EvidenceView, ProviderCheck
from marketplace.demo.taxonomy import taxonomy_ensure_terms
from marketplace.places.services import places_load_postcodes, places_load_towns
from marketplace.providers.models import Provider
from tests.accreditation.conftest import image_bytes, pdf_bytes
from tests.browser.helpers import (
    fill_date,
    report_admin_violations,
    settled,
    sign_in_to_admin,
)

pytestmark = pytest.mark.browser

NAME = "Amara Okafor"
EMAIL = "amara.okafor@example.org"
PASSWORD = "a long and memorable passphrase"
POSTCODE = "WE1 1AE"  # a Wendlebury postcode in the shipped demo county (marketplace/places/data)
DBS_NUMBER = "009988776655"
PLACES_DATA = settings.BASE_DIR / "marketplace" / "places" / "data"


@pytest.fixture
def county(live_site: Any) -> None:
    """The places and vocabularies the demo county ships with: postcodes, localities, towns and services."""
    places_load_postcodes(
        path=PLACES_DATA / "demo_county_places.csv",
        locality_map_path=PLACES_DATA / "demo_county_localities.csv",
        postcode_areas=["WE"],
    )
    places_load_towns(path=PLACES_DATA / "demo_county_towns.csv")
    taxonomy_ensure_terms()


def header(page: Page):
    return page.get_by_role("navigation", name="Your account")


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def pdf(name: str) -> FilePayload:
    return {"name": name, "mimeType": "application/pdf", "buffer": pdf_bytes(name)}


def png(name: str) -> FilePayload:
    return {"name": name, "mimeType": "image/png", "buffer": image_bytes("PNG")}


def send_check(page: Page, check_name: str, *, issued_on: date, document: FilePayload, **details: Any) -> None:
    """Open one check from the vetting page, fill in what its type asks, upload the document and send it."""
    page.get_by_role("link", name=re.compile(f"^Send details {re.escape(check_name)}")).click()
    expect(page.locator("h1")).to_have_text(check_name)
    fill_date(page, "Date issued", issued_on)
    if "expires_on" in details:
        fill_date(page, "Expiry date", details.pop("expires_on"))
    for label, value in details.items():
        page.get_by_label(label, exact=True).fill(value)
    page.set_input_files("#evidence", files=[document])
    page.get_by_role("button", name="Send for review").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("sent for review")
    card = page.locator(".govuk-summary-card", has=page.get_by_role("heading", name=check_name, exact=True))
    expect(card).to_contain_text("Waiting for review")


def accreditation_tag(result: Locator) -> Locator:
    """A search result's tag saying whether the council accredits them (beside others such as new clients)."""
    return result.locator(".govuk-tag", has_text=re.compile("accredited", re.IGNORECASE))


def at_nine(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=ZoneInfo(settings.TIME_ZONE))


def test_a_personal_assistant_joins_is_vetted_and_accredited_then_the_badge_lapses_with_the_insurance(
    page: Page, live_site: Any, county: None, commissioner_user: Any, axe_check: Any, axe_source: str, screenshot: Any
) -> None:
    cache.clear()  # sign-in counters and cached lists from other tests in this process
    mail.outbox.clear()
    today = timezone.localdate()
    insurance_expires = today + timedelta(days=45)

    # 1. "Join the directory" from the home page leads to signing in; create an account from there,
    # confirm the address from the email and come back to starting a listing; sign out and in again.
    page.goto(live_site.url("/"))
    page.get_by_role("link", name="Join the directory").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("main")).to_contain_text("Sign in to start your listing")
    axe_check(page)
    page.get_by_role("link", name="create an account").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    axe_check(page)
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    axe_check(page)

    confirm_link = re.search(r"https?://[^\s/]+(/\S+)", mail.outbox[-1].body)
    assert confirm_link
    assert "next=%2Fprovider%2Fjoin%2F" in confirm_link.group(1)
    page.goto(live_site.url(confirm_link.group(1)))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    axe_check(page)
    page.get_by_role("button", name="Confirm email address").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start your listing")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"You have confirmed your email address, {EMAIL}."
    )
    axe_check(page)
    screenshot(page, "1-confirmed-and-back-to-joining")
    header(page).get_by_role("button", name="Sign out").click()

    header(page).get_by_role("link", name="Sign in").click()
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(header(page).get_by_role("button", name="Sign out")).to_be_visible()
    axe_check(page)
    screenshot(page, "1-signed-in")

    # 2. Join as a personal assistant from the home page and complete every task.
    page.get_by_role("link", name="Join the directory").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start your listing")
    axe_check(page)
    page.get_by_label("Personal assistant").check()
    page.get_by_label("Your name, or the name of your service").fill(NAME)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    axe_check(page)

    page.get_by_role("link", name="About you or your service").click()
    axe_check(page)
    page.get_by_label("Summary", exact=True).fill("Personal care and company for older people around Wendlebury.")
    page.get_by_label("Describe the support you give").fill(
        "I have helped older people stay well at home for ten years: washing, dressing, meals and outings."
    )
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Show these contact details on my public profile").check()
    save_and_continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Services")
    axe_check(page)
    page.get_by_label("Personal care", exact=True).check()
    page.get_by_label("Domestic help", exact=True).check()
    page.get_by_label("Older people", exact=True).check()
    page.get_by_label("Women", exact=True).check()
    save_and_continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Areas")
    axe_check(page)
    page.get_by_label("Postcode where you are based").fill(POSTCODE.lower())
    page.get_by_label("Wendlebury", exact=True).check()
    page.get_by_label("How far will you travel, in miles? (optional)").fill("8")
    save_and_continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Prices")
    axe_check(page)
    page.get_by_label("Service", exact=True).select_option(label="Personal care")
    page.get_by_label("Price", exact=True).fill("19.50")
    save_and_continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Availability")
    axe_check(page)
    for slot in ("Monday morning", "Wednesday morning", "Wednesday afternoon", "Friday morning"):
        page.get_by_label(slot, exact=True).check()
    page.get_by_label("Yes").check()
    page.get_by_label("Hours you could take on each week (optional)").fill("20")
    save_and_continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    for task in ("About you or your service", "Services", "Areas", "Prices", "Availability"):
        item = page.locator(".govuk-task-list__item", has_text=task).first
        expect(item.locator(".govuk-task-list__status")).to_have_text("Completed")
    axe_check(page)
    screenshot(page, "2-tasks-complete")

    # 3. Vetting evidence: every check a personal assistant needs, each with a document.
    page.get_by_role("link", name="Vetting evidence").click()
    expect(page.locator("h1")).to_have_text("Vetting checks")
    expect(page.locator("main")).to_contain_text("0 of 7")
    axe_check(page)

    dbs = "Enhanced DBS check with adults' barred list"
    page.get_by_role("link", name=re.compile(f"^Send details {re.escape(dbs)}")).click()
    expect(page.locator("h1")).to_have_text(dbs)
    axe_check(page)
    fill_date(page, "Date issued", today - timedelta(days=40))
    page.get_by_label("Certificate number").fill(DBS_NUMBER)
    page.get_by_role("group", name="Is the certificate on the DBS Update Service?").get_by_label("Yes").check()
    page.get_by_label("Surname on the certificate").fill("Okafor")
    fill_date(page, "Date of birth on the certificate", date(1986, 4, 17))
    page.get_by_label("Upload the front of the certificate").set_input_files(files=[pdf("dbs-certificate.pdf")])
    page.get_by_label("Upload the back of the certificate").set_input_files(files=[pdf("dbs-certificate-back.pdf")])
    screenshot(page, "3-dbs-form")
    page.get_by_role("button", name="Send for review").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("sent for review")
    expect(page.locator(".govuk-summary-card", has_text=dbs)).to_contain_text("6655")
    assert DBS_NUMBER not in page.content()
    axe_check(page)

    send_check(
        page,
        "Public liability insurance",
        issued_on=insurance_expires - timedelta(days=365),
        expires_on=insurance_expires,
        document=pdf("insurance-schedule.pdf"),
        **{"Policy number": "PL-2093-77"},
    )
    send_check(
        page,
        "First reference",
        issued_on=today - timedelta(days=20),
        document=pdf("reference-grace.pdf"),
        **{"Name of the referee": "Grace Whitfield"},
    )
    send_check(
        page,
        "Second reference",
        issued_on=today - timedelta(days=18),
        document=pdf("reference-tom.pdf"),
        **{"Name of the referee": "Tom Ashby"},
    )
    send_check(
        page,
        "Right to work in the UK",
        issued_on=today - timedelta(days=30),
        document=png("passport.png"),
        **{"Share code (if you have one)": "W4X 9KQ 2LM"},
    )
    send_check(
        page,
        "Safeguarding adults training",
        issued_on=today - timedelta(days=100),
        document=pdf("safeguarding-certificate.pdf"),
        Level="Level 2",
    )
    send_check(page, "First aid training", issued_on=today - timedelta(days=200), document=png("first-aid.png"))
    expect(page.locator("main")).to_contain_text("7 of 7")
    axe_check(page)
    screenshot(page, "3-every-check-sent")

    # Back to the listing: check the answers, send it and apply for accreditation at once.
    header(page).get_by_role("link", name="Your listings").click()
    page.get_by_role("link", name=f"Manage {NAME}").click()
    page.get_by_role("link", name="Check your answers and send your listing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending your listing")
    expect(page.locator("main")).to_contain_text(POSTCODE)
    axe_check(page)
    page.get_by_label(re.compile("^Apply to join the council.s accredited supplier list$")).check()
    screenshot(page, "3-check-answers")
    page.get_by_role("button", name="Send your listing to the council").click()
    banners = page.locator(".govuk-notification-banner--success")
    expect(banners.first).to_contain_text("has been sent to the council")
    expect(page.locator("main")).to_contain_text("You have applied to join the council's accredited supplier list")
    axe_check(page)
    screenshot(page, "3-sent")

    amara = Provider.objects.get(name=NAME)
    assert amara.status == Provider.Status.SUBMITTED
    assert amara.locality is not None
    assert amara.locality.name == "Wendlebury"
    assert Accreditation.objects.get(provider=amara).status == Accreditation.Status.APPLIED
    told = [message.subject for message in mail.outbox if commissioner_user.email in message.to]
    assert any(NAME in subject for subject in told), told  # the commissioners are told of the application
    header(page).get_by_role("button", name="Sign out").click()

    # 4. A commissioner reviews the evidence, verifies every check and accredits.
    EmailAddress.objects.create(user=commissioner_user, email=commissioner_user.email, verified=True, primary=True)
    sign_in_to_admin(page, live_site, commissioner_user.email)
    page.goto(live_site.url("/admin/vetting/"))
    results = page.locator("#listing-results")
    expect(results).to_contain_text("1 provider waiting for review")
    report_admin_violations(settled(page), axe_source, "review queue")
    screenshot(page, "4-queue")
    results.get_by_role("link", name=NAME).click()
    expect(page.get_by_role("heading", name=NAME, level=2)).to_be_visible()
    expect(page.locator("#checks-section")).to_contain_text("•••• •••• 6655")
    assert DBS_NUMBER not in page.content()
    report_admin_violations(settled(page), axe_source, "provider review")

    with page.expect_response(lambda response: response.url.endswith("/file/")) as document:
        page.get_by_role("link", name="View dbs-certificate.pdf").click()
    assert document.value.status == 200
    expect(page.get_by_role("heading", name="dbs-certificate.pdf", exact=True)).to_be_visible()
    report_admin_violations(settled(page), axe_source, "evidence viewer")
    screenshot(page, "4-evidence")
    assert EvidenceView.objects.filter(
        evidence__original_name="dbs-certificate.pdf", viewed_by=commissioner_user
    ).exists()
    page.get_by_role("link", name="Back to the review").click()

    verify_buttons = page.get_by_role("button", name=re.compile(r"^Verify "))
    expect(verify_buttons).to_have_count(7)
    for remaining in range(6, -1, -1):
        verify_buttons.first.click()
        expect(page.locator(".messages")).to_contain_text("verified. The provider has been told by email.")
        expect(verify_buttons).to_have_count(remaining)
    expect(page.locator("#decision-section")).to_contain_text("Every required check is verified and in date.")
    page.get_by_label("Accredit: add to the accredited supplier list").check()
    page.get_by_label("Reason").last.fill("Every document checked against the originals.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".messages")).to_contain_text(f"{NAME} is now accredited.")
    report_admin_violations(settled(page), axe_source, "after accrediting")
    screenshot(page, "4-accredited")
    amara.refresh_from_db()
    assert amara.status == Provider.Status.PUBLISHED
    assert amara.is_accredited
    page.context.clear_cookies()  # the commissioner leaves; the next visitor is anonymous

    # 5. Anyone searching finds her, accredited; the profile says what was checked and when.
    page.goto(live_site.url("/"))
    page.get_by_label("What support are you looking for?").fill("personal care")
    page.get_by_label("Postcode or town").fill("Wendlebury")
    page.get_by_role("button", name="Search").click()
    result = page.locator(".app-result", has_text=NAME)
    expect(accreditation_tag(result)).to_have_text("Accredited by the council")
    expect(result).to_contain_text("checks are verified and in date, accredited since")
    assert DBS_NUMBER not in page.content()
    axe_check(page)
    screenshot(page, "5-results")

    result.get_by_role("link", name=NAME).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.locator(".app-tags").first).to_contain_text("Accredited")
    checks = page.locator(".app-accreditation-checks")
    expect(checks.locator(".govuk-summary-list__row", has_text="Enhanced DBS check")).to_contain_text("Checked on")
    insurance_row = checks.locator(".govuk-summary-list__row", has_text="Public liability insurance")
    expect(insurance_row).to_contain_text(f"Valid until {insurance_expires:%-d %B %Y}")
    expect(checks).to_contain_text("Two references checked")
    html = page.content()
    for secret in (DBS_NUMBER, "6655", "Grace Whitfield", "PL-2093-77"):
        assert secret not in html
    axe_check(page)
    screenshot(page, "5-profile")
    profile_url = page.url

    # 6. 30 days before the insurance expires, the daily job reminds her.
    reminder_day = insurance_expires - timedelta(days=30)
    mail.outbox.clear()
    with time_machine.travel(at_nine(reminder_day)):
        call_command("accreditation_expiry_sweep", today=reminder_day.isoformat(), stdout=StringIO())
    reminders = [message for message in mail.outbox if EMAIL in message.to]
    assert len(reminders) == 1, [message.subject for message in mail.outbox]
    assert reminders[0].subject == f"Public liability insurance expires on {insurance_expires:%-d %B %Y}"

    # The day after it expires the badge goes, and she and the commissioners are told.
    lapse_day = insurance_expires + timedelta(days=1)
    mail.outbox.clear()
    with time_machine.travel(at_nine(lapse_day)):
        call_command("accreditation_expiry_sweep", today=lapse_day.isoformat(), stdout=StringIO())
        assert ProviderCheck.objects.get(provider=amara, check_type__code="public-liability-insurance").status == (
            ProviderCheck.Status.EXPIRED
        )
        assert Accreditation.objects.get(provider=amara).status == Accreditation.Status.LAPSED
        sent = [(address, message.subject) for message in mail.outbox for address in message.to]
        assert (EMAIL, "Public liability insurance has expired") in sent, sent
        assert (EMAIL, "Your accreditation has lapsed") in sent, sent
        assert (commissioner_user.email, f"Accreditation lapsed: {NAME}") in sent, sent

        page.goto(profile_url)
        expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
        expect(page.locator(".app-tags").first).to_contain_text("Not accredited")
        expect(page.locator(".app-accreditation-checks")).to_have_count(0)
        axe_check(page)
        screenshot(page, "6-profile-lapsed")

        page.goto(live_site.url("/directory/?q=personal+care&near=Wendlebury"))
        result = page.locator(".app-result", has_text=NAME)
        expect(accreditation_tag(result)).to_have_text("Not accredited by the council")
        axe_check(page)
        page.get_by_label(re.compile("^Accredited by the council")).check()
        page.get_by_role("button", name="Apply filters").click()
        expect(page.locator(".app-result", has_text=NAME)).to_have_count(0)
        axe_check(page)
        screenshot(page, "6-accredited-only")
