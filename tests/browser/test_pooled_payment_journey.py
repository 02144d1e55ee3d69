"""Browser journey: three people share a day out with one PA who can be paid online; each side pays its own share.

Grace Obi (a personal assistant) has an agreement with Ann, shared with Ben and Cath from today. Grace
records 7 hours at £14.29 (£100.03), Ann approves it and it is invoiced: three invoices, one a person, in one
transfer group. Ann pays her own share; Nadia (Ben's money manager) pays Ben's; David (Cath's family, with the
money right) pays Cath's. Each pays on Stripe's hosted page (the fake) with a test card. Then the database
must show three succeeded payments in the one transfer group, each holder's ledger holding only their own
share, the shares adding up to the whole, and one transfer to Grace for each share. Grace sees all three.

The live server runs on the real clock, so the days are counted from the real day. The live server shares
the test's SQLite connection, so the test reads the database only once the fake has no webhook in flight.
axe-core runs on every page of ours; screenshots go to var/screenshots/.
"""

import datetime
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from fakestripe.testing import FakeStripeProcess
from marketplace.accounts.models import User
from marketplace.agreements import pools, services
from marketplace.agreements.models import Agreement, Invoice
from marketplace.budgets.models import LedgerTransaction
from marketplace.payments import tasks
from marketplace.payments.models import Payment, PaymentAccount
from marketplace.providers.models import Provider
from tests.browser.helpers import fake_stripe_for, sign_in_with_session, webhooks_settled
from tests.factories import ServiceTypeFactory, UserFactory
from tests.payments.paying import act_for, make_holder, onboarded_provider

pytestmark = pytest.mark.browser

SATURDAY_ALL_DAY = (1 << (5 * 4)) | (1 << (5 * 4 + 1)) | (1 << (5 * 4 + 2))
RATE_PENCE = 1429
HOURS = 7
WHOLE_PENCE = RATE_PENCE * HOURS  # £100.03: shares of £33.35, £33.34 and £33.34


@pytest.fixture
def fake_stripe(live_site: Any, tmp_path: Path, settings: Any) -> Iterator[FakeStripeProcess]:
    # Platform events only: the account's own (Connect) events are the onboarding journey's.
    with fake_stripe_for(live_site, tmp_path, settings, connect=False) as running:
        yield running


@pytest.fixture
def pooled(fake_stripe: FakeStripeProcess) -> dict[str, Any]:
    pa_user = UserFactory(email="grace.obi@example.org", first_name="Grace", last_name="Obi")
    provider, grace = onboarded_provider(fake_stripe, "Grace Obi", kind=Provider.Kind.PERSONAL_ASSISTANT, user=pa_user)
    ann, ben, cath = make_holder("Ann Archer"), make_holder("Ben Baker"), make_holder("Cath Cole")
    assert ann.user is not None
    payers: dict[int, User] = {
        ann.pk: ann.user,
        ben.pk: act_for(ben, "nadia@example.org", money=True),
        cath.pk: act_for(cath, "david@example.org", money=True),
    }
    today, now = timezone.localdate(), timezone.now()
    terms = services.AgreementTerms(
        services=[ServiceTypeFactory(name="Days out", slug="days-out")],
        availability_mask=SATURDAY_ALL_DAY,
        unit="hour",
        units_per_week=Decimal(HOURS),
        rate_pence=RATE_PENCE,
        start_on=today - datetime.timedelta(days=7),
        employment=Agreement.Employment.SELF_EMPLOYED,
    )
    agreement = services.agreement_propose(
        holder=ann, provider=provider, by=ann.user, side="holder", terms=terms, now=now
    )
    services.agreement_accept(agreement=agreement, version_number=1, by=grace, side="provider", now=now)
    for holder in (ben, cath):
        member = pools.pool_invite(
            agreement=agreement, holder=holder, by=grace, side="provider", shares_from=today, today=today, now=now
        )
        pools.pool_join(member=member, by=payers[holder.pk], today=today, now=now)
    entry = services.timesheet_record(
        agreement=agreement, by=grace, worked_on=today, quantity=Decimal(HOURS), today=today, now=now
    )
    services.timesheet_approve(entry=entry, by=payers[ann.pk], now=now)
    invoices = services.invoices_issue(agreement=agreement, by=grace, up_to=today, today=today, now=now)
    return {
        "fake": fake_stripe,
        "provider": provider,
        "grace": grace,
        "holders": (ann, ben, cath),
        "payers": payers,
        "invoices": {invoice.holder_id: invoice for invoice in invoices},
    }


def pounds(pence: int) -> str:
    return f"£{pence // 100}.{pence % 100:02d}"


def pay_share(
    page: Page, live_site: Any, invoice: Invoice, payer: Any, axe_check: Any, screenshot: Any, name: str
) -> None:
    """On the money page's pay link: tick the one share, check, pay on the hosted page, land on Payment complete."""
    page.goto(live_site.url(f"/your-support/money/{invoice.holder.uuid}/"))
    axe_check(page)
    page.get_by_role("link", name="Pay invoices online by card").click()
    expect(page.get_by_role("heading", name="Pay invoices online")).to_be_visible()
    axe_check(page)
    page.get_by_label(f"Invoice {invoice.number}").check()
    page.get_by_role("button", name="Continue").click()
    amount = pounds(invoice.total_pence)
    expect(page.locator("#total")).to_have_text(amount)
    axe_check(page)
    screenshot(page, f"pooled-pay-{name}-check")
    page.get_by_role("button", name=f"Pay {amount} with Stripe").click()
    expect(page.get_by_role("heading", name=f"Pay {amount}")).to_be_visible()
    page.get_by_label("Email address").fill(payer.email)
    page.get_by_label("Name on card").fill(payer.get_full_name() or name.title())
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry date").fill("12/49")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name=f"Pay {amount}").click()
    expect(page.get_by_role("heading", name="Payment complete")).to_be_visible()
    axe_check(page)
    screenshot(page, f"pooled-pay-{name}-complete")


def test_three_sides_each_pay_their_own_share_and_grace_is_paid_each_share_once(
    page: Page, live_site: Any, pooled: dict[str, Any], axe_check: Any, screenshot: Any
) -> None:
    fake, invoices, payers = pooled["fake"], pooled["invoices"], pooled["payers"]
    ann, ben, cath = pooled["holders"]
    group = invoices[ann.pk].transfer_group
    assert group
    assert {invoice.transfer_group for invoice in invoices.values()} == {group}
    assert sorted(invoice.total_pence for invoice in invoices.values()) == [3334, 3334, 3335]
    page.set_default_navigation_timeout(30_000)
    page.context.set_default_timeout(15_000)

    for holder, name in ((ann, "ann"), (ben, "nadia-for-ben"), (cath, "david-for-cath")):
        sign_in_with_session(page, live_site, payers[holder.pk])
        invoice = invoices[holder.pk]
        pay_share(page, live_site, invoice, payers[holder.pk], axe_check, screenshot, name)
        # Only their own share waits no more; the others' numbers never appear on their pages.
        page.goto(live_site.url(f"/your-support/money/{holder.uuid}/"))
        recent = page.locator("#recent")
        expect(recent).to_contain_text(invoice.number)
        for other in invoices.values():
            if other.pk != invoice.pk:
                expect(page.locator("main")).not_to_contain_text(other.number)
        axe_check(page)
        screenshot(page, f"pooled-pay-{name}-money-page")
        webhooks_settled(fake)

    # Every share's payment succeeded, in the period's one transfer group, each for its own holder.
    payments = list(Payment.objects.prefetch_related("items"))
    assert len(payments) == 3
    for payment in payments:
        assert payment.status == Payment.Status.SUCCEEDED
        assert payment.transfer_group == group
        (item,) = payment.items.all()
        assert item.invoice_id == invoices[payment.holder_id].pk
        assert payment.amount_pence == invoices[payment.holder_id].total_pence
    assert sum(payment.amount_pence for payment in payments) == WHOLE_PENCE
    # Each holder's ledger holds their own share's payment and nobody else's.
    for holder in (ann, ben, cath):
        paid = LedgerTransaction.objects.filter(holder=holder, kind=LedgerTransaction.Kind.INVOICE_PAYMENT)
        assert list(paid.values_list("invoice_id", flat=True)) == [invoices[holder.pk].pk]
    for invoice in invoices.values():
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID

    # The transfers ran once each on the paid hook (Celery eager in tests); the sweep finds nothing more to do.
    assert all(payment.stripe_transfer_id for payment in Payment.objects.all())
    assert tasks.transfer_pending_pooled_shares() == 0
    transfers = fake.client().v1.transfers.list(params={"transfer_group": group}).data
    assert len(transfers) == 3
    assert {transfer.id for transfer in transfers} == set(Payment.objects.values_list("stripe_transfer_id", flat=True))
    charges = {payment.stripe_charge_id for payment in payments}
    assert {transfer.source_transaction for transfer in transfers} == charges
    account = PaymentAccount.objects.get(provider=pooled["provider"]).stripe_account_id
    assert {transfer.destination for transfer in transfers} == {account}
    fees = sum(payment.application_fee_pence for payment in payments)
    assert sum(transfer.amount for transfer in transfers) == WHOLE_PENCE - fees

    # Grace sees the three payments coming on her Get paid online page.
    sign_in_with_session(page, live_site, pooled["grace"])
    page.goto(live_site.url(f"/payments/provider/{pooled['provider'].uuid}/"))
    incoming = page.locator("#incoming-payments")
    for invoice in invoices.values():
        expect(incoming).to_contain_text(invoice.number)
    axe_check(page)
    screenshot(page, "pooled-pay-grace-sees-three")
