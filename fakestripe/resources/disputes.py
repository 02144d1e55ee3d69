"""Disputes: opened by the dispute test card or the ``/_fake/trigger_dispute`` helper, closed as lost."""

from typing import Any

from fakestripe.core import CURRENCY, Fake, Request, list_object
from fakestripe.errors import StripeError
from fakestripe.ids import new_id
from fakestripe.resources import balance

EVIDENCE_DAYS = 21


def open_dispute(fake: Fake, charge_id: str, *, request: Request | None) -> dict[str, Any]:
    """The card holder disputes the charge: its amount and Stripe's £20 dispute fee leave the platform."""
    charge = fake.store.get("charge", charge_id, account=None, param="charge")
    if charge["status"] != "succeeded":
        raise StripeError(f"Charge {charge_id} did not succeed, so it cannot be disputed.", param="charge")
    if charge["disputed"]:
        raise StripeError(f"Charge {charge_id} is already disputed.", param="charge")
    dispute_id = new_id("dp")
    transaction = balance.record(
        fake,
        account=None,
        amount=-charge["amount"],
        kind="adjustment",
        source=dispute_id,
        description=f"Chargeback withdrawal for {charge_id}",
        fee=balance.DISPUTE_FEE_PENCE,
        fee_description="Dispute fee",
        available_now=True,
        reporting_category="dispute",
    )
    now = fake.now()
    evidence_keys = (
        "access_activity_log",
        "billing_address",
        "cancellation_policy",
        "cancellation_policy_disclosure",
        "cancellation_rebuttal",
        "customer_communication",
        "customer_email_address",
        "customer_name",
        "customer_purchase_ip",
        "customer_signature",
        "duplicate_charge_documentation",
        "duplicate_charge_explanation",
        "duplicate_charge_id",
        "product_description",
        "receipt",
        "refund_policy",
        "refund_policy_disclosure",
        "refund_refusal_explanation",
        "service_date",
        "service_documentation",
        "shipping_address",
        "shipping_carrier",
        "shipping_date",
        "shipping_documentation",
        "shipping_tracking_number",
        "uncategorized_file",
        "uncategorized_text",
    )
    evidence: dict[str, Any] = dict.fromkeys(evidence_keys)
    evidence["enhanced_evidence"] = {}
    dispute = {
        "amount": charge["amount"],
        "balance_transactions": [balance.public(transaction, now)],
        "charge": charge_id,
        "created": now,
        "currency": CURRENCY,
        "enhanced_eligibility_types": [],
        "evidence": evidence,
        "evidence_details": {
            "due_by": now + EVIDENCE_DAYS * 24 * 60 * 60,
            "enhanced_eligibility": {},
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "id": dispute_id,
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "object": "dispute",
        "payment_intent": charge["payment_intent"],
        "payment_method_details": {
            "card": {"brand": "visa", "case_type": "chargeback", "network": "visa", "network_reason_code": "83"},
            "type": "card",
        },
        "reason": "fraudulent",
        "status": "needs_response",
    }
    fake.store.insert(dispute, account=None)
    charge["disputed"] = True
    fake.store.save(charge)
    fake.emit("charge.dispute.created", dispute, account=None, request=request)
    return dispute


def close_dispute(request: Request) -> dict[str, Any]:
    """Accept the dispute (Stripe's "close"): it is lost and the money stays with the card holder."""
    (dispute_id,) = request.path_args
    request.params.refuse_unknown(())
    dispute = request.store.get("dispute", dispute_id, account=None, param="dispute")
    if dispute["status"] in ("won", "lost"):
        raise StripeError(f"Dispute {dispute_id} is already closed.", code="dispute_already_closed")
    dispute["status"] = "lost"
    request.store.save(dispute)
    request.fake.emit(
        "charge.dispute.closed",
        dispute,
        account=None,
        request=request,
        previous_attributes={"status": "needs_response"},
    )
    return dispute


def win_dispute(fake: Fake, dispute_id: str, *, request: Request | None) -> dict[str, Any]:
    """The card issuer decides for the platform (a test helper): the disputed amount comes back, the fee does not."""
    dispute = fake.store.get("dispute", dispute_id, account=None, param="dispute")
    if dispute["status"] in ("won", "lost"):
        raise StripeError(f"Dispute {dispute_id} is already closed.", code="dispute_already_closed")
    previous = dispute["status"]
    transaction = balance.record(
        fake,
        account=None,
        amount=dispute["amount"],
        kind="adjustment",
        source=dispute_id,
        description=f"Chargeback reversal for {dispute['charge']}",
        available_now=True,
        reporting_category="dispute_reversal",
    )
    dispute["balance_transactions"] = [*dispute["balance_transactions"], balance.public(transaction, fake.now())]
    dispute["status"] = "won"
    fake.store.save(dispute)
    fake.emit("charge.dispute.funds_reinstated", dispute, account=None, request=request)
    fake.emit(
        "charge.dispute.closed", dispute, account=None, request=request, previous_attributes={"status": previous}
    )
    return dispute


def retrieve_dispute(request: Request) -> dict[str, Any]:
    (dispute_id,) = request.path_args
    return request.store.get("dispute", dispute_id, account=None, param="dispute")


def list_disputes(request: Request) -> dict[str, Any]:
    return list_object(
        request,
        request.store.all("dispute", account=request.account),
        "/v1/disputes",
        filters={
            "charge": lambda item, wanted: item["charge"] == wanted,
            "payment_intent": lambda item, wanted: item["payment_intent"] == wanted,
        },
    )


ROUTES = [
    ("GET", r"/v1/disputes", list_disputes),
    ("GET", r"/v1/disputes/([^/]+)", retrieve_dispute),
    ("POST", r"/v1/disputes/([^/]+)/close", close_dispute),
]
