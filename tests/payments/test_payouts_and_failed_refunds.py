"""Payouts kept from Connect events; a refund Stripe fails later is put right in the ledger; refunds by intent."""

import dataclasses
import time

import pytest
from django.test import Client

from fakestripe.testing import FakeStripeProcess
from marketplace.budgets.models import LedgerTransaction
from marketplace.payments import gateway
from marketplace.payments.models import Payment, PaymentAccount, Payout, Refund
from marketplace.payments.refunds import payment_refund, refund_apply
from tests.factories import CommissionerFactory
from tests.fakestripe.receiver import Received, WebhookReceiver

from .conftest import deliver, deliveries_for
from .money_back import connected_provider_account, paid_payment

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def account(stripe_settings: FakeStripeProcess) -> PaymentAccount:
    return connected_provider_account(stripe_settings, name="Cedar Day Centre")


def payout_deliveries(receiver: WebhookReceiver, account_id: str, timeout: float = 15.0) -> list[Received]:
    """The Connect deliveries of payout events of one account (waits for the first)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [
            item for item in deliveries_for(receiver, account_id, at_least=0) if '"type": "payout.' in item.payload
        ]
        if found or time.monotonic() > deadline:
            assert found, "no payout event reached the receiver"
            return found
        time.sleep(0.05)


def test_a_payout_is_kept_from_its_connect_events_and_replays_change_nothing(
    account: PaymentAccount, stripe_settings: FakeStripeProcess, payments_receiver: WebhookReceiver, client: Client
) -> None:
    paid_payment(account=account, invoices=((6000, 0),), fee=300)
    made = stripe_settings.helper("/_fake/payouts", account=account.stripe_account_id, include_pending="true")
    deliveries = payout_deliveries(payments_receiver, account.stripe_account_id)

    for _ in range(3):
        for delivery in deliveries:
            assert deliver(client, delivery).status_code == 200

    payout = Payout.objects.get()
    assert payout.stripe_payout_id == made["id"]
    assert payout.amount_pence == made["amount"] == 6000 - 300
    assert payout.payment_account == account
    assert payout.status == made["status"]


def test_a_refund_stripe_fails_later_is_reversed_in_the_ledger_and_the_payment_is_paid_again(
    account: PaymentAccount,
) -> None:
    payment = paid_payment(account=account, invoices=((4000, 1000),), fee=0)
    refund = payment_refund(payment=payment, amount_pence=2000, reason="x", by=CommissionerFactory(), token="f")
    snapshot = gateway.retrieve_refund(refund_id=refund.stripe_refund_id)

    refund_apply(payment=payment, snapshot=dataclasses.replace(snapshot, status="failed"), now=refund.created_at)
    refund_apply(payment=payment, snapshot=dataclasses.replace(snapshot, status="failed"), now=refund.created_at)

    payment.refresh_from_db()
    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert (payment.status, payment.refunded_pence) == (Payment.Status.SUCCEEDED, 0)
    corrections = LedgerTransaction.objects.filter(reverses=refund.ledger_transaction)
    assert corrections.count() == 1


def test_a_payment_known_only_by_its_payment_intent_is_refunded_through_it(account: PaymentAccount) -> None:
    payment = paid_payment(account=account)
    charge_id = payment.stripe_charge_id
    Payment.objects.filter(pk=payment.pk).update(stripe_charge_id="")
    payment.refresh_from_db()

    payment_refund(payment=payment, amount_pence=500, reason="By intent", by=CommissionerFactory(), token="pi")

    assert gateway.retrieve_charge(charge_id=charge_id).amount_refunded == 500
    payment.refresh_from_db()
    assert payment.refunded_pence == 500
