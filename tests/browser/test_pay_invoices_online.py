"""A family member with the money right pays two approved invoices online on Stripe's hosted page (the fake)
with a test card; the money page's ledger shows it and the PA sees the payment coming. A declined card is
said plainly and changes nothing. Every page of ours passes axe-core.
"""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from fakestripe.testing import FakeStripeProcess
from marketplace.agreements.models import Invoice
from marketplace.budgets.models import LedgerTransaction
from marketplace.payments.models import Payment
from marketplace.providers.models import Provider
from tests.browser.helpers import fake_stripe_for, sign_in_with_session, webhooks_settled
from tests.factories import UserFactory
from tests.payments.paying import act_for, agreement_with, issue_invoice, make_holder, onboarded_provider

pytestmark = pytest.mark.browser


@pytest.fixture
def fake_stripe(live_site: Any, tmp_path: Path, settings: Any) -> Iterator[FakeStripeProcess]:
    # Platform events only: the account's own (Connect) events are the onboarding journey's.
    with fake_stripe_for(live_site, tmp_path, settings, connect=False) as running:
        yield running


@pytest.fixture
def world(fake_stripe: FakeStripeProcess) -> dict[str, Any]:
    holder = make_holder("Margaret Hollis")
    pa_user = UserFactory(email="grace.obi@example.org", first_name="Grace", last_name="Obi")
    provider, owner = onboarded_provider(fake_stripe, "Grace Obi", kind=Provider.Kind.PERSONAL_ASSISTANT, user=pa_user)
    agreement = agreement_with(holder, provider)
    return {
        "fake": fake_stripe,
        "holder": holder,
        "provider": provider,
        "owner": owner,
        "family": act_for(holder, "david@example.org", money=True),
        "invoices": [issue_invoice(agreement, total=6_000, own=500), issue_invoice(agreement, total=4_550)],
    }


def fill_card(page: Page, number: str) -> None:
    page.get_by_label("Email address").fill("david@example.org")
    page.get_by_label("Name on card").fill("David Hollis")
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry date").fill("12/49")
    page.get_by_label("Security code").fill("123")


def start_paying_the_first_invoice(page: Page, live_site: Any, world: dict[str, Any]) -> None:
    """The family member chooses the £60 invoice and goes on to Stripe's page."""
    first = world["invoices"][0]
    sign_in_with_session(page, live_site, world["family"])
    page.goto(live_site.url(f"/payments/holder/{world['holder'].uuid}/pay/"))
    page.get_by_label(f"Invoice {first.number}").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Pay £60.00 with Stripe").click()


def test_family_pays_two_invoices_online_and_the_ledger_and_the_pa_see_it(
    page: Page, live_site: Any, world: dict[str, Any], axe_check: Any, screenshot: Any
) -> None:
    holder, first, second = world["holder"], *world["invoices"]
    sign_in_with_session(page, live_site, world["family"])
    page.goto(live_site.url(f"/your-support/money/{holder.uuid}/"))
    page.get_by_role("link", name="Pay invoices online by card").click()

    expect(page.get_by_role("heading", name="Pay invoices online")).to_be_visible()
    expect(page.get_by_text("These are demo payments. No real money moves.")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Continue").click()  # nothing ticked
    expect(page.get_by_role("alert")).to_contain_text("Choose at least one invoice to pay")
    axe_check(page)
    screenshot(page, "pay-1-nothing-chosen")

    page.get_by_label(f"Invoice {first.number}").check()
    page.get_by_label(f"Invoice {second.number}").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#total")).to_have_text("£105.50")
    expect(page.locator("#stripe-fee")).to_contain_text("Paid by the council")
    axe_check(page)
    screenshot(page, "pay-2-check-and-pay")

    page.get_by_role("button", name="Pay £105.50 with Stripe").click()
    expect(page.get_by_role("heading", name="Pay £105.50")).to_be_visible()
    screenshot(page, "pay-3-stripe-checkout")
    fill_card(page, "4242 4242 4242 4242")
    started = time.monotonic()
    page.get_by_role("button", name="Pay £105.50").click()

    expect(page.get_by_role("heading", name="Payment complete")).to_be_visible()
    print(f"\nFrom 'Pay' on Stripe's page to the ledger updated, on our page: {time.monotonic() - started:.2f} s")
    webhooks_settled(world["fake"])
    assert LedgerTransaction.objects.filter(holder=holder, kind="invoice_payment").count() == 2
    axe_check(page)
    screenshot(page, "pay-4-complete")

    page.get_by_role("link", name="the money page").click()
    recent = page.locator("#recent")
    expect(recent).to_contain_text(first.number)
    expect(recent).to_contain_text(second.number)
    expect(page.get_by_text("No invoices waiting to be paid.")).to_be_visible()
    axe_check(page)
    screenshot(page, "pay-5-money-page")
    payment = Payment.objects.get()
    assert set(Invoice.objects.values_list("paid_reference", flat=True)) == {payment.stripe_payment_intent_id}

    # The PA sees the payment on their Get paid online page, with when the money should arrive.
    sign_in_with_session(page, live_site, world["owner"])
    page.goto(live_site.url(f"/payments/provider/{world['provider'].uuid}/"))
    incoming = page.locator("#incoming-payments")
    expect(incoming).to_contain_text(first.number)
    expect(incoming).to_contain_text("Paid")
    expect(incoming).to_contain_text("In your Stripe balance on")
    axe_check(page)
    screenshot(page, "pay-6-pa-sees-it")


def test_a_declined_card_is_said_plainly_and_nothing_changes(
    page: Page, live_site: Any, world: dict[str, Any], axe_check: Any, screenshot: Any
) -> None:
    holder, first, _ = world["holder"], *world["invoices"]
    start_paying_the_first_invoice(page, live_site, world)

    fill_card(page, "4000 0000 0000 0002")
    page.get_by_role("button", name="Pay £60.00").click()
    expect(page.get_by_role("alert")).to_contain_text("Your card was declined")
    page.get_by_role("link", name="Go back without paying").click()

    expect(page.locator("#payment-state")).to_contain_text("The card was declined, so nothing was taken.")
    expect(page.get_by_role("button", name="Continue to pay")).to_be_visible()
    axe_check(page)
    screenshot(page, "declined")
    webhooks_settled(world["fake"])
    assert not LedgerTransaction.objects.filter(holder=holder).exists()
    first.refresh_from_db()
    assert first.status == Invoice.Status.PAYABLE
    assert Payment.objects.get().status == Payment.Status.OPEN


def test_the_family_cancels_a_payment_they_started_and_the_invoice_can_be_paid_again(
    page: Page, live_site: Any, world: dict[str, Any], axe_check: Any, screenshot: Any
) -> None:
    holder, first, _ = world["holder"], *world["invoices"]
    start_paying_the_first_invoice(page, live_site, world)
    page.get_by_role("link", name="Go back without paying").click()
    expect(page.locator("#payment-state")).to_contain_text("page without paying.")

    page.get_by_role("link", name="Cancel this payment").click()
    expect(page.get_by_role("heading", name="Cancel the payment of £60.00 to Grace Obi?")).to_be_visible()
    axe_check(page)
    screenshot(page, "cancel-1-question")
    page.get_by_role("button", name="Cancel the payment").click()

    expect(page.locator("#payment-state")).to_contain_text("You cancelled this payment, so nothing was taken.")
    expect(page.locator("#payment-status")).to_have_text("Cancelled")
    expect(page.get_by_role("button", name="Continue to pay")).to_have_count(0)
    axe_check(page)
    screenshot(page, "cancel-2-cancelled")
    webhooks_settled(world["fake"])
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.CANCELLED
    assert not LedgerTransaction.objects.filter(holder=holder).exists()

    page.get_by_role("link", name="choose invoices to pay").click()
    page.get_by_label(f"Invoice {first.number}").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#total")).to_have_text("£60.00")
