"""Browser journey: a commissioner refunds part of an online payment and sees it in the payments views.

A holder paid a personal assistant £60 online (through the fake Stripe). The
commissioner finds the payment in "Online payments", first asks for more than
was paid (an error, nothing changes), then refunds £12.50 with a reason, and
sees the refund on the payment, in the list's totals and in the totals by
provider. Stripe's webhooks reach the site on the way and change nothing more.
Every page passes axe-core.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from fakestripe.testing import FakeStripeProcess
from marketplace.payments.models import Payment, Refund
from tests.browser.helpers import fake_stripe_for, settled, sign_in_with_session, webhooks_settled
from tests.factories import CommissionerFactory
from tests.payments.money_back import connected_provider_account, paid_payment

pytestmark = pytest.mark.browser


@pytest.fixture
def fake_stripe(live_site: Any, tmp_path: Path, settings: Any) -> Iterator[FakeStripeProcess]:
    with fake_stripe_for(live_site, tmp_path, settings) as running:
        yield running


def test_a_commissioner_refunds_part_of_a_payment_and_sees_it_in_the_payments_views(
    page: Page, live_site: Any, fake_stripe: FakeStripeProcess, axe_check: Any, screenshot: Any
) -> None:
    payment = paid_payment(account=connected_provider_account(fake_stripe, name="Grace Obi"), fee=300)
    webhooks_settled(fake_stripe)  # the live server shares SQLite's one connection with this test
    sign_in_with_session(page, live_site, CommissionerFactory(email="commissioner@example.org"))

    page.goto(live_site.url("/admin/"))
    page.get_by_role("link", name="Online payments").first.click()
    expect(page.get_by_role("heading", name="Online payments").first).to_be_visible()
    expect(page.locator("[data-total=amount]")).to_have_text("£60.00")
    axe_check(settled(page))
    screenshot(page, "payments-list")

    page.locator(f"a[href$='/online-payments/{payment.pk}/']").first.click()
    expect(page.get_by_text("Up to £60.00 can be refunded")).to_be_visible()
    axe_check(settled(page))

    page.get_by_label("Amount to refund, in pounds").fill("75")
    page.get_by_label("Why the money is going back").fill("Two visits were missed in March")
    page.get_by_role("button", name="Refund").click()
    expect(page.get_by_text("There is a problem").first).to_be_visible()
    expect(page.get_by_text("no more than the £60.00 that can still be refunded").first).to_be_visible()
    expect(page.get_by_label("Why the money is going back")).to_have_value("Two visits were missed in March")
    axe_check(settled(page))
    page.locator("#refund-section").scroll_into_view_if_needed()
    screenshot(page, "refund-too-much")
    webhooks_settled(fake_stripe)
    assert not Refund.objects.exists()

    page.get_by_label("Amount to refund, in pounds").fill("12.50")
    page.get_by_role("button", name="Refund").click()
    expect(page.get_by_text("£12.50 refunded to the card").first).to_be_visible()
    expect(page.locator("[data-payment-status]")).to_have_text("Partly refunded")
    expect(page.get_by_role("cell", name="Two visits were missed in March")).to_be_visible()
    expect(page.get_by_text("Up to £47.50 can be refunded")).to_be_visible()
    axe_check(settled(page))
    page.locator("#refunds").scroll_into_view_if_needed()
    screenshot(page, "refunded")

    page.get_by_role("link", name="All payments").click()
    expect(page.locator("[data-total=refunded]")).to_have_text("£12.50")
    expect(page.locator("[data-total=net]")).to_have_text("£47.50")
    axe_check(settled(page))
    screenshot(page, "payments-list-after")

    page.get_by_role("link", name="By provider").click()
    expect(page.get_by_role("cell", name="Grace Obi")).to_be_visible()
    axe_check(settled(page))
    screenshot(page, "by-provider")

    webhooks_settled(fake_stripe)
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_pence) == (Payment.Status.PARTIALLY_REFUNDED, 1250)
    assert Refund.objects.get().ledger_transaction is not None
