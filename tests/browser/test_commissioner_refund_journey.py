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
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import Page, expect

from fakestripe.testing import TEST_SECRET_KEY, FakeStripeProcess
from marketplace.payments.models import Payment, Refund
from tests.browser.helpers import settled
from tests.factories import CommissionerFactory
from tests.payments.money_back import connected_provider_account, paid_payment

pytestmark = pytest.mark.browser

PLATFORM_SECRET = "whsec_browser_refund_platform"
CONNECT_SECRET = "whsec_browser_refund_connect"


@pytest.fixture
def fake_stripe(live_site: Any, tmp_path: Path, settings: Any) -> Iterator[FakeStripeProcess]:
    with FakeStripeProcess.start(
        tmp_path,
        "--webhook", f"{live_site.url('/payments/webhooks/stripe/')}={PLATFORM_SECRET}",
        "--connect-webhook", f"{live_site.url('/payments/webhooks/stripe/connect/')}={CONNECT_SECRET}",
        "--retry-base-seconds", "0.2",
    ) as running:  # fmt: skip
        settings.STRIPE_API_BASE = running.base_url
        settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
        settings.STRIPE_WEBHOOK_SECRET = PLATFORM_SECRET
        settings.STRIPE_CONNECT_WEBHOOK_SECRET = CONNECT_SECRET
        settings.PAYMENTS_ENABLED = True
        yield running


def sign_in(page: Page, live_site: Any, user: Any) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_site.url("/")}]
    )


def test_a_commissioner_refunds_part_of_a_payment_and_sees_it_in_the_payments_views(
    page: Page, live_site: Any, fake_stripe: FakeStripeProcess, axe_check: Any, screenshot: Any
) -> None:
    payment = paid_payment(account=connected_provider_account(fake_stripe, name="Grace Obi"), fee=300)
    sign_in(page, live_site, CommissionerFactory(email="commissioner@example.org"))

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

    payment.refresh_from_db()
    assert (payment.status, payment.refunded_pence) == (Payment.Status.PARTIALLY_REFUNDED, 1250)
    assert Refund.objects.get().ledger_transaction is not None
