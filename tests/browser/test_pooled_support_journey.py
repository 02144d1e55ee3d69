"""Browser journey: three people share a day out with one day service, each pays only their own share, one leaves.

Greenway Day Services already has an agreement with Ann (agreed a week ago). Ben and Cath have each sent it
an enquiry. Greenway's Gill invites them both to share Ann's agreement for a day out; Ben's money is managed
by Nadia, who joins for him; Cath joins herself. Gill records the day out (6 sessions), Ann approves it and
Gill invoices it: three invoices, one a person, in one transfer group. Each of the three sees only their own
invoice and the others as "another person". Then Cath stops sharing and asks for her own agreement.

The live server runs on the real clock, so the days are counted from the real day. axe-core runs on every
page visited; screenshots go to var/screenshots/.
"""

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from marketplace.accounts.models import ActingFor
from marketplace.agreements import services
from marketplace.agreements.models import Agreement, Invoice, PoolMember
from marketplace.engagement import services as engagement
from marketplace.providers.models import Provider
from tests.browser.helpers import signed_in_window
from tests.browser.test_agreement_journey import verified
from tests.factories import (
    DirectPaymentHolderFactory,
    LocalityFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    ServiceTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

SATURDAY_ALL_DAY = (1 << (5 * 4)) | (1 << (5 * 4 + 1)) | (1 << (5 * 4 + 2))


@pytest.fixture
def arranged(live_site: Any) -> dict[str, Any]:
    locality = LocalityFactory(name="Wendlebury", slug="wendlebury")
    outings = ServiceTypeFactory(name="Days out", slug="days-out", sort_order=1)
    greenway = ProviderFactory(
        name="Greenway Day Services", slug="greenway", services=[outings], locality=locality,
        kind=Provider.Kind.DAY_SERVICE,
    )  # fmt: skip
    gill = verified(UserFactory(email="gill@greenway.example", first_name="Gill", last_name="Green"))
    ProviderMembershipFactory(provider=greenway, user=gill)
    people = {}
    for first, last, signs_in in (("Ann", "Archer", True), ("Ben", "Baker", False), ("Cath", "Cole", True)):
        user = (
            verified(UserFactory(email=f"{first.lower()}@example.org", first_name=first, last_name=last))
            if signs_in
            else None
        )
        people[first] = DirectPaymentHolderFactory(user=user, display_name=f"{first} {last}", locality=locality)
    nadia = verified(UserFactory(email="nadia@example.org", first_name="Nadia", last_name="Khan"))
    ActingFor.objects.create(
        agent=nadia,
        holder=people["Ben"],
        relationship=ActingFor.Relationship.MONEY_MANAGER,
        started_on=datetime.date(2025, 1, 1),
        may_see_money=True,
        may_agree_support=True,
    )
    today = timezone.localdate()
    now = timezone.now()
    for first, by in (("Ben", nadia), ("Cath", people["Cath"].user)):
        engagement.enquiry_send(
            holder=people[first], providers=[greenway], by=by, service=outings, availability_mask=SATURDAY_ALL_DAY,
            hours_per_week=6, start_on=today, rate_pence=9000, message="Could I join the Saturday days out?",
            today=today, now=now,
        )  # fmt: skip
    terms = services.AgreementTerms(
        services=[outings],
        availability_mask=SATURDAY_ALL_DAY,
        unit="session",
        units_per_week=services.Decimal("6"),
        rate_pence=1500,
        start_on=today - datetime.timedelta(days=7),
        employment=Agreement.Employment.ORGANISATION,
        topup_pence=150,
    )
    agreement = services.agreement_propose(
        holder=people["Ann"], provider=greenway, by=people["Ann"].user, side="holder", terms=terms, now=now
    )
    services.agreement_accept(agreement=agreement, version_number=1, by=gill, side="provider", now=now)
    return {"agreement": agreement, "people": people, "today": today}


def test_three_people_share_a_day_out_each_sees_only_their_share_and_one_leaves(
    browser: Browser, live_site: Any, arranged: dict[str, Any], axe_check: Any, screenshot: Any
) -> None:
    agreement, people, today = arranged["agreement"], arranged["people"], arranged["today"]
    holder_path = f"/your-support/agreements/{agreement.uuid}/"

    # 1. Gill invites Ben and Cath, from the people who have sent Greenway an enquiry.
    gill = signed_in_window(browser, live_site, "gill@greenway.example", f"/provider/agreements/{agreement.uuid}/")
    gill.get_by_role("link", name="Invite someone to share this support").click()
    expect(gill.get_by_role("heading", level=1)).to_have_text("Invite someone to share this support")
    axe_check(gill)
    gill.get_by_role("button", name="Send the invitation").click()  # nobody chosen first
    expect(gill.locator(".govuk-error-summary")).to_contain_text("Select the person to invite.")
    axe_check(gill)
    screenshot(gill, "gill-invite-error")
    for name in ("Ben Baker", "Cath Cole"):
        if not gill.get_by_label(name).is_visible():
            gill.get_by_role("link", name="Invite someone to share this support").click()
        gill.get_by_label(name).check()
        gill.get_by_role("button", name="Send the invitation").click()
        expect(gill.locator("main")).to_contain_text(f"We have asked {name} to join the shared support.")
    axe_check(gill)
    screenshot(gill, "gill-invited-two")

    # 2. Nadia joins for Ben; Cath joins herself. Neither sees anyone else's name.
    nadia = signed_in_window(browser, live_site, "nadia@example.org", holder_path)
    expect(nadia.locator("#pool")).to_contain_text("Another person")
    axe_check(nadia)
    screenshot(nadia, "nadia-invited")
    nadia.get_by_role("button", name="Join the shared support for Ben Baker").click()
    expect(nadia.locator("main")).to_contain_text("Ben Baker now shares this support.")
    cath = signed_in_window(browser, live_site, "cath@example.org", holder_path)
    cath.get_by_role("button", name="Join the shared support for Cath Cole").click()
    expect(cath.locator("#pool")).to_contain_text("33.33%")
    expect(cath.locator("main")).not_to_contain_text("Ann Archer")
    expect(cath.locator("main")).not_to_contain_text("Ben Baker")
    axe_check(cath)

    # 3. Gill records the day out (6 sessions at £15, £1.50 of each from the person's own money); Ann approves.
    gill.goto(live_site.url(f"/provider/agreements/{agreement.uuid}/"))
    gill.get_by_label("Sessions", exact=True).fill("6")
    gill.get_by_role("button", name="Record").click()
    expect(gill.locator("main")).to_contain_text(": £90.00")
    ann = signed_in_window(browser, live_site, "ann@example.org", holder_path)
    ann.get_by_label(f"Approve {today:%A %-d %B}").check()
    ann.get_by_role("button", name="Approve selected").click()
    expect(ann.locator("main")).to_contain_text("Approved 1 entry")
    gill.reload()
    gill.get_by_role("button", name="Issue an invoice").click()
    expect(gill.locator("main")).to_contain_text("3 invoices issued, one for each person's share, £90.00 in all.")
    axe_check(gill)
    screenshot(gill, "gill-three-invoices")
    invoices = {invoice.holder.display_name: invoice for invoice in Invoice.objects.select_related("holder")}
    assert {invoice.total_pence for invoice in invoices.values()} == {3000}
    assert len({invoice.transfer_group for invoice in invoices.values()}) == 1

    # 4. Each sees only their own share's invoice.
    for page, own in ((ann, "Ann Archer"), (nadia, "Ben Baker"), (cath, "Cath Cole")):
        page.goto(live_site.url(holder_path))
        main = page.locator("main")
        expect(main).to_contain_text(invoices[own].number)
        for other, invoice in invoices.items():
            if other != own:
                expect(main).not_to_contain_text(invoice.number)
        axe_check(page)
        screenshot(page, f"{own.split()[0].lower()}-sees-own-share")
    nadia.get_by_role("link", name=invoices["Ben Baker"].number).click()
    expect(nadia.locator("main")).to_contain_text("£30.00")
    expect(nadia.locator("main")).to_contain_text("This is one share of £90.00 of support shared with other people")
    axe_check(nadia)
    screenshot(nadia, "nadia-bens-invoice")
    response = nadia.goto(live_site.url(f"/invoices/{invoices['Cath Cole'].uuid}/"))
    assert response is not None
    assert response.status == 404

    # 5. Cath stops sharing after today and asks for her own agreement on the same terms.
    cath.goto(live_site.url(holder_path))
    cath.get_by_role("link", name=re.compile("^Stop sharing this support")).click()
    axe_check(cath)
    cath.get_by_label("Ask the provider for an individual agreement on the same terms").check()
    cath.get_by_role("button", name="Stop sharing").click()
    expect(cath.locator("main")).to_contain_text("An individual agreement on the same terms is proposed")
    expect(cath.locator("h1")).to_have_text("Greenway Day Services")
    axe_check(cath)
    screenshot(cath, "cath-own-agreement-proposed")
    assert PoolMember.objects.get(holder=people["Cath"], agreement=agreement).status == PoolMember.Status.LEFT
    ann.goto(live_site.url(holder_path))
    expect(ann.locator("#pool")).to_contain_text("50%")
    axe_check(ann)
    screenshot(ann, "ann-after-cath-left")
