"""Browser journey: agreeing support from an enquiry, two weeks of hours, one week approved and one queried.

Margaret, who holds a direct payment, agrees support in writing with Hetal, a personal assistant who said
yes to her enquiry: the form is filled in from the enquiry, Margaret sends it (so she has accepted it), and
Hetal accepts it from her dashboard. Hetal records two weeks of visits (Tuesday and Thursday mornings).
David, Margaret's son, who holds the money right for her, approves the first week and queries a day of the
second; Hetal sees the query and the agreement page shows what is approved, waiting and queried.

The live server runs on the real clock (the browser's cookies need it), so the weeks are counted back from
the real day; the agreement has no bank holiday rate, so the amounts are the same whatever the weeks hold.
axe-core runs on every page visited; screenshots go to var/screenshots/.
"""

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import Browser, expect

from marketplace.accounts.models import RIGHT_FIELDS, ActingFor, right_fields
from marketplace.agreements.models import Agreement, TimesheetEntry
from marketplace.engagement import services as engagement
from marketplace.providers.models import Provider
from tests.browser.helpers import fill_date, signed_in_window
from tests.factories import (
    DirectPaymentHolderFactory,
    LocalityFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    ServiceTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

TUESDAY_AND_THURSDAY_MORNINGS = (1 << (1 * 4)) | (1 << (3 * 4))


def verified(user: Any) -> Any:
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def arranged(live_site: Any) -> dict[str, Any]:
    """Margaret's enquiry to Hetal, which Hetal said yes to; David acts for Margaret with every right."""
    locality = LocalityFactory(name="Wendlebury", slug="wendlebury")
    care = ServiceTypeFactory(name="Personal care", slug="personal-care", sort_order=1)
    hetal_listing = ProviderFactory(
        name="Hetal Makwana",
        slug="hetal-makwana",
        services=[care],
        locality=locality,
        kind=Provider.Kind.PERSONAL_ASSISTANT,
    )
    hetal = verified(UserFactory(email="hetal@pa.example", first_name="Hetal", last_name="Makwana"))
    ProviderMembershipFactory(provider=hetal_listing, user=hetal)
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
    today = timezone.localdate()
    first_monday = today - datetime.timedelta(days=today.weekday() + 14)
    enquiry = engagement.enquiry_send(
        holder=holder,
        providers=[hetal_listing],
        by=margaret,
        service=care,
        availability_mask=TUESDAY_AND_THURSDAY_MORNINGS,
        hours_per_week=6,
        start_on=first_monday,
        rate_pence=1550,
        message="I need help getting up on Tuesday and Thursday mornings.",
        today=first_monday - datetime.timedelta(days=7),
        now=timezone.now() - datetime.timedelta(days=today.weekday() + 21),
    )[0]
    engagement.enquiry_respond(enquiry=enquiry, by=hetal, decision=engagement.ACCEPT, message="Yes, I can help.")
    return {"enquiry": enquiry, "first_monday": first_monday}


def test_agree_support_log_two_weeks_approve_one_and_query_the_other(
    browser: Browser, live_site: Any, arranged: dict[str, Any], axe_check: Any, screenshot: Any
) -> None:
    enquiry, first_monday = arranged["enquiry"], arranged["first_monday"]
    visits = [first_monday + datetime.timedelta(days=offset) for offset in (1, 3, 8, 10)]  # Tue, Thu, Tue, Thu

    # 1. Margaret agrees the support from her enquiry: the form is filled in from it.
    margaret = signed_in_window(browser, live_site, "margaret@example.org", f"/your-support/enquiries/{enquiry.uuid}/")
    margaret.get_by_role("link", name="agree the support with Hetal Makwana").click()
    expect(margaret.get_by_label("Rate per hour or session")).to_have_value("15.50")
    expect(margaret.get_by_label("Hours or sessions a week")).to_have_value("6")
    expect(margaret.get_by_label("Tuesday morning")).to_be_checked()
    axe_check(margaret)
    margaret.get_by_label("Rate per hour or session").fill("")  # a mistake first: nothing else typed is lost
    margaret.get_by_label("What the rate includes (optional)").fill("Travel time")
    fill_date(margaret, "When does support start?", first_monday)
    margaret.get_by_role("button", name="Propose the agreement").click()
    expect(margaret.locator(".govuk-error-summary")).to_contain_text("Enter the rate")
    expect(margaret.get_by_label("What the rate includes (optional)")).to_have_value("Travel time")
    axe_check(margaret)
    margaret.get_by_label("Rate per hour or session").fill("15.50")
    margaret.get_by_label("The person employs the personal assistant").check()
    margaret.get_by_role("button", name="Propose the agreement").click()
    expect(margaret.locator("h1")).to_have_text("Hetal Makwana")
    expect(margaret.locator("main")).to_contain_text("Waiting to be agreed")
    axe_check(margaret)
    screenshot(margaret, "margaret-proposed")

    # 2. Hetal accepts it from her dashboard, then records two weeks of visits.
    hetal = signed_in_window(browser, live_site, "hetal@pa.example", "/provider/")
    hetal.get_by_role("link", name=re.compile(r"^Agreements, timesheets and invoices")).click()
    axe_check(hetal)
    hetal.get_by_role("link", name="Margaret Hollis").click()
    hetal.get_by_role("button", name="Accept version 1").click()
    expect(hetal.locator("main")).to_contain_text("The agreement in force (version 1)")
    axe_check(hetal)
    screenshot(hetal, "hetal-accepted")
    for day in visits:
        fill_date(hetal, "Day", day)
        hetal.get_by_label("Hours", exact=True).fill("3")
        hetal.get_by_role("button", name="Record").click()
        expect(hetal.locator(".govuk-notification-banner--success, .govuk-notification-banner")).to_contain_text(
            f"on {day:%-d %B %Y}"
        )
    axe_check(hetal)
    assert TimesheetEntry.objects.filter(status="submitted", amount_pence=4650).count() == 4
    screenshot(hetal, "hetal-two-weeks-recorded")

    # 3. David, who holds the money right, approves the first week and queries a day of the second.
    david = signed_in_window(browser, live_site, "david@example.org", "/your-support/")
    if david.get_by_role("heading", name="Whose support do you want to see?").is_visible():
        david.get_by_label("Margaret Hollis").check()
        david.get_by_role("button", name=re.compile("^Continue|^Show")).click()
    expect(david.locator("#agreements")).to_contain_text("Hetal Makwana")
    axe_check(david)
    screenshot(david, "david-your-support")
    david.locator("#agreements").get_by_role("link", name="Hetal Makwana").click()
    for day in visits[:2]:
        david.get_by_label(f"Approve {day:%A %-d %B}").check()
    axe_check(david)
    david.get_by_role("button", name="Approve selected").click()
    expect(david.locator("main")).to_contain_text("Approved 2 entries")
    david.get_by_role("link", name=f"Query {visits[3]:%A %-d %B}").click()
    axe_check(david)
    david.get_by_role("button", name="Send the query").click()  # empty first
    expect(david.locator(".govuk-error-summary")).to_contain_text("Enter a message")
    david.get_by_label("What is not right?").fill("Mum says you left at half past eleven that Thursday.")
    david.get_by_role("button", name="Send the query").click()
    expect(david.locator("main")).to_contain_text("Queried: 3.00 on")
    axe_check(david)
    screenshot(david, "david-approved-one-week-queried-the-other")

    agreement = Agreement.objects.get()
    statuses = {entry.worked_on: entry.status for entry in agreement.timesheet_entries.all()}
    assert statuses == {visits[0]: "approved", visits[1]: "approved", visits[2]: "submitted", visits[3]: "queried"}
    assert agreement.timesheet_entries.get(worked_on=visits[0]).decided_by.email == "david@example.org"
    assert agreement.versions.get().units_per_week == Decimal("6")

    # 4. Hetal sees the query and can answer it.
    hetal.reload()
    expect(hetal.locator("main")).to_contain_text("Mum says you left at half past eleven that Thursday.")
    axe_check(hetal)
    screenshot(hetal, "hetal-sees-the-query")
