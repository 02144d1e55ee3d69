"""One fake Stripe process for the session, with a webhook receiver for its platform and Connect endpoints.

Each test makes its own accounts and payments, so tests never see each other's objects except in
lists, which they filter by what they made.
"""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import stripe

from fakestripe.testing import FakeStripeProcess
from tests.fakestripe.receiver import WebhookReceiver

PLATFORM_SECRET = "whsec_test_platform"
CONNECT_SECRET = "whsec_test_connect"
PLATFORM_PATH = "/webhooks/stripe/"
CONNECT_PATH = "/webhooks/stripe/connect/"
CARD_PAID = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_DISPUTED = "4000000000000259"


@pytest.fixture(scope="session")
def receiver() -> Iterator[WebhookReceiver]:
    receiving = WebhookReceiver()
    yield receiving
    receiving.stop()


@pytest.fixture(scope="session")
def fake_stripe(tmp_path_factory: pytest.TempPathFactory, receiver: WebhookReceiver) -> Iterator[FakeStripeProcess]:
    running = FakeStripeProcess.start(
        tmp_path_factory.mktemp("fakestripe"),
        "--webhook", f"{receiver.url(PLATFORM_PATH)}={PLATFORM_SECRET}",
        "--connect-webhook", f"{receiver.url(CONNECT_PATH)}={CONNECT_SECRET}",
        "--retry-base-seconds", "0.2",
    )  # fmt: skip
    yield running
    running.stop()


@pytest.fixture
def client(fake_stripe: FakeStripeProcess) -> stripe.StripeClient:
    return fake_stripe.client()


def create_account(client: stripe.StripeClient, **extra: Any) -> stripe.Account:
    """A connected account the way the project makes them: controller properties, Express dashboard."""
    params: dict[str, Any] = {
        "controller": {
            "fees": {"payer": "application"},
            "losses": {"payments": "application"},
            "stripe_dashboard": {"type": "express"},
            "requirement_collection": "stripe",
        },
        "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
        "country": "GB",
        "email": "pa@example.com",
        **extra,
    }
    return client.v1.accounts.create(params=params)


@pytest.fixture
def onboarded_account(client: stripe.StripeClient, fake_stripe: FakeStripeProcess) -> stripe.Account:
    account = create_account(client)
    fake_stripe.helper("/_fake/onboarding", account=account.id)
    return client.v1.accounts.retrieve(account.id)


@pytest.fixture
def make_session(client: stripe.StripeClient) -> Callable[..., stripe.checkout.Session]:
    def make(
        destination: str | None, amount: int = 5000, fee: int | None = 100, **extra: Any
    ) -> stripe.checkout.Session:
        intent_data: dict[str, Any] = {"metadata": {"invoice": "INV-1"}}
        if destination is not None:
            intent_data["transfer_data"] = {"destination": destination}
        if fee is not None:
            intent_data["application_fee_amount"] = fee
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "gbp",
                        "unit_amount": amount,
                        "product_data": {"name": "Invoice INV-1"},
                    },
                    "quantity": 1,
                }
            ],
            "payment_intent_data": intent_data,
            "metadata": {"invoice": "INV-1"},
            "success_url": "http://127.0.0.1:8000/payments/done/?session={CHECKOUT_SESSION_ID}",
            "cancel_url": "http://127.0.0.1:8000/payments/cancelled/",
            **extra,
        }
        return client.v1.checkout.sessions.create(params=params)

    return make


def pay_on_page(fake_stripe: FakeStripeProcess, session: stripe.checkout.Session, card: str) -> Any:
    """Type the card into the hosted Checkout page, as a person would (without a browser)."""
    return fake_stripe.page(
        session.url or "",
        {"email": "holder@example.com", "name": "Pat Holder", "card_number": card, "expiry": "12/49", "cvc": "123"},
    )


def root() -> Path:
    return Path(__file__).resolve().parent
