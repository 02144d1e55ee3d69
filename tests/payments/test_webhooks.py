"""Stripe's webhooks: signatures, each event once, replays and events out of order change nothing."""

import random
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fakestripe.testing import FakeStripeProcess
from marketplace.payments import gateway
from marketplace.payments.models import PaymentAccount, StripeEvent
from marketplace.payments.services import payment_account_start_onboarding
from marketplace.payments.tasks import process_pending_stripe_events
from tests.factories import ProviderFactory, ProviderMembershipFactory
from tests.fakestripe.receiver import Received, WebhookReceiver

from .conftest import CONNECT_PATH, PLATFORM_PATH, deliver, deliveries_for

# Committed for real (the task runs after the commit); the migrated rows are put back afterwards (tests/conftest.py).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

READY = ("charges_enabled", "payouts_enabled", "card_payments_status", "transfers_status", "requirements_due")


def account_state(account: PaymentAccount) -> tuple[Any, ...]:
    account.refresh_from_db()
    return (*(getattr(account, name) for name in READY), account.can_be_paid_online)


def new_account(fake: FakeStripeProcess) -> PaymentAccount:
    provider = ProviderFactory()
    owner = ProviderMembershipFactory(provider=provider).user
    payment_account_start_onboarding(
        provider=provider, by=owner, return_url="http://testserver/r/", refresh_url="http://testserver/f/"
    )
    return PaymentAccount.objects.get(provider=provider)


def onboarded(fake: FakeStripeProcess, receiver: WebhookReceiver) -> tuple[PaymentAccount, list[Received]]:
    """An account that left onboarding early, then finished: its Connect events, in the order sent."""
    account = new_account(fake)
    fake.helper("/_fake/onboarding", account=account.stripe_account_id, with_bank_details="false")
    fake.helper("/_fake/onboarding", account=account.stripe_account_id)
    # account.updated and capability.updated x2 for each step.
    return account, deliveries_for(receiver, account.stripe_account_id, at_least=6)


@pytest.mark.parametrize("path", [PLATFORM_PATH, CONNECT_PATH])
def test_a_bad_signature_is_a_400_in_json_and_stores_nothing(
    stripe_settings: FakeStripeProcess, client: Client, path: str
) -> None:
    for signature in ["", "t=1,v1=00", "garbage"]:
        response = client.post(
            path, data='{"id": "evt_x", "type": "account.updated"}', content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature,
        )  # fmt: skip
        assert response.status_code == 400
        assert "error" in response.json()
    assert not StripeEvent.objects.exists()


def test_each_endpoint_verifies_with_its_own_secret(
    stripe_settings: FakeStripeProcess, payments_receiver: WebhookReceiver, client: Client
) -> None:
    _, deliveries = onboarded(stripe_settings, payments_receiver)
    connect_delivery = deliveries[0]

    wrong = client.post(
        PLATFORM_PATH, data=connect_delivery.payload, content_type="application/json",
        HTTP_STRIPE_SIGNATURE=connect_delivery.signature,
    )  # fmt: skip

    assert wrong.status_code == 400
    assert deliver(client, connect_delivery).status_code == 200


def test_only_post_is_accepted_answered_in_json(stripe_settings: FakeStripeProcess, client: Client) -> None:
    response = client.get(PLATFORM_PATH)

    assert response.status_code == 405
    assert response.json()["error"]


def test_events_bring_the_account_to_can_be_paid_online(
    stripe_settings: FakeStripeProcess, payments_receiver: WebhookReceiver, client: Client
) -> None:
    account, deliveries = onboarded(stripe_settings, payments_receiver)
    assert not account_state(account)[-1]

    for delivery in deliveries:
        assert deliver(client, delivery).status_code == 200

    assert account_state(account)[-1] is True
    assert StripeEvent.objects.filter(account_id=account.stripe_account_id).count() == len(deliveries)
    assert not StripeEvent.objects.filter(processed_at__isnull=True).exists()


def test_replaying_every_event_three_times_changes_nothing(
    stripe_settings: FakeStripeProcess, payments_receiver: WebhookReceiver, client: Client
) -> None:
    account, deliveries = onboarded(stripe_settings, payments_receiver)
    for delivery in deliveries:
        deliver(client, delivery)
    state = account_state(account)
    events = list(StripeEvent.objects.values_list("event_id", "processed_at", "outcome").order_by("event_id"))

    for _ in range(3):
        for delivery in deliveries:
            response = deliver(client, delivery)
            assert response.status_code == 200
            assert response.json()["duplicate"] is True

    assert account_state(account) == state
    assert list(StripeEvent.objects.values_list("event_id", "processed_at", "outcome").order_by("event_id")) == events
    assert set(StripeEvent.objects.values_list("delivery_count", flat=True)) == {4}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_events_out_of_order_end_as_stripe_has_the_account(
    stripe_settings: FakeStripeProcess, payments_receiver: WebhookReceiver, client: Client, seed: int
) -> None:
    account, deliveries = onboarded(stripe_settings, payments_receiver)
    shuffled = list(reversed(deliveries)) if seed == 1 else random.Random(seed).sample(deliveries, len(deliveries))

    for delivery in shuffled:
        deliver(client, delivery)

    # The last event handled says "not ready" (from leaving early), yet the account is as Stripe has it now.
    assert account_state(account)[-1] is True
    assert account_state(account)[4] == []


def test_an_event_for_an_account_we_do_not_know_is_kept_and_ignored(
    stripe_settings: FakeStripeProcess, payments_receiver: WebhookReceiver, client: Client
) -> None:
    stranger = gateway.create_connected_account(email="x@example.com", business_name="X", reference="stranger")
    stripe_settings.helper("/_fake/onboarding", account=stranger.account_id)
    deliveries = deliveries_for(payments_receiver, stranger.account_id, at_least=3)

    for delivery in deliveries:
        assert deliver(client, delivery).status_code == 200

    assert set(StripeEvent.objects.values_list("outcome", flat=True)) == {"ignored: not one of our connected accounts"}
    assert not PaymentAccount.objects.exists()


def test_while_stripe_is_unreachable_events_wait_and_are_processed_when_it_returns(
    stripe_settings: FakeStripeProcess, payments_receiver: WebhookReceiver, client: Client, settings: Any
) -> None:
    account, deliveries = onboarded(stripe_settings, payments_receiver)
    working_base = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    for delivery in deliveries:
        assert deliver(client, delivery).status_code == 200  # stored; Stripe is not needed to accept it
    assert StripeEvent.objects.filter(processed_at__isnull=True).count() == len(deliveries)
    assert not account_state(account)[-1]

    settings.STRIPE_API_BASE = working_base
    assert process_pending_stripe_events() == len(deliveries)

    assert not StripeEvent.objects.filter(processed_at__isnull=True).exists()
    assert account_state(account)[-1] is True


def test_with_payments_switched_off_webhooks_are_not_found(
    stripe_settings: FakeStripeProcess, client: Client, settings: Any
) -> None:
    settings.PAYMENTS_ENABLED = False

    response = client.post(reverse("payments:connect_webhook"), data="{}", content_type="application/json")

    assert response.status_code == 404
    assert response.json()["error"]
