"""Signed webhooks: stripe.Webhook.construct_event accepts them, and a receiver that was down gets them later."""

import hashlib
import hmac
import time
from pathlib import Path

import pytest
import stripe

from fakestripe.testing import FakeStripeProcess, free_port
from fakestripe.webhooks import signature_header
from tests.fakestripe.conftest import CONNECT_PATH, CONNECT_SECRET, PLATFORM_PATH, PLATFORM_SECRET
from tests.fakestripe.receiver import WebhookReceiver


def test_every_delivery_verifies_with_its_endpoints_secret_and_no_other(
    client: stripe.StripeClient, fake_stripe: FakeStripeProcess, receiver: WebhookReceiver
) -> None:
    intent = client.v1.payment_intents.create(params={"amount": 700, "currency": "gbp"})
    receiver.wait_for(PLATFORM_PATH, PLATFORM_SECRET, lambda event: event.data.object["id"] == intent.id)
    delivered = [item for item in receiver.received if intent.id in item.payload]

    event = stripe.Webhook.construct_event(delivered[0].payload, delivered[0].signature, PLATFORM_SECRET)
    assert event.type == "payment_intent.created"
    assert client.v1.events.retrieve(event.id).type == "payment_intent.created"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(delivered[0].payload, delivered[0].signature, CONNECT_SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(
            delivered[0].payload.replace("700", "1"), delivered[0].signature, PLATFORM_SECRET
        )


def test_the_signature_is_stripes_scheme() -> None:
    header = signature_header('{"id": "evt_1"}', "whsec_x", 1_700_000_000)

    expected = hmac.new(b"whsec_x", b'1700000000.{"id": "evt_1"}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_connect_events_go_only_to_the_connect_endpoint_and_carry_the_account(
    client: stripe.StripeClient, fake_stripe: FakeStripeProcess, receiver: WebhookReceiver
) -> None:
    account = client.v1.accounts.create(params={"capabilities": {"transfers": {"requested": True}}})
    fake_stripe.helper("/_fake/onboarding", account=account.id)

    event = receiver.wait_for(CONNECT_PATH, CONNECT_SECRET, lambda event: event.to_dict().get("account") == account.id)

    assert event.type in {"account.updated", "capability.updated"}
    assert all(account.id not in item.payload for item in receiver.received if item.path == PLATFORM_PATH)
    listed = client.v1.events.list(params={"type": "account.updated"}, options={"stripe_account": account.id})
    assert [item.account for item in listed.data] == [account.id]


def test_events_are_listed_by_type_and_time(client: stripe.StripeClient) -> None:
    intent = client.v1.payment_intents.create(params={"amount": 800, "currency": "gbp"})

    listed = client.v1.events.list(
        params={"type": "payment_intent.*", "created": {"gte": intent.created}, "limit": 100}
    )

    assert intent.id in [event.data.object["id"] for event in listed.data]
    assert all(event.type.startswith("payment_intent.") for event in listed.data)


def test_a_receiver_that_was_down_or_failing_gets_the_event_on_a_retry(tmp_path: Path) -> None:
    port = free_port()  # nothing listens here yet
    with FakeStripeProcess.start(
        tmp_path, "--webhook", f"http://127.0.0.1:{port}/hook={PLATFORM_SECRET}", "--retry-base-seconds", "0.3"
    ) as fake:
        intent = fake.client().v1.payment_intents.create(params={"amount": 900, "currency": "gbp"})
        time.sleep(1.0)  # a few attempts fail: connection refused
        receiver = WebhookReceiver(port, answer=500)  # then it is up but failing
        try:
            deadline = time.monotonic() + 15
            while not receiver.received and time.monotonic() < deadline:
                time.sleep(0.05)
            assert receiver.received, "no retry reached the receiver once it was up"
            receiver.answer = 200
            deadline = time.monotonic() + 15
            log: list[dict] = []
            while time.monotonic() < deadline:
                log = fake.helper("/_fake/deliveries", method="GET")["data"]
                if log and log[0]["delivered"]:
                    break
                time.sleep(0.1)
        finally:
            receiver.stop()
    (entry,) = log  # the one event: payment_intent.created
    assert entry["delivered"] is True
    assert entry["last_result"] == "200"
    answered = [item for item in receiver.received if intent.id in item.payload]
    statuses = [item.answered for item in answered]
    assert len(statuses) >= 2
    assert statuses == [500] * (len(statuses) - 1) + [200]  # answered 500 at least once, then 200 once
    assert entry["attempts"] > len(answered)  # and refused while nothing listened
    assert (
        stripe.Webhook.construct_event(answered[-1].payload, answered[-1].signature, PLATFORM_SECRET).id
        == (entry["event"])
    )


def test_a_delivery_is_given_up_after_the_last_attempt(tmp_path: Path) -> None:
    nothing_listens = free_port()
    with FakeStripeProcess.start(
        tmp_path,
        "--webhook", f"http://127.0.0.1:{nothing_listens}/hook={PLATFORM_SECRET}",
        "--retry-base-seconds", "0.1",
        "--max-attempts", "3",
    ) as fake:  # fmt: skip
        fake.client().v1.payment_intents.create(params={"amount": 900, "currency": "gbp"})
        deadline = time.monotonic() + 15
        log: list[dict] = []
        while time.monotonic() < deadline:
            log = fake.helper("/_fake/deliveries", method="GET")["data"]
            if log and log[0]["abandoned"]:
                break
            time.sleep(0.1)
        time.sleep(0.5)
        after_waiting = fake.helper("/_fake/deliveries", method="GET")["data"]

    assert [(item["attempts"], item["delivered"], item["abandoned"]) for item in log] == [(3, False, True)]
    assert after_waiting[0]["attempts"] == 3
