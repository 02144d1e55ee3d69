"""A personal assistant joins online payments: sets up with Stripe (the fake), leaves early and sees in plain
words what is still needed, finishes, and becomes "Can be paid online" on their page and public profile.
Stripe's webhooks reach the site on the way. Every page of ours passes axe-core.
"""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from fakestripe.testing import FakeStripeProcess
from marketplace.payments.models import PaymentAccount, StripeEvent
from marketplace.providers.models import Provider
from tests.browser.helpers import fake_stripe_for, sign_in_with_session
from tests.factories import ProviderFactory, ProviderMembershipFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def fake_stripe(live_site: Any, tmp_path: Path, settings: Any) -> Iterator[FakeStripeProcess]:
    with fake_stripe_for(live_site, tmp_path, settings) as running:
        yield running


@pytest.fixture
def pa_listing(live_site: Any, page: Page) -> Provider:
    """A published self-employed PA's listing, its owner signed in."""
    provider = ProviderFactory(kind=Provider.Kind.PERSONAL_ASSISTANT, name="Grace Obi", slug="grace-obi")
    user = UserFactory(email="grace.obi@example.org", first_name="Grace", last_name="Obi")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    ProviderMembershipFactory(provider=provider, user=user)
    sign_in_with_session(page, live_site, user)
    return provider


def wait_for_processed_events(account_id: str, at_least: int, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        processed = StripeEvent.objects.filter(account_id=account_id, processed_at__isnull=False).count()
        if processed >= at_least:
            return processed
        time.sleep(0.1)
    raise AssertionError(f"fewer than {at_least} processed events for {account_id}")


def test_a_pa_onboards_to_payments_and_can_be_paid_online(
    page: Page, live_site: Any, fake_stripe: FakeStripeProcess, pa_listing: Provider, axe_check: Any, screenshot: Any
) -> None:
    page.goto(live_site.url("/provider/"))
    page.get_by_role("link", name="Get paid online for Grace Obi").click()
    expect(page.get_by_role("heading", name="Get paid online")).to_be_visible()
    expect(page.get_by_text("These are demo payments. No real money moves.")).to_be_visible()
    expect(page.get_by_text("you are paid through their payroll, not online")).to_be_visible()
    expect(page.locator("#payment-status")).to_have_text("Not started")
    axe_check(page)
    screenshot(page, "payments-1-not-started")

    # To Stripe's hosted onboarding; leave before giving bank details.
    page.get_by_role("button", name="Set up online payments with Stripe").click()
    expect(page.get_by_role("button", name="Finish onboarding")).to_be_visible()
    screenshot(page, "payments-2-stripe-onboarding")
    page.get_by_role("button", name="Leave without giving bank details").click()

    expect(page.locator("#payment-status")).to_have_text("Not finished")
    still_needed = page.locator("#still-needed")
    expect(still_needed).to_contain_text("Your bank account details, so the money can be paid to you")
    expect(still_needed).to_contain_text("terms of service")
    expect(page.get_by_text("external_account")).to_have_count(0)
    axe_check(page)
    screenshot(page, "payments-3-still-needed")

    # Back to Stripe with a new link; finish this time.
    page.get_by_role("button", name="Continue with Stripe").click()
    page.get_by_role("button", name="Finish onboarding").click()
    expect(page.locator("#payment-status")).to_have_text("Can be paid online")
    expect(page.get_by_text("Stripe has everything it needs")).to_be_visible()
    axe_check(page)
    screenshot(page, "payments-4-can-be-paid-online")

    # Stripe's webhooks about the account reached the site and were processed.
    account = PaymentAccount.objects.get(provider=pa_listing)
    assert account.can_be_paid_online
    assert wait_for_processed_events(account.stripe_account_id, at_least=3) >= 3

    # The public sees it on the profile.
    page.goto(live_site.url("/directory/grace-obi/"))
    expect(page.get_by_text("Can be paid online")).to_be_visible()
    axe_check(page)
    screenshot(page, "payments-5-public-profile")
