"""A fake Stripe for the payments tests, with the site's settings pointed at it.

The fake delivers its webhooks to a small receiver; tests hand those signed
deliveries to our endpoints (as often and in whatever order they like), so the
events, payloads and signatures are exactly what Stripe's would be.
"""

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from fakestripe.testing import TEST_SECRET_KEY, FakeStripeProcess, free_port
from tests.fakestripe.receiver import Received, WebhookReceiver

PLATFORM_SECRET = "whsec_payments_platform"
CONNECT_SECRET = "whsec_payments_connect"
PLATFORM_PATH = "/payments/webhooks/stripe/"
CONNECT_PATH = "/payments/webhooks/stripe/connect/"


@pytest.fixture(scope="session")
def payments_receiver() -> Iterator[WebhookReceiver]:
    receiving = WebhookReceiver()
    yield receiving
    receiving.stop()


@pytest.fixture(scope="session")
def payments_fake(
    tmp_path_factory: pytest.TempPathFactory, payments_receiver: WebhookReceiver
) -> Iterator[FakeStripeProcess]:
    running = FakeStripeProcess.start(
        tmp_path_factory.mktemp("payments-fakestripe"),
        "--webhook", f"{payments_receiver.url(PLATFORM_PATH)}={PLATFORM_SECRET}",
        "--connect-webhook", f"{payments_receiver.url(CONNECT_PATH)}={CONNECT_SECRET}",
        "--retry-base-seconds", "0.2",
    )  # fmt: skip
    yield running
    running.stop()


@pytest.fixture
def stripe_settings(settings: Any, payments_fake: FakeStripeProcess) -> FakeStripeProcess:
    """The site talks to the fake with these keys and secrets."""
    settings.STRIPE_API_BASE = payments_fake.base_url
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = PLATFORM_SECRET
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = CONNECT_SECRET
    settings.PAYMENTS_ENABLED = True
    return payments_fake


@pytest.fixture
def stripe_down(settings: Any) -> None:
    """Stripe unreachable: nothing listens on this port."""
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = PLATFORM_SECRET
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = CONNECT_SECRET
    settings.PAYMENTS_ENABLED = True


def deliveries_for(
    receiver: WebhookReceiver, account_id: str, *, at_least: int, timeout: float = 15.0
) -> list[Received]:
    """The Connect deliveries about one account, in the order the fake sent them (waits for `at_least`)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [
            item
            for item in list(receiver.received)
            if item.path == CONNECT_PATH and f'"account": "{account_id}"' in item.payload
        ]
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def deliver(client: Client, delivery: Received) -> Any:
    """Hand one of the fake's signed deliveries to our endpoint, byte for byte."""
    return client.post(
        delivery.path, data=delivery.payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=delivery.signature
    )


def platform_deliveries(
    receiver: WebhookReceiver, object_id: str, *, types: tuple[str, ...], at_least: int, timeout: float = 15.0
) -> list[Received]:
    """The platform deliveries of these event types that mention an object (a session or an intent), in order."""
    deadline = time.monotonic() + timeout
    while True:
        found = [
            item
            for item in list(receiver.received)
            if item.path == PLATFORM_PATH
            and object_id in item.payload
            and any(f'"type": "{kind}"' in item.payload for kind in types)
        ]
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.05)
