"""The gateway, against the fake Stripe: the only code that calls the stripe client."""

import hashlib
import hmac
import time
from typing import Any

import pytest

from fakestripe.testing import FakeStripeProcess
from marketplace.payments import gateway
from marketplace.payments.gateway import PaymentGatewayError, SignatureError

from .conftest import CONNECT_SECRET, PLATFORM_SECRET


def test_a_new_account_has_controller_properties_and_is_not_ready(stripe_settings: FakeStripeProcess) -> None:
    snapshot = gateway.create_connected_account(email="pa@example.com", business_name="Asha Patel", reference="p-1")

    account = stripe_settings.client().v1.accounts.retrieve(snapshot.account_id).to_dict()
    assert account["controller"]["fees"]["payer"] == "application"
    assert account["controller"]["losses"]["payments"] == "application"
    assert account["controller"]["stripe_dashboard"]["type"] == "express"
    assert account["controller"]["requirement_collection"] == "stripe"
    assert account["country"] == "GB"
    assert not snapshot.charges_enabled
    assert not snapshot.payouts_enabled
    assert "external_account" in snapshot.requirements_due


def test_the_same_reference_gives_the_same_account(stripe_settings: FakeStripeProcess) -> None:
    first = gateway.create_connected_account(email="pa@example.com", business_name="Asha", reference="p-twice")
    second = gateway.create_connected_account(email="pa@example.com", business_name="Asha", reference="p-twice")

    assert first.account_id == second.account_id


def test_an_onboarded_account_reads_back_ready(stripe_settings: FakeStripeProcess) -> None:
    snapshot = gateway.create_connected_account(email="pa@example.com", business_name="Asha", reference="p-2")
    stripe_settings.helper("/_fake/onboarding", account=snapshot.account_id)

    after = gateway.retrieve_account(account_id=snapshot.account_id)

    assert after.charges_enabled
    assert after.payouts_enabled
    assert (after.card_payments_status, after.transfers_status) == ("active", "active")
    assert after.requirements_due == []


def test_an_onboarding_link_goes_to_stripes_hosted_page(stripe_settings: FakeStripeProcess) -> None:
    snapshot = gateway.create_connected_account(email="pa@example.com", business_name="Asha", reference="p-3")

    url = gateway.create_onboarding_link(
        account_id=snapshot.account_id, return_url="http://testserver/back/", refresh_url="http://testserver/again/"
    )

    assert url.startswith(stripe_settings.base_url)
    assert "Finish onboarding" in stripe_settings.page(url).text


def test_stripe_unreachable_is_one_readable_error(stripe_down: None) -> None:
    with pytest.raises(PaymentGatewayError) as raised:
        gateway.retrieve_account(account_id="acct_anything")

    assert raised.value.is_unreachable
    assert "could not reach" in raised.value.message


def test_a_refusal_is_the_same_error_not_unreachable(stripe_settings: FakeStripeProcess) -> None:
    with pytest.raises(PaymentGatewayError) as raised:
        gateway.retrieve_account(account_id="acct_nobodyhasthis")

    assert not raised.value.is_unreachable
    assert raised.value.code == "resource_missing"


def test_a_webhook_signed_with_another_secret_does_not_verify() -> None:
    payload = b'{"id": "evt_1", "type": "account.updated", "data": {"object": {"id": "acct_1"}}}'
    header = _sign(payload, PLATFORM_SECRET)

    assert gateway.verify_event(payload=payload, signature=header, secret=PLATFORM_SECRET).event_id == "evt_1"
    with pytest.raises(SignatureError):
        gateway.verify_event(payload=payload, signature=header, secret=CONNECT_SECRET)
    with pytest.raises(SignatureError):
        gateway.verify_event(payload=payload + b" ", signature=header, secret=PLATFORM_SECRET)


def test_demo_is_anything_but_the_real_api(settings: Any) -> None:
    settings.STRIPE_API_BASE = "https://api.stripe.com"
    assert not gateway.is_demo()
    settings.STRIPE_API_BASE = "http://127.0.0.1:12111"
    assert gateway.is_demo()


def _sign(payload: bytes, secret: str) -> str:
    """Stripe's signature scheme, computed here independently of the stripe library."""
    timestamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def test_only_stripes_onboarding_origin_is_allowed_for_the_form(settings: Any) -> None:
    settings.STRIPE_API_BASE = "https://api.stripe.com"
    assert gateway.onboarding_origin() == "https://connect.stripe.com"
    settings.STRIPE_API_BASE = "http://127.0.0.1:12111/"
    assert gateway.onboarding_origin() == "http://127.0.0.1:12111"


@pytest.mark.parametrize("payload", [b"\xff\xfe", b"not json", b"[1, 2]", b'{"type": "account.updated"}'])
def test_a_correctly_signed_body_that_is_not_an_event_is_refused(payload: bytes) -> None:
    with pytest.raises(SignatureError):
        gateway.verify_event(payload=payload, signature=_sign(payload, PLATFORM_SECRET), secret=PLATFORM_SECRET)
