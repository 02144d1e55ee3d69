"""Stripe's checkout events reach our platform endpoint: replayed, reordered, declined then paid, expired.

The fake's own signed deliveries are handed to our endpoint byte for byte (conftest.deliver); the
handler re-reads the session from Stripe, so every order and every repeat ends where Stripe is.
"""

import random
from typing import Any

import pytest
import stripe
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fakestripe.testing import FakeStripeProcess
from marketplace.agreements.models import Invoice
from marketplace.budgets.models import LedgerTransaction
from marketplace.payments.models import Payment, PaymentItem, StripeEvent
from tests.fakestripe.receiver import Received, WebhookReceiver

from .conftest import deliver, platform_deliveries
from .paying import (
    CARD_DECLINED,
    CARD_PAID,
    act_for,
    agreement_with,
    issue_invoice,
    make_holder,
    onboarded_provider,
    signed_in,
)

# Committed for real (the event's task runs after the commit); the migrated rows are put back afterwards.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CHECKOUT_TYPES = (
    "checkout.session.completed",
    "checkout.session.expired",
    "payment_intent.payment_failed",
    "payment_intent.succeeded",
    "charge.succeeded",
)


@pytest.fixture
def world(stripe_settings: FakeStripeProcess) -> dict[str, Any]:
    holder = make_holder()
    provider, owner = onboarded_provider(stripe_settings)
    agreement = agreement_with(holder, provider)
    return {
        "fake": stripe_settings,
        "holder": holder,
        "family": act_for(holder, "david@example.org", money=True),
        "owner": owner,
        "invoices": [issue_invoice(agreement, total=6_000, own=500), issue_invoice(agreement, total=4_550)],
    }


def choose_and_pay(client: Client, world: dict[str, Any]) -> Payment:
    """What the browser does: Pay (the session is made), then Stripe's page sends the person to it."""
    response = client.post(
        reverse("payments:pay_start", args=[world["holder"].uuid]),
        {"invoice": [str(invoice.uuid) for invoice in world["invoices"]]},
    )
    assert response.status_code == 303
    return Payment.objects.get()


def events_for(receiver: WebhookReceiver, payment: Payment, *, at_least: int) -> list[Received]:
    # The payment's uuid is in the metadata of both its session and its payment intent.
    return platform_deliveries(receiver, str(payment.uuid), types=CHECKOUT_TYPES, at_least=at_least)


def ledger_count() -> int:
    return LedgerTransaction.objects.filter(kind="invoice_payment").count()


def test_every_event_three_times_in_any_order_pays_each_invoice_once(
    world: dict[str, Any], payments_receiver: WebhookReceiver
) -> None:
    client = signed_in(world["family"])
    payment = choose_and_pay(client, world)
    world["fake"].helper("/_fake/checkout/pay", session=payment.stripe_checkout_session_id, card=CARD_PAID)
    deliveries = events_for(payments_receiver, payment, at_least=3)
    assert any('"checkout.session.completed"' in item.payload for item in deliveries)

    shuffled = deliveries * 3
    random.Random(13).shuffle(shuffled)
    for delivery in shuffled:
        assert deliver(Client(), delivery).status_code == 200

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert ledger_count() == 2
    assert set(Invoice.objects.values_list("status", "paid_route")) == {(Invoice.Status.PAID, Invoice.Route.ONLINE)}
    completed = StripeEvent.objects.get(type="checkout.session.completed")
    assert completed.delivery_count == 3
    assert completed.outcome == f"payment {payment.uuid} succeeded"
    # The person comes back from Stripe after the webhook: the page says it is done, nothing changes.
    page = client.get(reverse("payments:payment", args=[world["holder"].uuid, payment.uuid]) + "?returned=paid")
    assert "Payment complete" in page.content.decode()
    assert ledger_count() == 2


def test_a_declined_card_then_a_good_one_in_reverse_order_ends_paid(
    world: dict[str, Any], payments_receiver: WebhookReceiver
) -> None:
    payment = choose_and_pay(signed_in(world["family"]), world)
    declined = world["fake"].helper(
        "/_fake/checkout/pay", session=payment.stripe_checkout_session_id, card=CARD_DECLINED
    )
    assert declined["error"]["code"] == "card_declined"
    failed = platform_deliveries(
        payments_receiver, str(payment.uuid), types=("payment_intent.payment_failed",), at_least=1
    )
    assert deliver(Client(), failed[0]).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN
    assert "declined" in payment.failure_message
    assert ledger_count() == 0

    world["fake"].helper("/_fake/checkout/pay", session=payment.stripe_checkout_session_id, card=CARD_PAID)
    deliveries = events_for(payments_receiver, payment, at_least=4)
    for delivery in reversed(deliveries):  # the failure arrives last, again
        deliver(Client(), delivery)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.failure_message == ""
    assert ledger_count() == 2


def test_an_expired_session_frees_the_invoices_and_posts_nothing_however_often_it_comes(
    world: dict[str, Any], payments_receiver: WebhookReceiver
) -> None:
    payment = choose_and_pay(signed_in(world["family"]), world)
    world["fake"].client().v1.checkout.sessions.expire(payment.stripe_checkout_session_id)
    expired = platform_deliveries(
        payments_receiver, payment.stripe_checkout_session_id, types=("checkout.session.expired",), at_least=1
    )

    for _ in range(3):
        assert deliver(Client(), expired[0]).status_code == 200

    payment.refresh_from_db()
    assert payment.status == Payment.Status.EXPIRED
    assert not PaymentItem.objects.filter(is_live=True).exists()
    assert ledger_count() == 0
    assert set(Invoice.objects.values_list("status", flat=True)) == {Invoice.Status.PAYABLE}


def test_one_payment_takes_two_stripe_calls_from_pay_to_ledger(
    world: dict[str, Any], payments_receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Measured: make the session, read it on the return page; the webhook finds it settled and asks nothing."""
    calls: list[str] = []
    original = stripe.RequestsClient.request

    def counted(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(f"{method.upper()} {url.split('?')[0].split('/v1/')[1]}")
        return original(self, method, url, *args, **kwargs)

    monkeypatch.setattr(stripe.RequestsClient, "request", counted)
    client = signed_in(world["family"])
    started = timezone.now()
    payment = choose_and_pay(client, world)
    world["fake"].helper("/_fake/checkout/pay", session=payment.stripe_checkout_session_id, card=CARD_PAID)
    client.get(reverse("payments:payment", args=[world["holder"].uuid, payment.uuid]) + "?returned=paid")
    for delivery in events_for(payments_receiver, payment, at_least=3):
        deliver(Client(), delivery)

    assert ledger_count() == 2
    assert [call.split(" ")[0] for call in calls] == ["POST", "GET"]  # the webhook found it already paid
    print(f"\nStripe calls for one payment: {len(calls)} {calls}; pay to ledger {timezone.now() - started}")
