"""Checkout sessions paid on the hosted page: a destination charge with its fee, transfer and events."""

from collections.abc import Callable

import pytest
import stripe

from fakestripe.resources.balance import card_fee
from fakestripe.testing import FakeStripeProcess
from tests.fakestripe.conftest import (
    CARD_DECLINED,
    CARD_DISPUTED,
    CARD_PAID,
    PLATFORM_PATH,
    PLATFORM_SECRET,
    pay_on_page,
)
from tests.fakestripe.receiver import WebhookReceiver

MakeSession = Callable[..., stripe.checkout.Session]


@pytest.mark.parametrize(
    ("amount", "fee"),
    [(5000, 95), (100, 22), (33, 20), (1, 20), (10_000, 170), (12_345, 205)],
)
def test_stripe_uk_card_fee_is_one_and_a_half_percent_rounded_plus_twenty_pence(amount: int, fee: int) -> None:
    assert card_fee(amount) == fee


def test_a_new_session_is_open_with_its_total_and_a_hosted_page(
    client: stripe.StripeClient,
    make_session: MakeSession,
    onboarded_account: stripe.Account,
    fake_stripe: FakeStripeProcess,
) -> None:
    session = make_session(onboarded_account.id, amount=2500)

    assert session.id.startswith("cs_test_")
    assert session.status == "open"
    assert session.payment_status == "unpaid"
    assert session.amount_total == 2500
    assert session.currency == "gbp"
    assert session.payment_intent is None
    page = fake_stripe.page(session.url or "")
    assert page.status == 200
    assert "Pay £25.00" in page.text
    expanded = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["line_items"]})
    assert [(item.description, item.amount_total) for item in expanded.line_items.data] == [("Invoice INV-1", 2500)]
    assert client.v1.checkout.sessions.line_items.list(session.id).data[0].quantity == 1
    assert 'label for="card_number"' in page.text


def test_paying_with_the_good_card_makes_the_destination_charge_transfer_and_fee(
    client: stripe.StripeClient,
    make_session: MakeSession,
    onboarded_account: stripe.Account,
    fake_stripe: FakeStripeProcess,
    receiver: WebhookReceiver,
) -> None:
    session = make_session(onboarded_account.id, amount=5000, fee=100)

    paid = pay_on_page(fake_stripe, session, CARD_PAID)

    assert paid.status == 303
    assert paid.location == f"http://127.0.0.1:8000/payments/done/?session={session.id}"
    session = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent.latest_charge"]})
    assert session.status == "complete"
    assert session.payment_status == "paid"
    intent = session.payment_intent
    assert isinstance(intent, stripe.PaymentIntent)
    assert intent.status == "succeeded"
    assert intent.amount_received == 5000
    assert intent.transfer_data.destination == onboarded_account.id
    assert intent.application_fee_amount == 100
    assert intent.metadata.to_dict() == {"invoice": "INV-1"}
    charge = intent.latest_charge
    assert isinstance(charge, stripe.Charge)
    assert charge.payment_method_details.card.last4 == "4242"
    platform_line = client.v1.balance_transactions.retrieve(str(charge.balance_transaction))
    assert (platform_line.amount, platform_line.fee, platform_line.net) == (5000, 95, 4905)
    transfer = client.v1.transfers.retrieve(str(charge.transfer))
    assert (transfer.amount, transfer.destination, transfer.source_transaction) == (
        5000,
        onboarded_account.id,
        charge.id,
    )
    fee = client.v1.application_fees.retrieve(str(charge.application_fee))
    assert (fee.amount, fee.account, fee.originating_transaction) == (100, onboarded_account.id, charge.id)
    connected_lines = client.v1.balance_transactions.list(options={"stripe_account": onboarded_account.id})
    assert sorted((line.type, line.amount) for line in connected_lines.data) == [
        ("application_fee", -100),
        ("payment", 5000),
    ]
    for event_type, object_id in [
        ("checkout.session.completed", session.id),
        ("payment_intent.succeeded", intent.id),
        ("charge.succeeded", charge.id),
    ]:
        event = receiver.wait_for(
            PLATFORM_PATH,
            PLATFORM_SECRET,
            lambda event, event_type=event_type, object_id=object_id: (
                event.type == event_type and event.data.object["id"] == object_id
            ),
        )
        assert "account" not in event


def test_a_declined_card_is_shown_on_the_page_and_nothing_is_charged(
    client: stripe.StripeClient,
    make_session: MakeSession,
    onboarded_account: stripe.Account,
    fake_stripe: FakeStripeProcess,
) -> None:
    session = make_session(onboarded_account.id)

    declined = pay_on_page(fake_stripe, session, CARD_DECLINED)

    assert declined.status == 402
    assert "Your card was declined. Nothing has been charged." in declined.text
    assert 'value="Pat Holder"' in declined.text  # what was typed is kept
    session = client.v1.checkout.sessions.retrieve(session.id)
    assert session.status == "open"
    intent = client.v1.payment_intents.retrieve(str(session.payment_intent))
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == "card_declined"
    charges = client.v1.charges.list(params={"payment_intent": intent.id})
    assert [(charge.status, charge.paid) for charge in charges.data] == [("failed", False)]
    assert client.v1.transfers.list(params={"destination": onboarded_account.id}).data == []

    assert pay_on_page(fake_stripe, session, CARD_PAID).status == 303  # another card then pays
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_form_mistakes_are_listed_and_nothing_is_tried(
    make_session: MakeSession, onboarded_account: stripe.Account, fake_stripe: FakeStripeProcess
) -> None:
    session = make_session(onboarded_account.id)

    page = fake_stripe.page(session.url or "", {"name": "", "card_number": "1234", "expiry": "13/30", "cvc": "x"})

    assert page.status == 400
    assert "There is a problem" in page.text
    for message in (
        "Enter the name on the card",
        "Enter a test card number",
        "Enter the expiry date",
        "Enter the security code",
    ):
        assert message in page.text


def test_the_dispute_card_pays_then_opens_a_dispute(
    client: stripe.StripeClient,
    make_session: MakeSession,
    onboarded_account: stripe.Account,
    fake_stripe: FakeStripeProcess,
    receiver: WebhookReceiver,
) -> None:
    session = make_session(onboarded_account.id)

    assert pay_on_page(fake_stripe, session, CARD_DISPUTED).status == 303

    session = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    charge_id = session.payment_intent.latest_charge
    event = receiver.wait_for(
        PLATFORM_PATH,
        PLATFORM_SECRET,
        lambda event: event.type == "charge.dispute.created" and event.data.object["charge"] == charge_id,
    )
    dispute = client.v1.disputes.retrieve(event.data.object["id"])
    assert (dispute.amount, dispute.status, dispute.currency) == (5000, "needs_response", "gbp")
    assert client.v1.charges.retrieve(str(charge_id)).disputed is True
    assert dispute.id in [item.id for item in client.v1.disputes.list(params={"charge": str(charge_id)}).data]


def test_expiring_a_session_tells_the_platform_and_closes_the_page(
    client: stripe.StripeClient,
    make_session: MakeSession,
    onboarded_account: stripe.Account,
    fake_stripe: FakeStripeProcess,
    receiver: WebhookReceiver,
) -> None:
    session = make_session(onboarded_account.id)

    expired = client.v1.checkout.sessions.expire(session.id)

    assert expired.status == "expired"
    receiver.wait_for(
        PLATFORM_PATH,
        PLATFORM_SECRET,
        lambda event: event.type == "checkout.session.expired" and event.data.object["id"] == session.id,
    )
    assert fake_stripe.page(session.url or "").status == 410
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)


def test_a_session_left_open_expires_when_its_time_is_up(
    client: stripe.StripeClient, make_session: MakeSession, onboarded_account: stripe.Account,
    fake_stripe: FakeStripeProcess, receiver: WebhookReceiver,
) -> None:  # fmt: skip
    session = make_session(onboarded_account.id)

    fake_stripe.helper("/_fake/advance_time", seconds=24 * 60 * 60 + 1)

    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"
    receiver.wait_for(
        PLATFORM_PATH,
        PLATFORM_SECRET,
        lambda event: event.type == "checkout.session.expired" and event.data.object["id"] == session.id,
    )


def test_a_destination_that_cannot_be_paid_is_refused(client: stripe.StripeClient, make_session: MakeSession) -> None:
    not_onboarded = client.v1.accounts.create(params={"capabilities": {"transfers": {"requested": True}}})

    with pytest.raises(stripe.InvalidRequestError) as refused:
        make_session(not_onboarded.id)

    assert refused.value.code == "insufficient_capabilities_for_transfer"
    assert refused.value.param == "payment_intent_data[transfer_data][destination]"


def test_a_second_submit_of_the_page_pays_nothing_more(
    client: stripe.StripeClient,
    make_session: MakeSession,
    onboarded_account: stripe.Account,
    fake_stripe: FakeStripeProcess,
) -> None:
    session = make_session(onboarded_account.id)
    pay_on_page(fake_stripe, session, CARD_PAID)

    again = pay_on_page(fake_stripe, session, CARD_PAID)

    assert again.location == f"http://127.0.0.1:8000/payments/done/?session={session.id}"
    intent_id = str(client.v1.checkout.sessions.retrieve(session.id).payment_intent)
    assert len(client.v1.charges.list(params={"payment_intent": intent_id}).data) == 1
