"""Errors in Stripe's shape and status codes, and authentication by test secret key only."""

import json
import urllib.error
import urllib.request

import pytest
import stripe

from fakestripe.testing import FakeStripeProcess


def _raw(
    fake_stripe: FakeStripeProcess, path: str, authorization: str | None, data: bytes | None = None
) -> tuple[int, dict]:
    request = urllib.request.Request(fake_stripe.base_url + path, data=data)
    if authorization is not None:
        request.add_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer sk_live_realkey123456", "Bearer pk_test_publishable1", "Basic c2tfdGVzdF94eXo6", "Bearer "],
)
def test_anything_but_a_test_secret_key_is_401(fake_stripe: FakeStripeProcess, authorization: str | None) -> None:
    status, body = _raw(fake_stripe, "/v1/accounts", authorization)

    assert status == 401
    assert body["error"]["type"] == "invalid_request_error"
    assert set(body["error"]) >= {"type", "code", "message", "param"}


def test_the_stripe_client_raises_authentication_error_for_a_live_key(fake_stripe: FakeStripeProcess) -> None:
    with pytest.raises(stripe.AuthenticationError):
        fake_stripe.client("sk_live_notallowed123").v1.accounts.list()


def test_a_missing_object_is_404_resource_missing(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.charges.retrieve("ch_doesnotexist")

    assert missing.value.http_status == 404
    assert missing.value.code == "resource_missing"
    assert missing.value.param == "charge"


def test_a_missing_parameter_is_400_parameter_missing(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.transfers.create(params={"amount": 100, "currency": "gbp"})

    assert (missing.value.http_status, missing.value.code, missing.value.param) == (
        400,
        "parameter_missing",
        "destination",
    )


def test_an_unknown_parameter_is_refused(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.payment_intents.create(params={"amount": 100, "currency": "gbp", "colour": "blue"})

    assert unknown.value.code == "parameter_unknown"
    assert unknown.value.param == "colour"


def test_an_unknown_url_is_404(fake_stripe: FakeStripeProcess) -> None:
    status, body = _raw(fake_stripe, "/v1/subscriptions", "Bearer sk_test_fakestripe_platform")

    assert status == 404
    assert "Unrecognized request URL" in body["error"]["message"]


def test_an_unknown_connected_account_header_is_404(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.payouts.list(options={"stripe_account": "acct_nobody"})

    assert missing.value.http_status == 404


def test_a_bad_integer_is_400(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as bad:
        client.v1.payment_intents.create(params={"amount": "ten", "currency": "gbp"})

    assert bad.value.code == "parameter_invalid_integer"


def test_direct_charges_on_a_connected_account_are_refused(client: stripe.StripeClient, onboarded_account) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.create(
            params={"amount": 100, "currency": "gbp"}, options={"stripe_account": onboarded_account.id}
        )

    assert refused.value.param == "Stripe-Account"
