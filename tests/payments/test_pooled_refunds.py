"""Refunds of pooled shares (separate charges and transfers), against the fake Stripe.

The share's charge is a plain charge on the platform, so Stripe refunds it
without touching any transfer; the provider's part comes back by reversing the
share's own transfer, once, summing exactly to the transfer when refunded in
full, and made later by the sweep when Stripe was down in between.
"""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fakestripe.testing import FakeStripeProcess
from marketplace.agreements.models import Invoice
from marketplace.budgets.models import LedgerTransaction
from marketplace.budgets.services import invoice_payment_record
from marketplace.payments import gateway, pooling, refunds, tasks
from marketplace.payments.errors import PaymentsError
from marketplace.payments.gateway import PaymentGatewayError
from marketplace.payments.models import Payment, PaymentAccount, PaymentItem, Refund
from marketplace.payments.refunds import NO_REVERSAL, WITHHELD, payment_refund
from tests.factories import AgreementFactory, CommissionerFactory
from tests.fakestripe.receiver import WebhookReceiver

from .conftest import deliver, platform_deliveries
from .money_back import PAID_ON, connected_provider_account, holder_with_budget, issue_invoice, moment

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def account(stripe_settings: FakeStripeProcess) -> PaymentAccount:
    return connected_provider_account(stripe_settings)


def paid_share(
    *, account: PaymentAccount, amount: int = 1001, fee: int = 100, transfer: bool = True, card: str = "pm_card_visa"
) -> Payment:
    """A paid pooled share: one invoice paid by a plain charge under a transfer group, then transferred."""
    holder = holder_with_budget()
    agreement = AgreementFactory(holder=holder, provider=account.provider)
    invoice = issue_invoice(agreement, total=amount, own=0)
    group = f"pool-{uuid.uuid4().hex[:10]}"
    intent = gateway.client().v1.payment_intents.create(
        params={"amount": amount, "currency": "gbp", "transfer_group": group, "payment_method": card,
                "confirm": True}
    )  # fmt: skip
    when = datetime.fromtimestamp(intent.created, tz=UTC)
    payment = Payment.objects.create(
        holder=holder,
        provider=account.provider,
        payment_account=account,
        status=Payment.Status.SUCCEEDED,
        amount_pence=amount,
        application_fee_pence=fee,
        idempotency_key=f"share-{uuid.uuid4().hex}",
        transfer_group=group,
        stripe_payment_intent_id=intent.id,
        stripe_charge_id=str(intent.latest_charge),
        created_at=when,
        updated_at=when,
        succeeded_at=when,
    )
    PaymentItem.objects.create(payment=payment, invoice=invoice, amount_pence=amount)
    invoice_payment_record(
        invoice=invoice, by=holder.user, route=Invoice.Route.ONLINE, reference=intent.id, paid_on=PAID_ON,
        now=moment(PAID_ON, 11),
    )  # fmt: skip
    if transfer:
        payment = pooling.pooled_share_transfer(payment_pk=payment.pk, now=when)
    return payment


def transfer_of(payment: Payment) -> dict[str, Any]:
    payment.refresh_from_db()
    return gateway.client().v1.transfers.retrieve(payment.stripe_transfer_id).to_dict()


def reversals_of(payment: Payment) -> list[dict[str, Any]]:
    payment.refresh_from_db()
    return [item.to_dict() for item in gateway.client().v1.transfers.reversals.list(payment.stripe_transfer_id).data]


def test_a_part_refund_then_the_rest_reverse_exactly_the_transfer(account: PaymentAccount) -> None:
    payment = paid_share(account=account, amount=1001, fee=100)
    assert transfer_of(payment)["amount"] == 901
    commissioner = CommissionerFactory()

    first = payment_refund(payment=payment, amount_pence=333, reason="Missed visit", by=commissioner, token="t1")
    # The provider's part of £3.33 of a £10.01 share of which £9.01 was transferred, rounded down.
    assert [item["amount"] for item in reversals_of(payment)] == [333 * 901 // 1001]
    assert first.stripe_transfer_reversal_id == reversals_of(payment)[0]["id"]
    charge = gateway.client().v1.charges.retrieve(payment.stripe_charge_id)
    assert charge.amount_refunded == 333

    second = payment_refund(payment=payment, amount_pence=668, reason="Cancelled", by=commissioner, token="t2")

    transfer = transfer_of(payment)
    assert transfer["amount_reversed"] == transfer["amount"] == 901
    assert sorted(item["id"] for item in reversals_of(payment)) == sorted(
        [first.stripe_transfer_reversal_id, second.stripe_transfer_reversal_id]
    )
    assert {item["metadata"]["refund"] for item in reversals_of(payment)} == {
        first.stripe_refund_id,
        second.stripe_refund_id,
    }
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_pence) == (Payment.Status.REFUNDED, 1001)


def test_a_double_submit_makes_one_refund_and_one_reversal(account: PaymentAccount) -> None:
    payment = paid_share(account=account, amount=2000, fee=0)
    commissioner = CommissionerFactory()

    once = payment_refund(payment=payment, amount_pence=500, reason="Twice", by=commissioner, token="same")
    again = payment_refund(payment=payment, amount_pence=500, reason="Twice", by=commissioner, token="same")

    assert once.pk == again.pk
    assert Refund.objects.filter(payment=payment).count() == 1
    assert [item["amount"] for item in reversals_of(payment)] == [500]
    assert transfer_of(payment)["amount_reversed"] == 500
    # Running the reversal again (a sweep after the answer) changes nothing.
    assert refunds.pooled_refund_reverse(refund_pk=once.pk).stripe_transfer_reversal_id == (
        once.stripe_transfer_reversal_id
    )
    assert len(reversals_of(payment)) == 1


def test_a_refund_before_the_transfer_makes_the_transfer_move_only_the_rest(account: PaymentAccount) -> None:
    payment = paid_share(account=account, amount=1000, fee=100, transfer=False)
    commissioner = CommissionerFactory()

    early = payment_refund(payment=payment, amount_pence=400, reason="Early", by=commissioner, token="e1")
    assert early.stripe_transfer_reversal_id == ""
    assert pooling.pooled_shares_waiting_for_transfer() == [payment.pk]

    done = pooling.pooled_share_transfer(payment_pk=payment.pk)

    # £9 of the £10 was the provider's; 40% of that (£3.60) was refunded before it moved.
    assert transfer_of(done)["amount"] == 540
    early.refresh_from_db()
    assert early.stripe_transfer_reversal_id == WITHHELD
    assert refunds.pooled_refunds_waiting_for_reversal() == []

    late = payment_refund(payment=payment, amount_pence=600, reason="Rest", by=commissioner, token="e2")

    transfer = transfer_of(payment)
    assert transfer["amount_reversed"] == transfer["amount"] == 540
    assert late.stripe_transfer_reversal_id == reversals_of(payment)[0]["id"]


def test_a_refund_while_the_transfer_answer_is_lost_is_reversed_not_sent_as_a_different_transfer(
    account: PaymentAccount,
) -> None:
    payment = paid_share(account=account, amount=1000, fee=100)
    made = transfer_of(payment)
    assert made["amount"] == 900
    # Stripe made the transfer but its answer never arrived: we still have no transfer id.
    Payment.objects.filter(pk=payment.pk).update(stripe_transfer_id="")
    commissioner = CommissionerFactory()

    refund = payment_refund(payment=payment, amount_pence=400, reason="Lost answer", by=commissioner, token="l1")
    assert refund.stripe_transfer_reversal_id == ""  # nothing to reverse from until the transfer is known

    # The retry asks for the same transfer (same amount, same key) and gets Stripe's first answer back.
    again = pooling.pooled_share_transfer(payment_pk=payment.pk)
    assert again.stripe_transfer_id == made["id"]
    grouped = gateway.client().v1.transfers.list(params={"transfer_group": payment.transfer_group}).data
    assert [item.id for item in grouped] == [made["id"]]

    # The refund made meanwhile comes back from that transfer on the sweep, once.
    assert refunds.pooled_refunds_waiting_for_reversal() == [refund.pk]
    tasks.reverse_pending_pooled_refunds()
    transfer = transfer_of(payment)
    assert transfer["amount_reversed"] == 400 * 900 // 1000
    assert refunds.pooled_refunds_waiting_for_reversal() == []


def test_a_share_refunded_in_full_before_its_transfer_is_never_transferred(account: PaymentAccount) -> None:
    payment = paid_share(account=account, amount=1000, fee=100, transfer=False)

    payment_refund(payment=payment, amount_pence=1000, reason="All", by=CommissionerFactory(), token="f1")

    assert pooling.pooled_shares_waiting_for_transfer() == []
    done = pooling.pooled_share_transfer(payment_pk=payment.pk)
    assert done.stripe_transfer_id == ""
    assert gateway.client().v1.transfers.list(params={"transfer_group": payment.transfer_group}).data == []


def test_stripe_down_at_the_reversal_leaves_it_to_the_sweep_which_makes_it_once(
    account: PaymentAccount, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    payment = paid_share(account=account, amount=1000, fee=100)

    def down(**kwargs: Any) -> Any:
        raise PaymentGatewayError("Stripe cannot be reached.", is_unreachable=True)

    with monkeypatch.context() as patched:
        patched.setattr(gateway, "list_transfer_reversals", down)
        refund = payment_refund(payment=payment, amount_pence=250, reason="Down", by=CommissionerFactory(), token="d")

    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.stripe_transfer_reversal_id == ""
    assert reversals_of(payment) == []
    assert refunds.pooled_refunds_waiting_for_reversal() == [refund.pk]

    assert tasks.reverse_pending_pooled_refunds() == 1
    assert tasks.reverse_pending_pooled_refunds() == 0

    refund.refresh_from_db()
    made = reversals_of(payment)
    assert [item["amount"] for item in made] == [225]
    assert refund.stripe_transfer_reversal_id == made[0]["id"]
    # A reversal made at Stripe whose answer was lost is found again, not made twice.
    Refund.objects.filter(pk=refund.pk).update(stripe_transfer_reversal_id="")
    assert refunds.pooled_refund_reverse(refund_pk=refund.pk).stripe_transfer_reversal_id == made[0]["id"]
    assert len(reversals_of(payment)) == 1


def test_a_commissioner_refunds_a_pooled_share_through_the_payment_screen(
    account: PaymentAccount, client: Client
) -> None:
    payment = paid_share(account=account, amount=2000, fee=200)
    client.force_login(CommissionerFactory())

    page = client.get(reverse("payments_admin:payment", args=[payment.pk]))
    assert "Up to £20.00 can be refunded" in page.text
    assert "this is a pooled share" in page.text
    response = client.post(
        reverse("payments_admin:refund", args=[payment.pk]),
        {"amount": "£5.00", "reason": "One session missed", "token": "formpool"},
        follow=True,
    )

    assert response.status_code == 200
    assert "£5.00 refunded to the card" in response.text
    assert [item["amount"] for item in reversals_of(payment)] == [450]


def balance_holds(fake: FakeStripeProcess, pence: int) -> None:
    """Top the platform's available balance up to at least `pence` (the council's own income would be there;
    the fake shared by the session holds whatever earlier tests left)."""
    available = gateway.client().v1.balance.retrieve().available[0].amount
    fake.helper("/_fake/top_up", amount=max(pence - available, 0) + 1)


def given_back(payment: Payment) -> list[dict[str, Any]]:
    """The transfers of the share's group that give the provider back a failed refund's part."""
    grouped = gateway.client().v1.transfers.list(params={"transfer_group": payment.transfer_group}).data
    return [item.to_dict() for item in grouped if item.metadata.to_dict().get("gives_back")]


def test_a_refund_that_fails_after_its_reversal_gives_the_provider_its_part_back_once(
    account: PaymentAccount, stripe_settings: FakeStripeProcess, payments_receiver: WebhookReceiver, client: Client
) -> None:
    payment = paid_share(account=account, amount=2000, fee=200, card="pm_card_refundFail")
    refund = payment_refund(
        payment=payment, amount_pence=1000, reason="Missed day", by=CommissionerFactory(), token="x"
    )
    assert [item["amount"] for item in reversals_of(payment)] == [900]  # the provider's part of £10 of £20
    balance_holds(stripe_settings, 900)  # the council's balance holds the part to give back
    stripe_settings.helper("/_fake/advance_time", seconds=60)  # Stripe's card: the refund fails a minute later

    updates = platform_deliveries(
        payments_receiver, refund.stripe_refund_id, types=("refund.updated", "refund.failed"), at_least=2
    )
    for delivery in updates * 2:  # each event, and each again: a replay changes nothing
        assert deliver(client, delivery).status_code == 200

    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert (payment.status, payment.refunded_pence) == (Payment.Status.SUCCEEDED, 0)
    assert LedgerTransaction.objects.filter(reverses=refund.ledger_transaction).count() == 1
    made = given_back(payment)
    assert [(item["amount"], item["destination"]) for item in made] == [(900, account.stripe_account_id)]
    assert made[0]["metadata"]["refund"] == refund.stripe_refund_id
    assert refund.stripe_transfer_back_id == made[0]["id"]
    # The provider has again all of its share: the transfer less the reversal, plus what was given back.
    assert transfer_of(payment)["amount"] - transfer_of(payment)["amount_reversed"] + made[0]["amount"] == 1800
    assert refunds.pooled_refunds_waiting_to_give_back() == []
    client.force_login(CommissionerFactory())
    page = client.get(reverse("payments_admin:payment", args=[payment.pk])).text
    assert "Failed: the provider's part was sent back to them" in page


def test_stripe_down_when_a_refund_fails_leaves_the_giving_back_to_the_sweep_which_does_it_once(
    account: PaymentAccount, stripe_settings: FakeStripeProcess, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    payment = paid_share(account=account, amount=1000, fee=100, card="pm_card_refundFail")
    refund = payment_refund(payment=payment, amount_pence=400, reason="Down", by=CommissionerFactory(), token="g")
    balance_holds(stripe_settings, 360)
    stripe_settings.helper("/_fake/advance_time", seconds=60)
    snapshot = gateway.retrieve_refund(refund_id=refund.stripe_refund_id)
    assert snapshot.status == "failed"

    def down(**kwargs: Any) -> Any:
        raise PaymentGatewayError("Stripe cannot be reached.", is_unreachable=True)

    def short(**kwargs: Any) -> Any:
        raise PaymentGatewayError("Stripe did not accept that.", code="balance_insufficient")

    with monkeypatch.context() as patched:
        patched.setattr(gateway, "list_transfers", down)
        refunds.refund_apply(payment=payment, snapshot=snapshot, now=refund.created_at)
        with pytest.raises(PaymentsError):
            refunds.pooled_refund_give_back(refund_pk=refund.pk)

        # Stripe refuses while the platform's available balance is short: that waits for the sweep too.
        patched.setattr(gateway, "list_transfers", lambda **kwargs: [])
        patched.setattr(gateway, "create_transfer", short)
        assert refunds.pooled_refund_give_back(refund_pk=refund.pk).stripe_transfer_back_id == ""

    assert given_back(payment) == []
    assert refunds.pooled_refunds_waiting_to_give_back() == [refund.pk]
    assert tasks.give_back_pending_pooled_refunds() == 1
    assert tasks.give_back_pending_pooled_refunds() == 0
    made = given_back(payment)
    assert [item["amount"] for item in made] == [360]
    # A transfer made at Stripe whose answer was lost is found again, not made twice.
    Refund.objects.filter(pk=refund.pk).update(stripe_transfer_back_id="")
    assert refunds.pooled_refund_give_back(refund_pk=refund.pk).stripe_transfer_back_id == made[0]["id"]
    assert len(given_back(payment)) == 1


def test_a_failed_refund_made_before_the_transfer_gives_back_what_the_transfer_was_made_smaller_by(
    account: PaymentAccount, stripe_settings: FakeStripeProcess
) -> None:
    payment = paid_share(account=account, amount=1000, fee=100, transfer=False, card="pm_card_refundFail")
    early = payment_refund(payment=payment, amount_pence=400, reason="Early", by=CommissionerFactory(), token="n1")
    tiny = payment_refund(payment=payment, amount_pence=1, reason="Penny", by=CommissionerFactory(), token="n2")
    pooling.pooled_share_transfer(payment_pk=payment.pk)
    # £9 of the £10 was the provider's; its part of the £4.01 refunded (£3.60) was never moved.
    assert transfer_of(payment)["amount"] == 900 - 401 * 900 // 1000 == 540
    balance_holds(stripe_settings, 360)
    stripe_settings.helper("/_fake/advance_time", seconds=60)  # both refunds fail

    for refund in (early, tiny):
        snapshot = gateway.retrieve_refund(refund_id=refund.stripe_refund_id)
        assert snapshot.status == "failed"
        refunds.refund_apply(payment=payment, snapshot=snapshot, now=refund.created_at)
        refunds.pooled_refund_give_back(refund_pk=refund.pk)

    # Each gives back its step of what was withheld: £3.60 for the first, nothing for the penny after it.
    assert [item["amount"] for item in given_back(payment)] == [360]
    early.refresh_from_db()
    tiny.refresh_from_db()
    assert early.stripe_transfer_back_id == given_back(payment)[0]["id"]
    assert tiny.stripe_transfer_back_id == NO_REVERSAL
    assert refunds.pooled_refunds_waiting_to_give_back() == []
    assert transfer_of(payment)["amount"] + 360 == 900  # the provider has its whole part again


def test_a_refund_that_stands_gives_nothing_back(account: PaymentAccount) -> None:
    payment = paid_share(account=account, amount=1000, fee=100)
    refund = payment_refund(payment=payment, amount_pence=400, reason="Stands", by=CommissionerFactory(), token="s")

    assert refunds.pooled_refunds_waiting_to_give_back() == []
    assert refunds.pooled_refund_give_back(refund_pk=refund.pk).stripe_transfer_back_id == ""
    assert given_back(payment) == []
