"""Paying a pooled share: the transfer to the provider after the share's charge, against the fake Stripe.

The Checkout session that makes the charge belongs to the online payments
work; here the charge is made directly through the fake (a confirmed payment
intent with the invoice's transfer group), as a pooled share's session makes it.
"""

from datetime import datetime
from typing import Any

import pytest
import stripe
from django.utils import timezone

from fakestripe.testing import FakeStripeProcess
from marketplace.payments import checkout, gateway, pooling, tasks
from marketplace.payments.gateway import PaymentGatewayError
from marketplace.payments.models import Payment, PaymentAccount
from marketplace.payments.services import PaymentsError
from tests.factories import DirectPaymentHolderFactory, ProviderFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=timezone.get_default_timezone())


def _connected_account(fake: FakeStripeProcess, reference: str) -> str:
    snapshot = gateway.create_connected_account(
        email="dayservice@example.com", business_name="Day", reference=reference
    )
    fake.helper("/_fake/onboarding", account=snapshot.account_id)
    return snapshot.account_id


def _charge(fake: FakeStripeProcess, *, amount: int, transfer_group: str) -> str:
    """A succeeded charge on the platform, as a pooled share's Checkout session leaves it."""
    intent = fake.client().v1.payment_intents.create(
        params={"amount": amount, "currency": "gbp", "transfer_group": transfer_group,
                "payment_method": "pm_card_visa", "confirm": True}
    )  # fmt: skip
    return str(intent.latest_charge)


def _paid_share(
    fake: FakeStripeProcess, *, amount: int = 1600, fee: int = 0, transfer_group: str = "pool-test-1", reference: str
) -> Payment:
    provider = ProviderFactory(name=f"Day service {reference}", slug=f"day-{reference}")
    holder = DirectPaymentHolderFactory()
    account = PaymentAccount.objects.create(
        provider=provider,
        stripe_account_id=_connected_account(fake, reference),
        can_be_paid_online=True,
        created_at=NOW,
        refreshed_at=NOW,
    )
    payment = Payment.objects.create(
        holder=holder,
        provider=provider,
        payment_account=account,
        status=Payment.Status.SUCCEEDED,
        amount_pence=amount,
        application_fee_pence=fee,
        idempotency_key=f"payment-{reference}",
        transfer_group=transfer_group,
        stripe_charge_id=_charge(fake, amount=amount, transfer_group=transfer_group),
        created_at=NOW,
        updated_at=NOW,
        succeeded_at=NOW,
    )
    return payment


def test_a_paid_share_is_transferred_to_the_provider_under_its_transfer_group(
    stripe_settings: FakeStripeProcess,
) -> None:
    payment = _paid_share(stripe_settings, amount=1600, fee=32, transfer_group="pool-abc-1", reference="share-1")

    done = pooling.pooled_share_transfer(payment_pk=payment.pk, now=NOW)

    transfer = stripe_settings.client().v1.transfers.retrieve(done.stripe_transfer_id).to_dict()
    assert transfer["amount"] == 1568  # the share less the council's platform fee
    assert transfer["destination"] == payment.payment_account.stripe_account_id
    assert transfer["transfer_group"] == "pool-abc-1"
    assert transfer["source_transaction"] == payment.stripe_charge_id
    assert Payment.objects.get(pk=payment.pk).stripe_transfer_id == done.stripe_transfer_id


def test_three_shares_of_one_period_are_three_transfers_in_one_group(stripe_settings: FakeStripeProcess) -> None:
    shares = [
        _paid_share(stripe_settings, amount=amount, transfer_group="pool-day-out-1", reference=f"day-out-{number}")
        for number, amount in enumerate([1667, 1667, 1666])
    ]

    for share in shares:
        pooling.pooled_share_transfer(payment_pk=share.pk, now=NOW)

    grouped = stripe_settings.client().v1.transfers.list(params={"transfer_group": "pool-day-out-1"}).data
    assert sorted(item.amount for item in grouped) == [1666, 1667, 1667]


def test_transferring_twice_makes_one_transfer(stripe_settings: FakeStripeProcess) -> None:
    payment = _paid_share(stripe_settings, reference="twice")
    first = pooling.pooled_share_transfer(payment_pk=payment.pk, now=NOW)

    Payment.objects.filter(pk=payment.pk).update(stripe_transfer_id="")  # as if the answer had been lost
    second = pooling.pooled_share_transfer(payment_pk=payment.pk, now=NOW)
    again = pooling.pooled_share_transfer(payment_pk=payment.pk, now=NOW)

    assert first.stripe_transfer_id == second.stripe_transfer_id == again.stripe_transfer_id
    grouped = stripe_settings.client().v1.transfers.list(params={"transfer_group": "pool-test-1"}).data
    assert [item.id for item in grouped if item.source_transaction == payment.stripe_charge_id] == [
        first.stripe_transfer_id
    ]


def test_a_payment_that_is_not_a_paid_pooled_share_is_left_alone(stripe_settings: FakeStripeProcess) -> None:
    individual = _paid_share(stripe_settings, transfer_group="", reference="individual")
    waiting = _paid_share(stripe_settings, reference="waiting")
    Payment.objects.filter(pk=waiting.pk).update(status=Payment.Status.OPEN)

    assert pooling.pooled_share_transfer(payment_pk=individual.pk).stripe_transfer_id == ""
    assert pooling.pooled_share_transfer(payment_pk=waiting.pk).stripe_transfer_id == ""


def test_while_stripe_is_down_the_transfer_waits_and_the_task_retries(
    stripe_settings: FakeStripeProcess, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    payment = _paid_share(stripe_settings, reference="down")
    up = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there

    with pytest.raises(PaymentsError) as unreachable:
        pooling.pooled_share_transfer(payment_pk=payment.pk)
    assert unreachable.value.is_unreachable
    assert pooling.pooled_shares_waiting_for_transfer() == [payment.pk]
    retried: list[dict[str, Any]] = []

    def fake_retry(**kwargs: Any) -> Exception:
        retried.append(kwargs)
        return RuntimeError("retry")

    monkeypatch.setattr(tasks.transfer_pooled_share, "retry", fake_retry)
    with pytest.raises(RuntimeError, match="retry"):
        tasks.transfer_pooled_share.run(payment.pk)
    assert retried[0]["countdown"] == 30

    settings.STRIPE_API_BASE = up
    queued: list[int] = []
    monkeypatch.setattr(tasks.transfer_pooled_share, "delay", queued.append)
    assert tasks.transfer_pending_pooled_shares() == 1
    assert queued == [payment.pk]
    assert tasks.transfer_pooled_share.run(payment.pk).startswith("tr_")
    assert pooling.pooled_shares_waiting_for_transfer() == []


def test_a_refused_transfer_is_not_retried(stripe_settings: FakeStripeProcess) -> None:
    payment = _paid_share(stripe_settings, amount=1000, reference="refused")
    Payment.objects.filter(pk=payment.pk).update(amount_pence=5000)  # more than the charge brought in

    with pytest.raises(PaymentsError) as refused:
        tasks.transfer_pooled_share.run(payment.pk)
    assert not refused.value.is_unreachable


def test_the_gateway_turns_a_refusal_into_its_one_error(stripe_settings: FakeStripeProcess) -> None:
    with pytest.raises(PaymentGatewayError) as refused:
        gateway.create_transfer(
            amount=100, destination="acct_nobody", transfer_group="pool-x", source_transaction="ch_nothing",
            idempotency_key="refused-transfer",
        )  # fmt: skip
    assert not refused.value.is_unreachable
    assert isinstance(refused.value.__cause__, stripe.StripeError)


def test_a_paid_pooled_share_queues_its_transfer_through_the_checkout_hook(
    stripe_settings: FakeStripeProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    payment = _paid_share(stripe_settings, reference="queued")
    queued: list[int] = []
    monkeypatch.setattr(tasks.transfer_pooled_share, "delay", queued.append)

    # checkout calls each registered function once a pooled share's payment commits
    # (tested in test_checkout); the transfer task is the one registered.
    assert tasks.transfer_pooled_share_soon in checkout.POOLED_PAYMENT_SUCCEEDED
    for call in checkout.POOLED_PAYMENT_SUCCEEDED:
        call(payment.pk)

    assert queued == [payment.pk]
