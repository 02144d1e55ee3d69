"""Refunds: Stripe gives the money back (transfer reversed, fee refunded), our rows and the ledger agree, once."""

import itertools
import random
from typing import Any

import pytest
from django.db.models import Sum
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from fakestripe.testing import FakeStripeProcess
from marketplace.agreements.models import Invoice
from marketplace.budgets.models import Account, LedgerTransaction, Posting
from marketplace.budgets.selectors import holder_balances
from marketplace.budgets.services import BudgetError, refund_split
from marketplace.payments import gateway
from marketplace.payments.errors import PaymentsError
from marketplace.payments.models import Payment, PaymentAccount, Refund, StripeEvent
from marketplace.payments.refunds import payment_refund, refunds_sync_for_charge
from tests.factories import CommissionerFactory
from tests.fakestripe.receiver import WebhookReceiver

from .conftest import deliver, platform_deliveries
from .money_back import connected_provider_account, paid_payment

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

REFUND_EVENTS = ("charge.refunded", "refund.created", "refund.updated")


@pytest.fixture
def account(stripe_settings: FakeStripeProcess) -> PaymentAccount:
    return connected_provider_account(stripe_settings)


def spent(holder: Any) -> tuple[int, int]:
    totals = {
        row["account__kind"]: row["total"]
        for row in Posting.objects.filter(transaction__holder=holder, account__kind__startswith="spent")
        .values("account__kind")
        .annotate(total=Sum("amount_pence"))
    }
    return totals.get(Account.Kind.SPENT_DIRECT_PAYMENT, 0), totals.get(Account.Kind.SPENT_OWN_MONEY, 0)


def state(payment: Payment) -> tuple[Any, ...]:
    payment.refresh_from_db()
    return (
        payment.status,
        payment.refunded_pence,
        sorted(Refund.objects.filter(payment=payment).values_list("stripe_refund_id", "amount_pence", "status")),
        LedgerTransaction.objects.filter(holder=payment.holder).count(),
        spent(payment.holder),
    )


def test_a_part_refund_reverses_the_transfer_and_fee_and_returns_money_in_proportion(
    account: PaymentAccount,
) -> None:
    payment = paid_payment(account=account, invoices=((6000, 1000), (4000, 0)), fee=500)
    commissioner = CommissionerFactory()
    before = holder_balances(payment.holder)

    refund = payment_refund(payment=payment, amount_pence=2500, reason="Visit missed", by=commissioner, token="a1")

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PARTIALLY_REFUNDED
    assert payment.refunded_pence == 2500
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.created_by == commissioner
    # The invoices were £90 from the direct payment and £10 of own money: £22.50 and £2.50 come back.
    postings = {p.account.kind: p.amount_pence for p in refund.ledger_transaction.postings.select_related("account")}
    assert postings == {
        Account.Kind.DIRECT_PAYMENT: 2250,
        Account.Kind.SPENT_DIRECT_PAYMENT: -2250,
        Account.Kind.OWN_MONEY: 250,
        Account.Kind.SPENT_OWN_MONEY: -250,
    }
    assert refund.ledger_transaction.kind == LedgerTransaction.Kind.REFUND
    after = holder_balances(payment.holder)
    assert (after.direct_payment - before.direct_payment, after.own_money - before.own_money) == (2250, 250)
    # Stripe: a quarter of the charge refunded, a quarter of the transfer reversed and of the fee refunded.
    stripe = gateway.client()
    charge = stripe.v1.charges.retrieve(payment.stripe_charge_id)
    assert charge.amount_refunded == 2500
    assert stripe.v1.transfers.retrieve(str(charge.transfer)).amount_reversed == 2500
    assert stripe.v1.application_fees.retrieve(str(charge.application_fee)).amount_refunded == 125
    # Invoices stay paid: money back is a ledger event.
    assert set(Invoice.objects.filter(payment_items__payment=payment).values_list("status", flat=True)) == {"paid"}


def test_refunding_the_rest_in_parts_returns_exactly_what_each_fund_paid(account: PaymentAccount) -> None:
    payment = paid_payment(account=account, invoices=((3333, 1111),), fee=0)
    commissioner = CommissionerFactory()
    spent_before = spent(payment.holder)

    for number, amount in enumerate([1, 1000, 7, 2325]):
        payment_refund(payment=payment, amount_pence=amount, reason="Back", by=commissioner, token=f"t{number}")

    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert payment.refunded_pence == 3333
    assert spent(payment.holder) == (spent_before[0] - 2222, spent_before[1] - 1111)


def test_the_same_form_sent_twice_is_one_refund(account: PaymentAccount) -> None:
    payment = paid_payment(account=account)
    commissioner = CommissionerFactory()

    first = payment_refund(payment=payment, amount_pence=1000, reason="Twice", by=commissioner, token="same")
    second = payment_refund(payment=payment, amount_pence=1000, reason="Twice", by=commissioner, token="same")

    assert first.pk == second.pk
    assert state(payment)[:2] == (Payment.Status.PARTIALLY_REFUNDED, 1000)
    assert gateway.retrieve_charge(charge_id=payment.stripe_charge_id).amount_refunded == 1000


@pytest.mark.parametrize(
    ("amount", "message"),
    [(6001, "no more than the £60.00"), (0, "more than £0"), (-5, "more than £0")],
)
def test_an_amount_outside_what_remains_is_refused_and_nothing_changes(
    account: PaymentAccount, amount: int, message: str
) -> None:
    payment = paid_payment(account=account)
    before = state(payment)

    with pytest.raises(PaymentsError, match=message):
        payment_refund(payment=payment, amount_pence=amount, reason="x", by=CommissionerFactory(), token="bad")

    assert state(payment) == before
    assert gateway.retrieve_charge(charge_id=payment.stripe_charge_id).amount_refunded == 0


def test_a_refund_needs_a_reason(account: PaymentAccount) -> None:
    payment = paid_payment(account=account)

    with pytest.raises(PaymentsError, match="reason"):
        payment_refund(payment=payment, amount_pence=100, reason="  ", by=CommissionerFactory(), token="r")


def test_while_stripe_is_unreachable_nothing_changes_and_the_message_says_so(
    account: PaymentAccount, settings: Any
) -> None:
    payment = paid_payment(account=account)
    before = state(payment)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    with pytest.raises(PaymentsError) as refused:
        payment_refund(payment=payment, amount_pence=100, reason="x", by=CommissionerFactory(), token="down")

    assert refused.value.is_unreachable
    assert "could not reach" in refused.value.message
    assert "Nothing has changed" in refused.value.message
    assert state(payment) == before


def test_a_payment_not_yet_paid_cannot_be_refunded(account: PaymentAccount) -> None:
    payment = paid_payment(account=account)
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.OPEN)
    payment.refresh_from_db()

    with pytest.raises(PaymentsError, match="Only a paid payment"):
        payment_refund(payment=payment, amount_pence=100, reason="x", by=CommissionerFactory(), token="o")


def test_a_refund_made_at_stripe_is_found_by_the_webhook_and_posted_once(
    account: PaymentAccount, payments_receiver: WebhookReceiver, client: Client
) -> None:
    payment = paid_payment(account=account, invoices=((5000, 2000),), fee=0)
    made = gateway.create_refund(
        charge_id=payment.stripe_charge_id, amount_pence=1500, idempotency_key="dashboard-1", metadata={}
    )
    deliveries = platform_deliveries(payments_receiver, payment.stripe_charge_id, types=REFUND_EVENTS, at_least=2)

    for delivery in deliveries:
        assert deliver(client, delivery).status_code == 200

    refund = Refund.objects.get(stripe_refund_id=made.refund_id)
    assert refund.created_by is None
    assert "Made at Stripe" in refund.reason
    assert refund.ledger_transaction is not None
    assert state(payment)[:2] == (Payment.Status.PARTIALLY_REFUNDED, 1500)
    assert spent(payment.holder)[1] == 2000 - 600


def test_replaying_refund_events_three_times_changes_nothing(
    account: PaymentAccount, payments_receiver: WebhookReceiver, client: Client
) -> None:
    payment = paid_payment(account=account)
    payment_refund(payment=payment, amount_pence=1200, reason="Once", by=CommissionerFactory(), token="once")
    deliveries = platform_deliveries(payments_receiver, payment.stripe_charge_id, types=REFUND_EVENTS, at_least=2)
    for delivery in deliveries:
        deliver(client, delivery)
    before = state(payment)
    events = list(StripeEvent.objects.values_list("event_id", "outcome").order_by("event_id"))

    for _ in range(3):
        for delivery in deliveries:
            assert deliver(client, delivery).json()["duplicate"] is True
    refunds_sync_for_charge(charge_id=payment.stripe_charge_id, now=payment.created_at)

    assert state(payment) == before
    assert list(StripeEvent.objects.values_list("event_id", "outcome").order_by("event_id")) == events


@pytest.mark.parametrize("seed", [1, 2])
def test_refund_events_in_any_order_end_as_stripe_has_the_charge(
    account: PaymentAccount, payments_receiver: WebhookReceiver, client: Client, seed: int
) -> None:
    payment = paid_payment(account=account, invoices=((6000, 1000),), fee=0)
    for number, amount in enumerate([1000, 2000]):
        gateway.create_refund(
            charge_id=payment.stripe_charge_id, amount_pence=amount, idempotency_key=f"o{seed}{number}", metadata={}
        )
    deliveries = platform_deliveries(payments_receiver, payment.stripe_charge_id, types=REFUND_EVENTS, at_least=4)

    for delivery in random.Random(seed).sample(deliveries, len(deliveries)):
        deliver(client, delivery)

    assert state(payment)[:2] == (Payment.Status.PARTIALLY_REFUNDED, 3000)
    assert Refund.objects.filter(payment=payment, ledger_transaction__isnull=False).count() == 2
    assert spent(payment.holder) == (5000 - 2500, 1000 - 500)


@given(
    council=st.integers(min_value=0, max_value=200_000),
    own=st.integers(min_value=0, max_value=200_000),
    cuts=st.lists(st.floats(min_value=0, max_value=1), max_size=8),
)
def test_money_back_in_any_parts_never_loses_or_makes_a_penny(council: int, own: int, cuts: list[float]) -> None:
    total = council + own
    if total == 0:
        return
    points = sorted({0, total, *(int(cut * total) for cut in cuts)})
    direct_sum = own_sum = 0
    for before, after in itertools.pairwise(points):
        direct, own_part = refund_split(
            council_pence=council, own_money_pence=own, returned_before_pence=before, amount_pence=after - before
        )
        assert direct + own_part == after - before
        assert 0 <= direct <= council
        assert 0 <= own_part <= own
        direct_sum += direct
        own_sum += own_part
    assert (direct_sum, own_sum) == (council, own)


def test_more_money_back_than_was_paid_is_refused() -> None:
    with pytest.raises(BudgetError):
        refund_split(council_pence=100, own_money_pence=0, returned_before_pence=50, amount_pence=51)
