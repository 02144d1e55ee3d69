"""Checkout sessions (mode=payment) and what paying on the hosted page does."""

import copy
from typing import Any

from fakestripe.core import CURRENCY, Fake, Request, list_object
from fakestripe.errors import StripeError, invalid
from fakestripe.ids import new_id
from fakestripe.params import Params
from fakestripe.resources.accounts import destination_account
from fakestripe.resources.charges import Billing, TestCard
from fakestripe.resources.payments import confirm, new_payment_intent

DEFAULT_LIFETIME_SECONDS = 24 * 60 * 60
MIN_LIFETIME_SECONDS = 30 * 60
_ALLOWED = {
    "mode", "line_items", "payment_intent_data", "metadata", "success_url", "cancel_url", "expires_at",
    "customer_email", "client_reference_id", "payment_method_types", "locale", "submit_type",
}  # fmt: skip
_INTENT_DATA = {
    "transfer_data",
    "application_fee_amount",
    "transfer_group",
    "metadata",
    "description",
    "on_behalf_of",
    "receipt_email",
    "statement_descriptor",
}


def _line_items(params: Params) -> list[dict[str, Any]]:
    raw = params.raw("line_items")
    if not isinstance(raw, list) or not raw:
        raise invalid("line_items", "You must provide at least one line item (line_items[0][price_data]).")
    items = []
    for index, item in enumerate(raw):
        prefix = f"line_items.{index}."
        if not isinstance(item, dict) or "price_data" not in item:
            raise invalid(
                f"line_items[{index}][price_data]",
                "The fake Stripe takes line items with price_data only (no saved prices).",
            )
        currency = params.required_string(prefix + "price_data.currency").lower()
        if currency != CURRENCY:
            raise invalid(f"line_items[{index}][price_data][currency]", "The fake Stripe takes GBP (gbp) only.")
        unit_amount = params.required_integer(prefix + "price_data.unit_amount", minimum=0)
        name = params.required_string(prefix + "price_data.product_data.name")
        quantity = params.required_integer(prefix + "quantity", minimum=1)
        line_id = new_id("li")
        items.append(
            {
                "amount_discount": 0,
                "amount_subtotal": unit_amount * quantity,
                "amount_tax": 0,
                "amount_total": unit_amount * quantity,
                "currency": CURRENCY,
                "description": name,
                "id": line_id,
                "object": "item",
                "price": {
                    "active": False,
                    "currency": CURRENCY,
                    "id": new_id("price"),
                    "object": "price",
                    "product": new_id("prod", 14),
                    "type": "one_time",
                    "unit_amount": unit_amount,
                },
                "quantity": quantity,
            }
        )
    return items


def create_session(request: Request) -> dict[str, Any]:
    params = request.params
    params.refuse_unknown(_ALLOWED)
    params.required_string("mode", choices=("payment",))
    success_url = params.required_string("success_url")
    cancel_url = params.string("cancel_url")
    items = _line_items(params)
    amount = sum(item["amount_total"] for item in items)
    if amount < 30:
        raise invalid("line_items", "The Checkout Session's total amount due must add up to at least £0.30 gbp")
    intent_data = params.raw("payment_intent_data") or {}
    if not isinstance(intent_data, dict):
        raise invalid("payment_intent_data", "Invalid payment_intent_data: must be a hash")
    for name in intent_data:
        if name not in _INTENT_DATA:
            raise StripeError(
                f"Received unknown parameter: payment_intent_data[{name}]",
                code="parameter_unknown",
                param=f"payment_intent_data[{name}]",
            )
    destination = params.string("payment_intent_data.transfer_data.destination")
    fee = params.integer("payment_intent_data.application_fee_amount", minimum=0)
    if destination is not None:
        destination_account(request, destination, param="payment_intent_data[transfer_data][destination]")
    if fee is not None and (destination is None or fee > amount):
        raise invalid(
            "payment_intent_data[application_fee_amount]",
            "An application fee needs a transfer_data[destination] and must not exceed the amount.",
        )
    now = request.now()
    expires_at = params.integer("expires_at") or now + DEFAULT_LIFETIME_SECONDS
    if not now + MIN_LIFETIME_SECONDS <= expires_at <= now + DEFAULT_LIFETIME_SECONDS:
        raise invalid("expires_at", "The expires_at timestamp must be between 30 minutes and 24 hours from now.")
    session_id = "cs_test_" + new_id("x", 58)[2:]
    session = {
        "adaptive_pricing": {"enabled": False},
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": amount,
        "amount_total": amount,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": None,
        "cancel_url": cancel_url,
        "client_reference_id": params.string("client_reference_id"),
        "client_secret": None,
        "collected_information": None,
        "consent": None,
        "consent_collection": None,
        "created": now,
        "currency": CURRENCY,
        "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": None,
        "customer_account": None,
        "customer_creation": "if_required",
        "customer_details": None,
        "customer_email": params.string("customer_email"),
        "discounts": [],
        "expires_at": expires_at,
        "id": session_id,
        "integration_identifier": None,
        "invoice": None,
        "invoice_creation": None,
        "livemode": False,
        "locale": params.string("locale"),
        "managed_payments": None,
        "metadata": params.metadata(),
        "mode": "payment",
        "object": "checkout.session",
        "origin_context": None,
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": "if_required",
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "permissions": None,
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "saved_payment_method_options": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "status": "open",
        "submit_type": params.string("submit_type"),
        "subscription": None,
        "success_url": success_url,
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted",
        "url": f"{request.fake.base_url}/hosted/checkout/{session_id}",
        "wallet_options": None,
        "fake_line_items": items,
        "fake_payment_intent_data": {
            "destination": destination,
            "transfer_amount": params.integer("payment_intent_data.transfer_data.amount", minimum=1),
            "application_fee_amount": fee,
            "transfer_group": params.string("payment_intent_data.transfer_group"),
            "metadata": Params(intent_data).metadata(),
            "description": params.string("payment_intent_data.description"),
        },
    }
    return request.store.insert(session, account=None)


def pay(fake: Fake, session: dict[str, Any], card: TestCard, billing: Billing, *, request: Request) -> dict[str, Any]:
    """Pay the session with a test card (the hosted page's submit). A decline raises the 402 card error."""
    if session["status"] != "open":
        raise StripeError(f"This Checkout Session is {session['status']}.", code="checkout_session_not_open")
    if session["payment_intent"] is None:
        data = session["fake_payment_intent_data"]
        intent = new_payment_intent(
            request,
            amount=session["amount_total"],
            destination=data["destination"],
            transfer_amount=data["transfer_amount"],
            application_fee_amount=data["application_fee_amount"],
            transfer_group=data["transfer_group"],
            metadata=data["metadata"],
            description=data["description"],
            param_prefix="payment_intent_data",
        )
        session["payment_intent"] = intent["id"]
        fake.store.save(session)
    else:
        intent = fake.store.get("payment_intent", session["payment_intent"])
    confirm(fake, intent, card, billing, request=request)
    session["status"] = "complete"
    session["payment_status"] = "paid"
    session["customer_details"] = {
        "address": None, "business_name": None, "email": billing.email, "individual_name": None,
        "name": billing.name, "phone": None, "tax_exempt": "none", "tax_ids": [],
    }  # fmt: skip
    fake.store.save(session)
    fake.emit("checkout.session.completed", session, account=None, request=request)
    return session


def success_url_of(session: dict[str, Any]) -> str:
    return str(session["success_url"]).replace("{CHECKOUT_SESSION_ID}", session["id"])


def expire(fake: Fake, session: dict[str, Any], *, request: Request | None) -> dict[str, Any]:
    if session["status"] != "open":
        raise StripeError(
            f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status '
            f'of "{session["status"]}".',
            code="checkout_session_not_open",
        )
    before = copy.deepcopy(session)
    session["status"] = "expired"
    fake.store.save(session)
    if session["payment_intent"] is not None:
        intent = fake.store.get("payment_intent", session["payment_intent"])
        intent["status"] = "canceled"
        intent["canceled_at"] = fake.now()
        intent["cancellation_reason"] = "automatic"
        fake.store.save(intent)
        fake.emit("payment_intent.canceled", intent, account=None, request=request)
    fake.emit(
        "checkout.session.expired",
        session,
        account=None,
        request=request,
        previous_attributes={"status": before["status"]},
    )
    return session


def expire_due(fake: Fake) -> None:
    now = fake.now()
    for session in fake.store.all("checkout.session", account=None):
        if session["status"] == "open" and session["expires_at"] <= now:
            expire(fake, session, request=None)


def expire_session(request: Request) -> dict[str, Any]:
    (session_id,) = request.path_args
    request.params.refuse_unknown(())
    session = request.store.get("checkout.session", session_id, account=None, param="session")
    return expire(request.fake, session, request=request)


def retrieve_session(request: Request) -> dict[str, Any]:
    (session_id,) = request.path_args
    session = request.store.get("checkout.session", session_id, account=None, param="session")
    if "line_items" in request.params.expand():  # not an id: Stripe fills it in only when asked
        session["line_items"] = {
            "object": "list",
            "data": session["fake_line_items"],
            "has_more": False,
            "url": f"/v1/checkout/sessions/{session_id}/line_items",
        }
    return session


def list_sessions(request: Request) -> dict[str, Any]:
    return list_object(
        request,
        request.store.all("checkout.session", account=None),
        "/v1/checkout/sessions",
        filters={
            "payment_intent": lambda item, wanted: item["payment_intent"] == wanted,
            "status": lambda item, wanted: item["status"] == wanted,
            "client_reference_id": lambda item, wanted: item["client_reference_id"] == wanted,
        },
    )


def list_line_items(request: Request) -> dict[str, Any]:
    (session_id,) = request.path_args
    session = request.store.get("checkout.session", session_id, account=None, param="session")
    return list_object(request, session["fake_line_items"], f"/v1/checkout/sessions/{session['id']}/line_items")


ROUTES = [
    ("POST", r"/v1/checkout/sessions", create_session),
    ("GET", r"/v1/checkout/sessions", list_sessions),
    ("GET", r"/v1/checkout/sessions/([^/]+)", retrieve_session),
    ("POST", r"/v1/checkout/sessions/([^/]+)/expire", expire_session),
    ("GET", r"/v1/checkout/sessions/([^/]+)/line_items", list_line_items),
]
