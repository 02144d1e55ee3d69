"""Card disputes: re-read from Stripe, recorded once, commissioners told; lost returns the money, won restores."""

from typing import Any

import pytest
from django.test import Client

from fakestripe.testing import FakeStripeProcess
from marketplace.budgets.models import LedgerTransaction
from marketplace.core.models import OutboxEmail
from marketplace.payments import gateway
from marketplace.payments.models import Dispute, Payment, PaymentAccount, StripeEvent
from marketplace.payments.tasks import process_pending_stripe_events
from tests.factories import CommissionerFactory
from tests.fakestripe.receiver import WebhookReceiver

from .conftest import deliver, platform_deliveries
from .money_back import connected_provider_account, paid_payment

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DISPUTE_EVENTS = ("charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed")


@pytest.fixture
def account(stripe_settings: FakeStripeProcess) -> PaymentAccount:
    return connected_provider_account(stripe_settings, name="Oak Lane Support")


def deliver_all(client: Client, receiver: WebhookReceiver, charge_id: str, at_least: int) -> list[Any]:
    deliveries = platform_deliveries(receiver, charge_id, types=DISPUTE_EVENTS, at_least=at_least)
    for delivery in deliveries:
        assert deliver(client, delivery).status_code == 200
    return deliveries


def dispute_emails() -> list[str]:
    return list(OutboxEmail.objects.filter(subject__startswith="Card dispute").values_list("subject", flat=True))


def test_an_opened_dispute_is_recorded_and_commissioners_are_told_once(
    account: PaymentAccount, payments_receiver: WebhookReceiver, client: Client
) -> None:
    CommissionerFactory(email="commissioner@example.org")
    payment = paid_payment(account=account, card="pm_card_createDispute")

    deliveries = deliver_all(client, payments_receiver, payment.stripe_charge_id, at_least=1)
    for _ in range(3):
        for delivery in deliveries:
            deliver(client, delivery)

    dispute = Dispute.objects.get(payment=payment)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.DISPUTED
    assert dispute.status == Dispute.Status.NEEDS_RESPONSE
    assert dispute.amount_pence == payment.amount_pence
    assert dispute.evidence_due_at is not None
    assert dispute_emails() == ["Card dispute on a payment to Oak Lane Support: needs a response"]
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.REFUND).exists()


def test_a_lost_dispute_returns_the_money_to_the_holders_funds_once(
    account: PaymentAccount, stripe_settings: FakeStripeProcess, payments_receiver: WebhookReceiver, client: Client
) -> None:
    CommissionerFactory(email="commissioner@example.org")
    payment = paid_payment(account=account, invoices=((8000, 2000),))
    dispute_id = stripe_settings.helper("/_fake/trigger_dispute", charge=payment.stripe_charge_id)["id"]
    gateway.client().v1.disputes.close(dispute_id)

    deliveries = deliver_all(client, payments_receiver, payment.stripe_charge_id, at_least=2)
    for delivery in reversed(deliveries):  # replayed, and out of order
        deliver(client, delivery)

    dispute = Dispute.objects.get(stripe_dispute_id=dispute_id)
    payment.refresh_from_db()
    assert dispute.status == Dispute.Status.LOST
    assert dispute.closed_at is not None
    assert payment.status == Payment.Status.DISPUTED
    record = dispute.ledger_transaction
    assert record is not None
    assert record.kind == LedgerTransaction.Kind.REFUND
    amounts = sorted(posting.amount_pence for posting in record.postings.all())
    assert amounts == [-6000, -2000, 2000, 6000]
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.REFUND).count() == 1
    assert len(dispute_emails()) == 2


def test_a_won_dispute_restores_the_payments_status_and_leaves_the_ledger(
    account: PaymentAccount, stripe_settings: FakeStripeProcess, payments_receiver: WebhookReceiver, client: Client
) -> None:
    payment = paid_payment(account=account)
    dispute = stripe_settings.helper("/_fake/trigger_dispute", charge=payment.stripe_charge_id)
    deliver_all(client, payments_receiver, payment.stripe_charge_id, at_least=1)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.DISPUTED

    stripe_settings.helper("/_fake/win_dispute", dispute=dispute["id"])
    deliver_all(client, payments_receiver, payment.stripe_charge_id, at_least=2)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert Dispute.objects.get(payment=payment).status == Dispute.Status.WON
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.REFUND).exists()


def test_a_dispute_event_while_stripe_is_down_waits_and_changes_nothing(
    account: PaymentAccount, stripe_settings: FakeStripeProcess, payments_receiver: WebhookReceiver,
    client: Client, settings: Any,
) -> None:  # fmt: skip
    payment = paid_payment(account=account)
    stripe_settings.helper("/_fake/trigger_dispute", charge=payment.stripe_charge_id)
    deliveries = platform_deliveries(payments_receiver, payment.stripe_charge_id, types=DISPUTE_EVENTS, at_least=1)
    working = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    for delivery in deliveries:
        assert deliver(client, delivery).status_code == 200

    assert not Dispute.objects.exists()
    assert StripeEvent.objects.filter(type="charge.dispute.created", processed_at__isnull=True).exists()
    settings.STRIPE_API_BASE = working
    process_pending_stripe_events()
    assert Dispute.objects.filter(payment=payment).exists()
