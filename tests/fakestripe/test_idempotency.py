"""Idempotency keys as Stripe documents them: replayed with the same parameters, refused with others, 24 hours."""

import pytest
import stripe

from fakestripe.testing import FakeStripeProcess

PARAMS = {"amount": 2000, "currency": "gbp", "metadata": {"invoice": "INV-5"}}


def test_the_same_key_and_parameters_answer_the_saved_response(client: stripe.StripeClient) -> None:
    first = client.v1.payment_intents.create(params=PARAMS, options={"idempotency_key": "pay-invoice-5"})

    again = client.v1.payment_intents.create(params=PARAMS, options={"idempotency_key": "pay-invoice-5"})

    assert again.id == first.id
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"
    assert first.last_response.headers.get("Idempotent-Replayed") is None
    assert again.last_response.headers.get("Idempotency-Key") == "pay-invoice-5"


def test_the_same_key_with_other_parameters_is_an_idempotency_error(client: stripe.StripeClient) -> None:
    client.v1.payment_intents.create(params=PARAMS, options={"idempotency_key": "pay-invoice-6"})

    with pytest.raises(stripe.IdempotencyError) as refused:
        client.v1.payment_intents.create(
            params={**PARAMS, "amount": 2001}, options={"idempotency_key": "pay-invoice-6"}
        )

    assert refused.value.http_status == 400
    assert "same parameters" in str(refused.value.user_message)


def test_a_replayed_decline_charges_nothing_more(client: stripe.StripeClient) -> None:
    params = {"amount": 2000, "currency": "gbp", "payment_method": "pm_card_chargeDeclined", "confirm": True,
              "metadata": {"invoice": "INV-7"}}  # fmt: skip
    errors = []
    for _attempt in range(2):
        with pytest.raises(stripe.CardError) as declined:
            client.v1.payment_intents.create(params=params, options={"idempotency_key": "pay-invoice-7"})
        errors.append(declined.value)

    assert errors[0].error.charge == errors[1].error.charge
    assert errors[1].headers.get("Idempotent-Replayed") == "true"
    intent_id = errors[0].error.payment_intent.id
    assert len(client.v1.charges.list(params={"payment_intent": intent_id}).data) == 1


def test_a_refused_request_is_not_saved(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.create(params={"currency": "gbp"}, options={"idempotency_key": "pay-invoice-8"})

    made = client.v1.payment_intents.create(params=PARAMS, options={"idempotency_key": "pay-invoice-8"})

    assert made.amount == 2000


def test_keys_are_forgotten_after_24_hours(client: stripe.StripeClient, fake_stripe: FakeStripeProcess) -> None:
    first = client.v1.payment_intents.create(params=PARAMS, options={"idempotency_key": "pay-invoice-9"})
    fake_stripe.helper("/_fake/advance_time", seconds=23 * 60 * 60)
    assert client.v1.payment_intents.create(params=PARAMS, options={"idempotency_key": "pay-invoice-9"}).id == first.id

    fake_stripe.helper("/_fake/advance_time", seconds=60 * 60 + 1)

    assert client.v1.payment_intents.create(params=PARAMS, options={"idempotency_key": "pay-invoice-9"}).id != first.id


def test_keys_belong_to_one_api_key(client: stripe.StripeClient, fake_stripe: FakeStripeProcess) -> None:
    first = client.v1.payment_intents.create(params=PARAMS, options={"idempotency_key": "pay-invoice-10"})

    other = fake_stripe.client("sk_test_another_platform").v1.payment_intents.create(
        params=PARAMS, options={"idempotency_key": "pay-invoice-10"}
    )

    assert other.id != first.id
