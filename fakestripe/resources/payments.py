"""Payment intents and charges: test cards, Stripe's fee, destination charges and their transfer and fee."""

from typing import Any

from fakestripe.core import CURRENCY, Fake, Request, list_object
from fakestripe.errors import StripeError, card_declined, invalid
from fakestripe.ids import new_id
from fakestripe.resources import balance
from fakestripe.resources.accounts import destination_account
from fakestripe.resources.charges import TEST_PAYMENT_METHODS, Billing, TestCard, charge_object
from fakestripe.resources.disputes import open_dispute
from fakestripe.resources.transfers import application_fee_for, transfer_for_charge

_PI_ALLOWED = {
    "amount", "currency", "transfer_data", "application_fee_amount", "transfer_group", "metadata", "description",
    "payment_method", "confirm", "payment_method_types", "receipt_email", "on_behalf_of", "statement_descriptor",
}  # fmt: skip


def _amount_and_currency(request: Request, prefix: str = "") -> tuple[int, str]:
    amount = request.params.required_integer(prefix + "amount", minimum=30)
    currency = request.params.required_string(prefix + "currency").lower()
    if currency != CURRENCY:
        raise invalid(prefix.replace(".", "") + "currency", "The fake Stripe takes payments in GBP (gbp) only.")
    return amount, currency


def new_payment_intent(
    request: Request,
    *,
    amount: int,
    destination: str | None,
    transfer_amount: int | None,
    application_fee_amount: int | None,
    transfer_group: str | None,
    metadata: dict[str, str],
    description: str | None,
    param_prefix: str = "",
) -> dict[str, Any]:
    """A payment intent waiting for a card; checks the destination can be paid, as Stripe does."""
    if destination is not None:
        destination_account(request, destination, param=_param(param_prefix, "transfer_data[destination]"))
    if application_fee_amount is not None:
        if destination is None:
            raise invalid(
                _param(param_prefix, "application_fee_amount"),
                "Can only apply an application_fee_amount when the PaymentIntent is attempting a direct "
                "payment (using an OAuth key or Stripe-Account header) or destination payment (using "
                "`transfer_data[destination]`).",
            )
        if application_fee_amount > amount:
            raise invalid(
                _param(param_prefix, "application_fee_amount"),
                "The application fee amount must not exceed the amount of the payment.",
            )
    if transfer_amount is not None and (transfer_amount > amount or application_fee_amount is not None):
        raise invalid(
            _param(param_prefix, "transfer_data[amount]"),
            "transfer_data[amount] must not exceed the amount nor be used with application_fee_amount.",
        )
    intent_id = new_id("pi")
    transfer_data: dict[str, Any] | None = None
    if destination is not None:
        transfer_data = {"destination": destination}
        if transfer_amount is not None:
            transfer_data["amount"] = transfer_amount
    intent = {
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": application_fee_amount,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic",
        "client_secret": f"{intent_id}_secret_{new_id('s', 24)[2:]}",
        "confirmation_method": "automatic",
        "created": request.now(),
        "currency": CURRENCY,
        "customer": None,
        "customer_account": None,
        "description": description,
        "excluded_payment_method_types": None,
        "id": intent_id,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": metadata,
        "next_action": None,
        "object": "payment_intent",
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"],
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "requires_payment_method",
        "transfer_data": transfer_data,
        "transfer_group": transfer_group or (f"group_{intent_id}" if destination else None),
    }
    request.store.insert(intent, account=None)
    request.fake.emit("payment_intent.created", intent, account=None, request=request)
    return intent


def _param(prefix: str, name: str) -> str:
    """The parameter's name as sent: ``payment_intent_data[transfer_data][destination]`` under a prefix."""
    if not prefix:
        return name
    first, bracket, rest = name.partition("[")
    return f"{prefix}[{first}]" + (bracket + rest if bracket else "")


def create_payment_intent(request: Request) -> dict[str, Any]:
    params = request.params
    params.refuse_unknown(_PI_ALLOWED)
    amount, _currency = _amount_and_currency(request)
    intent = new_payment_intent(
        request,
        amount=amount,
        destination=params.string("transfer_data.destination"),
        transfer_amount=params.integer("transfer_data.amount", minimum=1),
        application_fee_amount=params.integer("application_fee_amount", minimum=0),
        transfer_group=params.string("transfer_group"),
        metadata=params.metadata(),
        description=params.string("description"),
    )
    payment_method = params.string("payment_method")
    if params.boolean("confirm"):
        if payment_method is None:
            raise invalid("payment_method", "You must provide a payment_method to confirm a PaymentIntent.")
        return confirm(request.fake, intent, _test_card(payment_method), Billing(), request=request)
    return intent


def confirm_payment_intent(request: Request) -> dict[str, Any]:
    (intent_id,) = request.path_args
    request.params.refuse_unknown({"payment_method", "return_url", "receipt_email"})
    intent = request.store.get("payment_intent", intent_id, account=None, param="intent")
    card = _test_card(request.params.required_string("payment_method"))
    return confirm(request.fake, intent, card, Billing(), request=request)


def _test_card(payment_method: str) -> TestCard:
    if payment_method not in TEST_PAYMENT_METHODS:
        raise invalid(
            "payment_method",
            f"The fake Stripe knows these test payment methods only: {', '.join(TEST_PAYMENT_METHODS)}",
        )
    return TEST_PAYMENT_METHODS[payment_method]


def confirm(
    fake: Fake, intent: dict[str, Any], card: TestCard, billing: Billing, *, request: Request | None
) -> dict[str, Any]:
    """Charge the card for the intent; on success move the money on to the destination (a destination charge).

    A declined card leaves a failed charge and the intent waiting for another card, and raises the 402
    card error (the server keeps what was recorded).
    """
    if intent["status"] not in ("requires_payment_method", "requires_confirmation"):
        raise StripeError(
            f"This PaymentIntent's status is {intent['status']}, so it cannot be confirmed.",
            code="payment_intent_unexpected_state",
        )
    charge = _charge(fake, intent, card, billing)
    intent["latest_charge"] = charge["id"]
    intent["payment_method"] = charge["payment_method"]
    if card.outcome == "declined":
        intent["status"] = "requires_payment_method"
        intent["last_payment_error"] = {
            "charge": charge["id"],
            "code": "card_declined",
            "decline_code": "generic_decline",
            "message": "Your card was declined.",
            "type": "card_error",
            "payment_method": {"id": charge["payment_method"], "object": "payment_method", "type": "card"},
        }
        fake.store.save(intent)
        fake.emit("charge.failed", charge, account=None, request=request)
        fake.emit("payment_intent.payment_failed", intent, account=None, request=request)
        raise card_declined(charge_id=charge["id"], payment_intent=intent)
    intent["status"] = "succeeded"
    intent["amount_received"] = intent["amount"]
    intent["last_payment_error"] = None
    fake.store.save(intent)
    fake.emit("charge.succeeded", charge, account=None, request=request)
    fake.emit("payment_intent.succeeded", intent, account=None, request=request)
    if card.outcome == "disputed":
        open_dispute(fake, charge["id"], request=request)
    return intent


def _charge(fake: Fake, intent: dict[str, Any], card: TestCard, billing: Billing) -> dict[str, Any]:
    amount = intent["amount"]
    succeeded = card.outcome != "declined"
    charge_id = new_id("ch")
    payment_method = new_id("pm")
    charge = charge_object(
        charge_id=charge_id,
        amount=amount,
        created=fake.now(),
        payment_intent=intent["id"],
        payment_method=payment_method,
        card=card,
        billing=billing,
        metadata=dict(intent["metadata"]),
        description=intent["description"],
        transfer_group=intent["transfer_group"],
        succeeded=succeeded,
    )
    charge["application_fee_amount"] = intent["application_fee_amount"]
    if intent["transfer_data"]:
        charge["transfer_data"] = {
            "amount": intent["transfer_data"].get("amount"),
            "destination": intent["transfer_data"]["destination"],
        }
    fake.store.insert(charge, account=None)
    if not succeeded:
        return charge
    transaction = balance.record(
        fake,
        account=None,
        amount=amount,
        kind="charge",
        source=charge_id,
        description=intent["description"],
        fee=balance.card_fee(amount),
    )
    charge["balance_transaction"] = transaction["id"]
    if intent["transfer_data"]:
        transfer = transfer_for_charge(
            fake,
            charge,
            destination=intent["transfer_data"]["destination"],
            amount=intent["transfer_data"].get("amount") or amount,
            application_fee_amount=intent["application_fee_amount"],
        )
        charge["transfer"] = transfer["id"]
        if intent["application_fee_amount"]:
            fee = application_fee_for(fake, charge, transfer, intent["application_fee_amount"])
            charge["application_fee"] = fee["id"]
    fake.store.save(charge)
    return charge


def retrieve_payment_intent(request: Request) -> dict[str, Any]:
    (intent_id,) = request.path_args
    return request.store.get("payment_intent", intent_id, account=request.account, param="intent")


def list_payment_intents(request: Request) -> dict[str, Any]:
    return list_object(
        request,
        request.store.all("payment_intent", account=request.account),
        "/v1/payment_intents",
        filters={"customer": lambda item, wanted: item["customer"] == wanted},
    )


ROUTES = [
    ("POST", r"/v1/payment_intents", create_payment_intent),
    ("GET", r"/v1/payment_intents", list_payment_intents),
    ("GET", r"/v1/payment_intents/([^/]+)", retrieve_payment_intent),
    ("POST", r"/v1/payment_intents/([^/]+)/confirm", confirm_payment_intent),
]
