"""Refunds, with the transfer reversed and the application fee refunded when asked (destination charges).

A refund of a charge paid with the card 4000 0000 0000 5126 succeeds and then, `FAILS_AFTER_SECONDS` later
(on the fake's clock), fails, as Stripe's test card does: the money comes back to the platform's balance,
the charge counts it as not refunded, and ``charge.refund.updated``, ``refund.updated`` and
``refund.failed`` are sent. A transfer reversed with it stays reversed, as on Stripe.
"""

from typing import Any

from fakestripe.core import CURRENCY, Fake, Request, list_object
from fakestripe.errors import StripeError, invalid
from fakestripe.ids import new_id
from fakestripe.resources import balance
from fakestripe.resources.charges import card_of, record_refund_on_charge
from fakestripe.resources.transfers import refund_fee, reverse

FAILS_AFTER_SECONDS = 60


def _share(part: int, whole: int, of: int) -> int:
    """`of` scaled by part/whole, rounded half up: the proportional share Stripe reverses."""
    return (2 * part * of + whole) // (2 * whole)


def _fails_at(charge: dict[str, Any], now: int) -> int | None:
    """When the sweep fails a refund of this charge (the fake's own key, never shown): only a refund-failing
    card's refunds fail, decided once as the refund is made."""
    card = card_of(charge)
    return now + FAILS_AFTER_SECONDS if card and card.outcome == "refund_fails" else None


def create_refund(request: Request) -> dict[str, Any]:
    params = request.params
    params.refuse_unknown(
        {"charge", "payment_intent", "amount", "reason", "metadata", "reverse_transfer", "refund_application_fee"}
    )
    charge_id = params.string("charge")
    intent_id = params.string("payment_intent")
    if (charge_id is None) == (intent_id is None):
        raise invalid("charge", "Give exactly one of charge or payment_intent.")
    if intent_id is not None:
        intent = request.store.get("payment_intent", intent_id, account=None, param="payment_intent")
        if intent["status"] != "succeeded" or intent["latest_charge"] is None:
            raise StripeError(
                f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                code="charge_not_refundable",
                param="payment_intent",
            )
        charge_id = intent["latest_charge"]
    assert charge_id is not None
    charge = request.store.get("charge", charge_id, account=None, param="charge")
    if charge["status"] != "succeeded":
        raise StripeError(f"Charge {charge_id} has no money to refund.", code="charge_not_refundable")
    remaining = charge["amount"] - charge["amount_refunded"]
    amount = params.integer("amount", minimum=1)
    if amount is None:
        amount = remaining
    if remaining == 0:
        raise StripeError(f"Charge {charge_id} has already been refunded.", code="charge_already_refunded")
    if amount > remaining:
        raise invalid(
            "amount",
            f"Refund amount (£{amount / 100:.2f}) is greater than unrefunded amount on charge "
            f"(£{remaining / 100:.2f})",
        )
    reason = params.string("reason", choices=("duplicate", "fraudulent", "requested_by_customer"))
    reverse_transfer = params.boolean("reverse_transfer")
    refund_application_fee = params.boolean("refund_application_fee")
    if (reverse_transfer or refund_application_fee) and charge["transfer"] is None:
        raise invalid(
            "reverse_transfer",
            "This charge was not a destination charge, so it has no transfer to "
            "reverse: reverse separate transfers with POST /v1/transfers/{id}/reversals.",
        )
    refund_id = new_id("re")
    transaction = balance.record(
        request.fake, account=None, amount=-amount, kind="refund", source=refund_id, available_now=True
    )
    refund: dict[str, Any] = {
        "amount": amount,
        "balance_transaction": transaction["id"],
        "charge": charge_id,
        "created": request.now(),
        "currency": CURRENCY,
        "customer": None,
        "customer_account": None,
        "destination_details": {
            "card": {"reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund"},
            "type": "card",
        },
        "id": refund_id,
        "metadata": params.metadata(),
        "object": "refund",
        "payment_intent": charge["payment_intent"],
        "payment_method": charge["payment_method"],
        "reason": reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
        "fake_fails_at": _fails_at(charge, request.now()),
    }
    request.store.insert(refund, account=None)
    if reverse_transfer:
        transfer = request.store.get("transfer", charge["transfer"], account=None)
        reversal_amount = min(
            _share(amount, charge["amount"], transfer["amount"]), transfer["amount"] - transfer["amount_reversed"]
        )
        if reversal_amount:
            reversal = reverse(
                request.fake, transfer, reversal_amount, metadata={}, source_refund=refund_id, request=request
            )
            refund["transfer_reversal"] = reversal["id"]
    if refund_application_fee and charge["application_fee"] is not None:
        fee = request.store.get("application_fee", charge["application_fee"], account=None)
        fee_amount = min(_share(amount, charge["amount"], fee["amount"]), fee["amount"] - fee["amount_refunded"])
        if fee_amount:
            refund_fee(request.fake, fee, fee_amount, request=request)
    request.store.save(refund)
    charge = request.store.get("charge", charge_id)
    record_refund_on_charge(charge, refund)
    request.store.save(charge)
    request.fake.emit("refund.created", refund, account=None, request=request)
    request.fake.emit(
        "charge.refunded",
        charge,
        account=None,
        request=request,
        previous_attributes={"amount_refunded": charge["amount_refunded"] - amount},
    )
    return refund


def fail_due(fake: Fake) -> None:
    """Fail each refund of a refund-failing card whose time has come (the sweep calls it): only those refunds'
    charges are read, not every refund's."""
    now = fake.now()
    for refund in fake.store.all("refund", account=None):
        fails_at = refund.get("fake_fails_at")  # absent from refunds kept by an older fake
        if fails_at is None or fails_at > now or refund["status"] != "succeeded":
            continue
        charge = fake.store.get("charge", refund["charge"], account=None)
        transaction = balance.record(
            fake, account=None, amount=refund["amount"], kind="refund_failure", source=refund["id"], available_now=True
        )
        refund["status"] = "failed"
        refund["failure_reason"] = "expired_or_canceled_card"
        refund["failure_balance_transaction"] = transaction["id"]
        refund["fake_fails_at"] = None
        fake.store.save(refund)
        charge["amount_refunded"] -= refund["amount"]
        charge["refunded"] = False
        charge["refunds"]["data"] = [
            refund if item["id"] == refund["id"] else item for item in charge["refunds"]["data"]
        ]
        fake.store.save(charge)
        previous = {"status": "succeeded"}
        fake.emit("charge.refund.updated", refund, account=None, previous_attributes=previous)
        fake.emit("refund.updated", refund, account=None, previous_attributes=previous)
        fake.emit("refund.failed", refund, account=None)


def retrieve_refund(request: Request) -> dict[str, Any]:
    (refund_id,) = request.path_args
    return request.store.get("refund", refund_id, account=request.account, param="refund")


def list_refunds(request: Request) -> dict[str, Any]:
    return list_object(
        request,
        request.store.all("refund", account=request.account),
        "/v1/refunds",
        filters={
            "charge": lambda item, wanted: item["charge"] == wanted,
            "payment_intent": lambda item, wanted: item["payment_intent"] == wanted,
        },
    )


ROUTES = [
    ("POST", r"/v1/refunds", create_refund),
    ("GET", r"/v1/refunds", list_refunds),
    ("GET", r"/v1/refunds/([^/]+)", retrieve_refund),
]
