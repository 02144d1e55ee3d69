"""Charges: the test cards, the charge object (on the platform, or a transfer's payment on a connected account)."""

from dataclasses import dataclass
from typing import Any

from fakestripe.core import COUNTRY, CURRENCY, Request, add_to_embedded, embedded_list, list_object


@dataclass(frozen=True)
class TestCard:
    number: str
    brand: str
    outcome: str  # "succeeds", "declined", "disputed" or "refund_fails"

    @property
    def last4(self) -> str:
        return self.number[-4:]


TEST_CARDS = {
    card.number: card
    for card in (
        TestCard("4242424242424242", "visa", "succeeds"),
        TestCard("5555555555554444", "mastercard", "succeeds"),
        TestCard("4000000000000002", "visa", "declined"),
        TestCard("4000000000000259", "visa", "disputed"),
        # Paid; a refund of it succeeds and then fails a little later (Stripe's card for asynchronous failure).
        TestCard("4000000000005126", "visa", "refund_fails"),
    )
}
# Stripe's test payment methods, for payment intents confirmed through the API.
TEST_PAYMENT_METHODS = {
    "pm_card_visa": TEST_CARDS["4242424242424242"],
    "pm_card_mastercard": TEST_CARDS["5555555555554444"],
    "pm_card_chargeDeclined": TEST_CARDS["4000000000000002"],
    "pm_card_createDispute": TEST_CARDS["4000000000000259"],
    "pm_card_refundFail": TEST_CARDS["4000000000005126"],
}


def card_of(charge: dict[str, Any]) -> TestCard | None:
    """The test card a platform charge was paid with (None for a transfer's payment)."""
    details = charge.get("payment_method_details") or {}
    last4 = (details.get("card") or {}).get("last4")
    return next((card for card in TEST_CARDS.values() if card.last4 == last4), None)


@dataclass(frozen=True)
class Billing:
    name: str | None = None
    email: str | None = None


def charge_object(
    *,
    charge_id: str,
    amount: int,
    created: int,
    payment_intent: str | None,
    payment_method: str | None,
    card: TestCard | None,
    billing: Billing,
    metadata: dict[str, str],
    description: str | None,
    transfer_group: str | None,
    succeeded: bool,
) -> dict[str, Any]:
    details: dict[str, Any] | None = None
    if card is not None:
        details = {
            "card": {
                "amount_authorized": amount if succeeded else None,
                "authorization_code": "123456" if succeeded else None,
                "brand": card.brand,
                "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
                "country": COUNTRY,
                "exp_month": 12,
                "exp_year": 2034,
                "extended_authorization": {"status": "disabled"},
                "fingerprint": "fake" + card.last4,
                "funding": "debit",
                "incremental_authorization": {"status": "unavailable"},
                "installments": None,
                "last4": card.last4,
                "mandate": None,
                "multicapture": {"status": "unavailable"},
                "network": card.brand,
                "network_token": {"used": False},
                "network_transaction_id": None,
                "overcapture": {"maximum_amount_capturable": amount, "status": "unavailable"},
                "regulated_status": "unregulated",
                "three_d_secure": None,
                "transaction_link_id": None,
                "wallet": None,
            },
            "type": "card",
        }
    return {
        "amount": amount,
        "amount_captured": amount if succeeded else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": None,
        "billing_details": {
            "address": {
                "city": None,
                "country": None,
                "line1": None,
                "line2": None,
                "postal_code": None,
                "state": None,
            },
            "email": billing.email,
            "name": billing.name,
            "phone": None,
            "tax_id": None,
        },
        "calculated_statement_descriptor": "FAKE STRIPE",
        "captured": succeeded,
        "created": created,
        "currency": CURRENCY,
        "customer": None,
        "description": description,
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": None if succeeded else "card_declined",
        "failure_message": None if succeeded else "Your card was declined.",
        "fraud_details": {},
        "id": charge_id,
        "livemode": False,
        "metadata": metadata,
        "object": "charge",
        "on_behalf_of": None,
        "outcome": {
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network" if succeeded else "declined_by_network",
            "reason": None if succeeded else "generic_decline",
            "risk_level": "normal",
            "seller_message": "Payment complete." if succeeded else "The bank did not return any further details.",
            "type": "authorized" if succeeded else "issuer_declined",
        },
        "paid": succeeded,
        "payment_intent": payment_intent,
        "payment_method": payment_method,
        "payment_method_details": details,
        "receipt_email": billing.email,
        "receipt_number": None,
        "receipt_url": None,
        "refunded": False,
        "refunds": embedded_list(f"/v1/charges/{charge_id}/refunds"),
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "succeeded" if succeeded else "failed",
        "transfer": None,
        "transfer_data": None,
        "transfer_group": transfer_group,
    }


def record_refund_on_charge(charge: dict[str, Any], refund: dict[str, Any]) -> None:
    charge["amount_refunded"] += refund["amount"]
    charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
    add_to_embedded(charge["refunds"], refund)


def retrieve_charge(request: Request) -> dict[str, Any]:
    (charge_id,) = request.path_args
    return request.store.get("charge", charge_id, account=request.account, param="charge")


def list_charges(request: Request) -> dict[str, Any]:
    return list_object(
        request,
        request.store.all("charge", account=request.account),
        "/v1/charges",
        filters={
            "payment_intent": lambda item, wanted: item["payment_intent"] == wanted,
            "transfer_group": lambda item, wanted: item["transfer_group"] == wanted,
        },
    )


ROUTES = [
    ("GET", r"/v1/charges", list_charges),
    ("GET", r"/v1/charges/([^/]+)", retrieve_charge),
]
