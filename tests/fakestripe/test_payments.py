"""Payment intents, separate charges and transfers, refunds with reversals, application fees and payouts."""

from collections.abc import Callable

import pytest
import stripe

from fakestripe.testing import FakeStripeProcess
from tests.fakestripe.conftest import CARD_PAID, PLATFORM_PATH, PLATFORM_SECRET, pay_on_page
from tests.fakestripe.receiver import WebhookReceiver

MakeSession = Callable[..., stripe.checkout.Session]


def _paid_charge(
    client: stripe.StripeClient, fake_stripe: FakeStripeProcess, make_session: MakeSession, destination: str,
    amount: int = 6000, fee: int | None = 300,
) -> stripe.Charge:  # fmt: skip
    session = make_session(destination, amount=amount, fee=fee)
    assert pay_on_page(fake_stripe, session, CARD_PAID).status == 303
    intent = client.v1.payment_intents.retrieve(str(client.v1.checkout.sessions.retrieve(session.id).payment_intent))
    return client.v1.charges.retrieve(str(intent.latest_charge))


def test_payment_intents_are_created_confirmed_and_listed_by_creation_time(
    client: stripe.StripeClient, onboarded_account: stripe.Account
) -> None:
    intent = client.v1.payment_intents.create(
        params={"amount": 1200, "currency": "gbp", "transfer_data": {"destination": onboarded_account.id},
                "metadata": {"invoice": "INV-9"}}
    )  # fmt: skip
    assert intent.status == "requires_payment_method"

    confirmed = client.v1.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_visa"})

    assert confirmed.status == "succeeded"
    assert confirmed.transfer_group == f"group_{intent.id}"
    since = client.v1.payment_intents.list(params={"created": {"gte": intent.created}, "limit": 100})
    assert intent.id in [item.id for item in since.data]
    before = client.v1.payment_intents.list(params={"created": {"lt": intent.created}, "limit": 100})
    assert intent.id not in [item.id for item in before.data]


def test_a_declined_confirmation_is_a_402_card_error(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.CardError) as declined:
        client.v1.payment_intents.create(
            params={"amount": 1200, "currency": "gbp", "payment_method": "pm_card_chargeDeclined", "confirm": True}
        )

    assert declined.value.http_status == 402
    assert declined.value.code == "card_declined"
    assert declined.value.error.decline_code == "generic_decline"


def test_separate_charges_and_transfers_share_one_transfer_group(
    client: stripe.StripeClient, onboarded_account: stripe.Account, fake_stripe: FakeStripeProcess
) -> None:
    second = client.v1.accounts.create(params={"capabilities": {"transfers": {"requested": True}}})
    fake_stripe.helper("/_fake/onboarding", account=second.id)
    intent = client.v1.payment_intents.create(
        params={"amount": 9000, "currency": "gbp", "transfer_group": "POOL-1", "payment_method": "pm_card_visa",
                "confirm": True}
    )  # fmt: skip
    charge_id = str(intent.latest_charge)

    first_share = client.v1.transfers.create(
        params={"amount": 4500, "currency": "gbp", "destination": onboarded_account.id, "transfer_group": "POOL-1",
                "source_transaction": charge_id}
    )  # fmt: skip
    second_share = client.v1.transfers.create(
        params={"amount": 4500, "currency": "gbp", "destination": second.id, "transfer_group": "POOL-1",
                "source_transaction": charge_id}
    )  # fmt: skip

    grouped = client.v1.transfers.list(params={"transfer_group": "POOL-1"})
    assert {item.id for item in grouped.data} == {first_share.id, second_share.id}
    assert first_share.destination_payment
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.transfers.create(
            params={"amount": 1, "currency": "gbp", "destination": second.id, "source_transaction": charge_id}
        )
    assert too_much.value.code == "transfer_source_balance_parameters_mismatch"
    reversal = client.v1.transfers.reversals.create(first_share.id, params={"amount": 500})
    assert (reversal.amount, reversal.transfer) == (500, first_share.id)
    assert client.v1.transfers.retrieve(first_share.id).amount_reversed == 500
    assert [item.id for item in client.v1.transfers.reversals.list(first_share.id).data] == [reversal.id]


def test_a_refund_reverses_the_transfer_and_refunds_the_fee_in_proportion(
    client: stripe.StripeClient,
    fake_stripe: FakeStripeProcess,
    make_session: MakeSession,
    onboarded_account: stripe.Account,
    receiver: WebhookReceiver,
) -> None:
    charge = _paid_charge(client, fake_stripe, make_session, onboarded_account.id, amount=6000, fee=300)

    refund = client.v1.refunds.create(
        params={"charge": charge.id, "amount": 2000, "reverse_transfer": True, "refund_application_fee": True}
    )

    assert (refund.amount, refund.status, refund.charge) == (2000, "succeeded", charge.id)
    reversal = refund.transfer_reversal
    transfer = client.v1.transfers.retrieve(str(charge.transfer))
    assert transfer.amount_reversed == 2000
    assert transfer.reversals.data[0].id == reversal
    fee = client.v1.application_fees.retrieve(str(charge.application_fee))
    assert fee.amount_refunded == 100  # a third of the 300 fee for a third of the charge
    charge = client.v1.charges.retrieve(charge.id)
    assert (charge.amount_refunded, charge.refunded) == (2000, False)
    connected_lines = client.v1.balance_transactions.list(options={"stripe_account": onboarded_account.id})
    assert sorted((line.type, line.amount) for line in connected_lines.data) == [
        ("application_fee", -300),
        ("application_fee_refund", 100),
        ("payment", 6000),
        ("payment_refund", -2000),
    ]
    receiver.wait_for(
        PLATFORM_PATH,
        PLATFORM_SECRET,
        lambda event: event.type == "refund.created" and event.data.object["id"] == refund.id,
    )
    refunded = receiver.wait_for(
        PLATFORM_PATH,
        PLATFORM_SECRET,
        lambda event: event.type == "charge.refunded" and event.data.object["id"] == charge.id,
    )
    assert refunded.data.object["amount_refunded"] == 2000

    rest = client.v1.refunds.create(params={"payment_intent": str(charge.payment_intent), "reverse_transfer": True})
    assert rest.amount == 4000
    assert client.v1.transfers.retrieve(str(charge.transfer)).reversed is True
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.refunds.create(params={"charge": charge.id})
    assert again.value.code == "charge_already_refunded"


def test_connected_accounts_are_paid_out_in_pounds(
    client: stripe.StripeClient, fake_stripe: FakeStripeProcess, make_session: MakeSession,
    onboarded_account: stripe.Account,
) -> None:  # fmt: skip
    _paid_charge(client, fake_stripe, make_session, onboarded_account.id, amount=6000, fee=300)

    made = fake_stripe.helper("/_fake/payouts", account=onboarded_account.id)

    payouts = client.v1.payouts.list(options={"stripe_account": onboarded_account.id})
    assert [(payout.id, payout.amount, payout.currency) for payout in payouts.data] == [(made["id"], 5700, "gbp")]
    assert payouts.data[0].status == "pending"
    lines = client.v1.balance_transactions.list(
        params={"payout": made["id"]}, options={"stripe_account": onboarded_account.id}
    )
    assert sum(line.net for line in lines.data) == 5700
    fake_stripe.helper("/_fake/advance_time", seconds=2 * 24 * 60 * 60)
    assert client.v1.payouts.retrieve(made["id"], options={"stripe_account": onboarded_account.id}).status == "paid"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payouts.retrieve(made["id"])  # not the platform's


def test_available_balances_are_paid_out_automatically_as_days_pass(
    client: stripe.StripeClient, fake_stripe: FakeStripeProcess, make_session: MakeSession,
    onboarded_account: stripe.Account,
) -> None:  # fmt: skip
    _paid_charge(client, fake_stripe, make_session, onboarded_account.id, amount=3000, fee=None)
    options: stripe.RequestOptions = {"stripe_account": onboarded_account.id}
    assert client.v1.payouts.list(options=options).data == []

    fake_stripe.helper("/_fake/advance_time", seconds=3 * 24 * 60 * 60)

    payouts = client.v1.payouts.list(options=options).data
    assert [(payout.amount, payout.automatic) for payout in payouts] == [(3000, True)]
    balance = client.v1.balance.retrieve(options=options)
    assert balance.available[0].amount == 0


def test_a_transfer_reversal_keeps_its_metadata_replays_its_key_and_refuses_more_than_is_left(
    client: stripe.StripeClient, onboarded_account: stripe.Account
) -> None:
    intent = client.v1.payment_intents.create(
        params={"amount": 1000, "currency": "gbp", "transfer_group": "POOL-R", "payment_method": "pm_card_visa",
                "confirm": True}
    )  # fmt: skip
    transfer = client.v1.transfers.create(
        params={"amount": 900, "currency": "gbp", "destination": onboarded_account.id, "transfer_group": "POOL-R",
                "source_transaction": str(intent.latest_charge)}
    )  # fmt: skip
    refund = client.v1.refunds.create(params={"charge": str(intent.latest_charge), "amount": 400})
    assert refund.transfer_reversal is None  # a plain charge: Stripe reverses nothing by itself

    options: stripe.RequestOptions = {"idempotency_key": "reverse-once"}
    first = client.v1.transfers.reversals.create(
        transfer.id, params={"amount": 360, "metadata": {"refund": refund.id}}, options=options
    )
    again = client.v1.transfers.reversals.create(
        transfer.id, params={"amount": 360, "metadata": {"refund": refund.id}}, options=options
    )

    assert (again.id, first.object, first.amount, first.transfer) == (first.id, "transfer_reversal", 360, transfer.id)
    assert first.metadata.to_dict() == {"refund": refund.id}
    assert client.v1.transfers.retrieve(transfer.id).amount_reversed == 360
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.transfers.reversals.create(transfer.id, params={"amount": 541})
    assert too_much.value.param == "amount"
    assert too_much.value.error is not None
    assert too_much.value.error.type == "invalid_request_error"
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params={"charge": str(intent.latest_charge), "amount": 1, "reverse_transfer": True})
    assert refused.value.param == "reverse_transfer"
    assert [item.id for item in client.v1.transfers.reversals.list(transfer.id).data] == [first.id]


def test_a_refund_of_the_refund_failing_card_succeeds_then_fails_and_its_money_comes_back_to_the_platform(
    client: stripe.StripeClient, fake_stripe: FakeStripeProcess, receiver: WebhookReceiver
) -> None:
    intent = client.v1.payment_intents.create(
        params={"amount": 1000, "currency": "gbp", "payment_method": "pm_card_refundFail", "confirm": True}
    )
    charge_id = str(intent.latest_charge)
    refund = client.v1.refunds.create(params={"charge": charge_id, "amount": 400})
    assert refund.status == "succeeded"
    # The fake's clock is the wall clock in whole seconds plus what the test advanced: 50 s, not 59, so a second
    # ticking over between the refund and this read cannot make it the minute.
    fake_stripe.helper("/_fake/advance_time", seconds=50)
    assert client.v1.refunds.retrieve(refund.id).status == "succeeded"  # not yet

    fake_stripe.helper("/_fake/advance_time", seconds=10)

    failed = client.v1.refunds.retrieve(refund.id)
    assert (failed.status, failed["failure_reason"]) == ("failed", "expired_or_canceled_card")
    back = client.v1.balance_transactions.retrieve(failed["failure_balance_transaction"])
    assert (back.type, back.amount, back.source) == ("refund_failure", 400, refund.id)
    charge = client.v1.charges.retrieve(charge_id)
    assert (charge.amount_refunded, charge.refunded, charge.refunds.data[0].status) == (0, False, "failed")
    for event_type in ("charge.refund.updated", "refund.updated", "refund.failed"):
        event = receiver.wait_for(
            PLATFORM_PATH,
            PLATFORM_SECRET,
            lambda event, event_type=event_type: event.type == event_type and event.data.object["id"] == refund.id,
        )
        assert event.data.object["status"] == "failed"
    # A visa paid the same way keeps its refund.
    kept = client.v1.payment_intents.create(
        params={"amount": 1000, "currency": "gbp", "payment_method": "pm_card_visa", "confirm": True}
    )
    kept_refund = client.v1.refunds.create(params={"charge": str(kept.latest_charge), "amount": 400})
    fake_stripe.helper("/_fake/advance_time", seconds=120)
    assert client.v1.refunds.retrieve(kept_refund.id).status == "succeeded"
