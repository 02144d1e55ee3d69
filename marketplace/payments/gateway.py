"""The one place that talks to Stripe.

Everything else in the project calls these functions and gets plain data back
(AccountSnapshot, VerifiedEvent) or one error, PaymentGatewayError, whose
message a person can read. The client uses the configured key and API base
(the project's fake Stripe outside production), a short timeout and no
retries of its own: Celery tasks retry with backoff instead, and a page asks
the person to try again.
"""

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import stripe
from django.conf import settings
from stripe.params import AccountCreateParams, AccountLinkCreateParams, RefundCreateParams, TransferCreateParams
from stripe.params.checkout import SessionCreateParams

# Seconds to connect and to wait for an answer. A page waits at most this long.
CONNECT_TIMEOUT_SECONDS = 3.0
READ_TIMEOUT_SECONDS = 10.0
UNREACHABLE_MESSAGE = (
    "We could not reach our payment provider, Stripe. Nothing has changed. Try again in a few minutes."
)
REFUSED_MESSAGE = "Our payment provider, Stripe, did not accept that. Nothing has changed."


class PaymentGatewayError(Exception):
    """Stripe could not be reached, or refused the request."""

    def __init__(self, message: str, *, is_unreachable: bool = False, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.is_unreachable = is_unreachable
        self.code = code


@dataclass(frozen=True)
class AccountSnapshot:
    """What we keep of a connected account, read from Stripe."""

    account_id: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    card_payments_status: str
    transfers_status: str
    requirements_due: list[str] = field(default_factory=list)
    disabled_reason: str = ""


@dataclass(frozen=True)
class VerifiedEvent:
    event_id: str
    type: str
    account_id: str
    created: int
    object_id: str
    object_type: str
    payload: dict[str, Any]


def is_demo() -> bool:
    """True when payments go to the fake Stripe (or any test server), so no real money moves."""
    return not str(settings.STRIPE_API_BASE).startswith("https://api.stripe.com")


def onboarding_origin() -> str:
    """Where account links send the provider: our pages' forms must be allowed to go there (CSP form-action)."""
    if not is_demo():
        return "https://connect.stripe.com"
    parts = urlsplit(str(settings.STRIPE_API_BASE))
    return f"{parts.scheme}://{parts.netloc}"


def checkout_origin() -> str:
    """Where a Checkout session's page lives: the confirmation form's redirect must be allowed to go there."""
    if not is_demo():
        return "https://checkout.stripe.com"
    parts = urlsplit(str(settings.STRIPE_API_BASE))
    return f"{parts.scheme}://{parts.netloc}"


def client() -> stripe.StripeClient:
    base = str(settings.STRIPE_API_BASE)
    return stripe.StripeClient(
        str(settings.STRIPE_SECRET_KEY),
        base_addresses={"api": base, "connect": base, "files": base},
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS)),
    )


def _translate(error: stripe.StripeError) -> PaymentGatewayError:
    if isinstance(error, stripe.APIConnectionError):
        return PaymentGatewayError(UNREACHABLE_MESSAGE, is_unreachable=True)
    status = getattr(error, "http_status", None) or 0
    if status >= 500 or isinstance(error, stripe.RateLimitError):
        return PaymentGatewayError(UNREACHABLE_MESSAGE, is_unreachable=True, code=str(error.code or ""))
    return PaymentGatewayError(REFUSED_MESSAGE, code=str(error.code or ""))


def _snapshot(stripe_account: stripe.Account) -> AccountSnapshot:
    account: dict[str, Any] = stripe_account.to_dict()
    capabilities = account.get("capabilities") or {}
    requirements = account.get("requirements") or {}
    due = [*(requirements.get("past_due") or []), *(requirements.get("currently_due") or [])]
    return AccountSnapshot(
        account_id=account["id"],
        charges_enabled=bool(account.get("charges_enabled")),
        payouts_enabled=bool(account.get("payouts_enabled")),
        details_submitted=bool(account.get("details_submitted")),
        card_payments_status=str(capabilities.get("card_payments") or "inactive"),
        transfers_status=str(capabilities.get("transfers") or "inactive"),
        requirements_due=list(dict.fromkeys(due)),
        disabled_reason=str(requirements.get("disabled_reason") or ""),
    )


# --- Charges, refunds, disputes and payouts (refunds, disputes, reconciliation) -------------------
# Plain snapshots of what Stripe says now; lists follow every page (`starting_after`).

LIST_PAGE_SIZE = 100


@dataclass(frozen=True)
class ChargeSnapshot:
    charge_id: str
    payment_intent_id: str
    amount: int
    amount_refunded: int
    status: str
    disputed: bool
    created: int
    transfer_group: str


@dataclass(frozen=True)
class RefundSnapshot:
    refund_id: str
    charge_id: str
    payment_intent_id: str
    amount: int
    status: str
    created: int
    transfer_reversal_id: str


@dataclass(frozen=True)
class DisputeSnapshot:
    dispute_id: str
    charge_id: str
    payment_intent_id: str
    amount: int
    status: str
    reason: str
    created: int
    evidence_due_by: int | None


@dataclass(frozen=True)
class PayoutSnapshot:
    payout_id: str
    account_id: str
    amount: int
    currency: str
    status: str
    arrival_date: int | None
    created: int


def _charge(item: Any) -> ChargeSnapshot:
    data: dict[str, Any] = item.to_dict()
    return ChargeSnapshot(
        charge_id=data["id"],
        payment_intent_id=str(data.get("payment_intent") or ""),
        amount=int(data.get("amount") or 0),
        amount_refunded=int(data.get("amount_refunded") or 0),
        status=str(data.get("status") or ""),
        disputed=bool(data.get("disputed")),
        created=int(data.get("created") or 0),
        transfer_group=str(data.get("transfer_group") or ""),
    )


def _refund(item: Any) -> RefundSnapshot:
    data: dict[str, Any] = item.to_dict()
    return RefundSnapshot(
        refund_id=data["id"],
        charge_id=str(data.get("charge") or ""),
        payment_intent_id=str(data.get("payment_intent") or ""),
        amount=int(data.get("amount") or 0),
        status=str(data.get("status") or ""),
        created=int(data.get("created") or 0),
        transfer_reversal_id=str(data.get("transfer_reversal") or ""),
    )


def _dispute(item: Any) -> DisputeSnapshot:
    data: dict[str, Any] = item.to_dict()
    due = (data.get("evidence_details") or {}).get("due_by")
    return DisputeSnapshot(
        dispute_id=data["id"],
        charge_id=str(data.get("charge") or ""),
        payment_intent_id=str(data.get("payment_intent") or ""),
        amount=int(data.get("amount") or 0),
        status=str(data.get("status") or ""),
        reason=str(data.get("reason") or ""),
        created=int(data.get("created") or 0),
        evidence_due_by=int(due) if due else None,
    )


def _payout(item: Any, account_id: str) -> PayoutSnapshot:
    data: dict[str, Any] = item.to_dict()
    return PayoutSnapshot(
        payout_id=data["id"],
        account_id=account_id,
        amount=int(data.get("amount") or 0),
        currency=str(data.get("currency") or "gbp"),
        status=str(data.get("status") or ""),
        arrival_date=int(data["arrival_date"]) if data.get("arrival_date") else None,
        created=int(data.get("created") or 0),
    )


def _every_page(lister: Any, params: dict[str, Any], options: dict[str, Any] | None = None) -> list[Any]:
    """Every item of a Stripe list, following `has_more` with `starting_after`."""
    found: list[Any] = []
    query = {**params, "limit": LIST_PAGE_SIZE}
    while True:
        page = lister(params=query, options=options or {})
        found.extend(page.data)
        if not page.has_more or not page.data:
            return found
        query = {**query, "starting_after": page.data[-1].id}


def create_refund(
    *, charge_id: str = "", payment_intent_id: str = "", amount_pence: int, idempotency_key: str,
    metadata: dict[str, str], destination_charge: bool = True,
) -> RefundSnapshot:  # fmt: skip
    """Refund part or all of a charge (by its charge, else its payment intent).

    A destination charge (the default): the provider's transfer is reversed and
    the council's application fee refunded in the same proportion, so the
    provider gives back what it got. A plain charge on the platform (a pooled
    share, `destination_charge=False`) has no transfer of its own for Stripe to
    reverse, and Stripe refuses `reverse_transfer` on it: the caller reverses
    the share's separate transfer with `create_transfer_reversal`.
    """
    params: RefundCreateParams = {
        "amount": amount_pence,
        "reason": "requested_by_customer",
        "metadata": metadata,
    }
    if destination_charge:
        params["reverse_transfer"] = True
        params["refund_application_fee"] = True
    if charge_id:
        params["charge"] = charge_id
    else:
        params["payment_intent"] = payment_intent_id
    try:
        refund = client().v1.refunds.create(params=params, options={"idempotency_key": idempotency_key})
    except stripe.StripeError as error:
        raise _translate(error) from error
    return _refund(refund)


def retrieve_refund(*, refund_id: str) -> RefundSnapshot:
    try:
        return _refund(client().v1.refunds.retrieve(refund_id))
    except stripe.StripeError as error:
        raise _translate(error) from error


def retrieve_charge(*, charge_id: str) -> ChargeSnapshot:
    try:
        return _charge(client().v1.charges.retrieve(charge_id))
    except stripe.StripeError as error:
        raise _translate(error) from error


def retrieve_dispute(*, dispute_id: str) -> DisputeSnapshot:
    try:
        return _dispute(client().v1.disputes.retrieve(dispute_id))
    except stripe.StripeError as error:
        raise _translate(error) from error


def retrieve_payout(*, payout_id: str, account_id: str) -> PayoutSnapshot:
    try:
        payout = client().v1.payouts.retrieve(payout_id, options={"stripe_account": account_id})
    except stripe.StripeError as error:
        raise _translate(error) from error
    return _payout(payout, account_id)


def list_charges(*, created_from: int, created_before: int) -> list[ChargeSnapshot]:
    """Every charge made in [created_from, created_before) (Unix seconds), all pages."""
    try:
        items = _every_page(client().v1.charges.list, {"created": {"gte": created_from, "lt": created_before}})
    except stripe.StripeError as error:
        raise _translate(error) from error
    return [_charge(item) for item in items]


def list_refunds(
    *, charge_id: str = "", created_from: int | None = None, created_before: int | None = None
) -> list[RefundSnapshot]:
    """Every refund of one charge, or made in [created_from, created_before), all pages."""
    params: dict[str, Any] = {}
    if charge_id:
        params["charge"] = charge_id
    if created_from is not None and created_before is not None:
        params["created"] = {"gte": created_from, "lt": created_before}
    try:
        items = _every_page(client().v1.refunds.list, params)
    except stripe.StripeError as error:
        raise _translate(error) from error
    return [_refund(item) for item in items]


def create_connected_account(*, email: str, business_name: str, reference: str) -> AccountSnapshot:
    """A UK connected account with controller properties (decision 0038).

    `reference` (our provider's id) makes the idempotency key, so a retry or a
    double click never makes a second account for one provider.
    """
    params: AccountCreateParams = {
        "controller": {
            "fees": {"payer": "application"},
            "losses": {"payments": "application"},
            "stripe_dashboard": {"type": "express"},
            "requirement_collection": "stripe",
        },
        "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
        "country": "GB",
        "email": email,
        "business_profile": {"name": business_name},
        "metadata": {"provider": reference},
    }
    try:
        account = client().v1.accounts.create(
            params=params, options={"idempotency_key": f"connected-account-{reference}"}
        )
    except stripe.StripeError as error:
        raise _translate(error) from error
    return _snapshot(account)


def retrieve_account(*, account_id: str) -> AccountSnapshot:
    try:
        account = client().v1.accounts.retrieve(account_id)
    except stripe.StripeError as error:
        raise _translate(error) from error
    return _snapshot(account)


def create_onboarding_link(*, account_id: str, return_url: str, refresh_url: str) -> str:
    """A single-use Stripe-hosted onboarding address (it expires in minutes; make a new one each time)."""
    params: AccountLinkCreateParams = {
        "account": account_id,
        "type": "account_onboarding",
        "return_url": return_url,
        "refresh_url": refresh_url,
    }
    try:
        link = client().v1.account_links.create(params=params)
    except stripe.StripeError as error:
        raise _translate(error) from error
    return str(link.url)


@dataclass(frozen=True)
class CheckoutLine:
    """One line of a Checkout session: an invoice, in pence."""

    name: str
    amount_pence: int


@dataclass(frozen=True)
class CheckoutSnapshot:
    """What we keep of a Checkout session and its payment, read from Stripe."""

    session_id: str
    url: str
    status: str  # open, complete, expired
    payment_status: str  # unpaid, paid, no_payment_required
    amount_total: int
    metadata: dict[str, str]
    payment_intent_id: str = ""
    payment_intent_status: str = ""
    charge_id: str = ""
    # When the charge's money becomes available (Unix seconds), from its balance transaction.
    available_on: int | None = None
    # Stripe's words for the last failed attempt (a declined card), if any.
    last_error: str = ""


def create_checkout_session(
    *,
    lines: list[CheckoutLine],
    destination: str,
    application_fee_pence: int,
    transfer_group: str,
    reference: str,
    success_url: str,
    cancel_url: str,
    idempotency_key: str,
) -> CheckoutSnapshot:
    """A hosted Checkout session (mode payment, GBP) for invoices to one provider.

    With no `transfer_group` it is a destination charge: the money goes on to
    `destination` less `application_fee_pence`. With one (a pooled share) it is a
    plain charge on the platform under that group; the transfer is made later.
    `reference` (our payment's uuid) is kept in the metadata of the session and
    of its payment intent. `idempotency_key` makes a retry return the same session.
    """
    intent_data: dict[str, Any] = {"metadata": {"payment": reference}}
    if transfer_group:
        intent_data["transfer_group"] = transfer_group
    else:
        intent_data["transfer_data"] = {"destination": destination}
        if application_fee_pence:
            intent_data["application_fee_amount"] = application_fee_pence
    params: SessionCreateParams = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": line.amount_pence,
                    "product_data": {"name": line.name},
                },
            }
            for line in lines
        ],
        "payment_intent_data": intent_data,  # type: ignore[typeddict-item]
        "metadata": {"payment": reference},
        "client_reference_id": reference,
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    try:
        session = client().v1.checkout.sessions.create(params=params, options={"idempotency_key": idempotency_key})
    except stripe.StripeError as error:
        raise _translate(error) from error
    return _checkout_snapshot(session.to_dict())


def retrieve_checkout_session(*, session_id: str) -> CheckoutSnapshot:
    """The session as Stripe has it now, with its payment intent, charge and the charge's balance transaction."""
    try:
        session = client().v1.checkout.sessions.retrieve(
            session_id, params={"expand": ["payment_intent.latest_charge.balance_transaction"]}
        )
    except stripe.StripeError as error:
        raise _translate(error) from error
    return _checkout_snapshot(session.to_dict())


def expire_checkout_session(*, session_id: str) -> CheckoutSnapshot:
    """Close an open session so it can no longer be paid (the person cancelled); Stripe refuses a paid one."""
    try:
        session = client().v1.checkout.sessions.expire(session_id)
    except stripe.StripeError as error:
        raise _translate(error) from error
    return _checkout_snapshot(session.to_dict())


def retrieve_payment_reference(*, payment_intent_id: str) -> str:
    """The payment uuid kept in a payment intent's metadata ("" when it is not one of ours)."""
    try:
        intent = client().v1.payment_intents.retrieve(payment_intent_id)
    except stripe.StripeError as error:
        raise _translate(error) from error
    return str((intent.to_dict().get("metadata") or {}).get("payment") or "")


def _checkout_snapshot(session: dict[str, Any]) -> CheckoutSnapshot:
    intent = session.get("payment_intent")
    intent_id, intent_status, charge_id, available_on, last_error = "", "", "", None, ""
    if isinstance(intent, str):
        intent_id = intent
    elif isinstance(intent, dict):
        intent_id = str(intent.get("id") or "")
        intent_status = str(intent.get("status") or "")
        error = intent.get("last_payment_error") or {}
        last_error = str(error.get("message") or "")
        charge = intent.get("latest_charge")
        if isinstance(charge, str):
            charge_id = charge
        elif isinstance(charge, dict):
            charge_id = str(charge.get("id") or "")
            transaction = charge.get("balance_transaction")
            if isinstance(transaction, dict) and transaction.get("available_on") is not None:
                available_on = int(transaction["available_on"])
    return CheckoutSnapshot(
        session_id=str(session["id"]),
        url=str(session.get("url") or ""),
        status=str(session.get("status") or ""),
        payment_status=str(session.get("payment_status") or ""),
        amount_total=int(session.get("amount_total") or 0),
        metadata={str(key): str(value) for key, value in (session.get("metadata") or {}).items()},
        payment_intent_id=intent_id,
        payment_intent_status=intent_status,
        charge_id=charge_id,
        available_on=available_on,
        last_error=last_error,
    )


@dataclass(frozen=True)
class TransferSnapshot:
    """What we keep of a transfer to a connected account."""

    transfer_id: str
    amount_pence: int
    destination: str
    transfer_group: str
    source_transaction: str
    metadata: dict[str, str] = field(default_factory=dict)


def _transfer(transfer: Any) -> TransferSnapshot:
    return TransferSnapshot(
        transfer_id=str(transfer.id),
        amount_pence=int(transfer.amount),
        destination=str(transfer.destination),
        transfer_group=str(transfer.transfer_group or ""),
        source_transaction=str(transfer.source_transaction or ""),
        metadata=_metadata(transfer),
    )


def _metadata(item: Any) -> dict[str, str]:
    return {str(key): str(value) for key, value in (item.metadata.to_dict() if item.metadata else {}).items()}


def create_transfer(
    *,
    amount: int,
    destination: str,
    transfer_group: str,
    idempotency_key: str,
    source_transaction: str = "",
    metadata: dict[str, str] | None = None,
) -> TransferSnapshot:
    """Move `amount` pence on the platform to a connected account (separate charges and transfers).

    `source_transaction` (the charge) ties the transfer to that charge's money,
    so it can be made before the charge's funds are available and never moves
    more than the charge brought in; without one the money comes from the
    platform's available balance. `idempotency_key` makes a retry or a second
    worker get the same transfer back, never a second one.
    """
    params: TransferCreateParams = {
        "amount": amount,
        "currency": "gbp",
        "destination": destination,
        "transfer_group": transfer_group,
    }
    if source_transaction:
        params["source_transaction"] = source_transaction
    if metadata:
        params["metadata"] = metadata
    try:
        transfer = client().v1.transfers.create(params=params, options={"idempotency_key": idempotency_key})
    except stripe.StripeError as error:
        raise _translate(error) from error
    return _transfer(transfer)


def list_transfers(*, transfer_group: str) -> list[TransferSnapshot]:
    """Every transfer of a transfer group (to find one made before an answer was lost)."""
    try:
        transfers = _every_page(client().v1.transfers.list, {"transfer_group": transfer_group})
    except stripe.StripeError as error:
        raise _translate(error) from error
    return [_transfer(item) for item in transfers]


def verify_event(*, payload: bytes, signature: str, secret: str) -> VerifiedEvent:
    """Check a webhook's Stripe-Signature with the endpoint's secret; SignatureError when it fails."""
    try:
        stripe.WebhookSignature.verify_header(payload.decode("utf-8"), signature, secret, tolerance=300)
        body = json.loads(payload)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as error:
        raise SignatureError("The signature or body of this webhook is not valid.") from error
    if not isinstance(body, dict) or not isinstance(body.get("id"), str) or not isinstance(body.get("type"), str):
        raise SignatureError("This webhook is not a Stripe event.")
    data_object = (body.get("data") or {}).get("object") or {}
    return VerifiedEvent(
        event_id=body["id"],
        type=body["type"],
        account_id=str(body.get("account") or ""),
        created=int(body.get("created") or 0),
        object_id=str(data_object.get("id") or ""),
        object_type=str(data_object.get("object") or ""),
        payload=body,
    )


class SignatureError(Exception):
    """A webhook whose signature does not verify (or that is not an event at all)."""


@dataclass(frozen=True)
class TransferReversalSnapshot:
    """What we keep of a reversal of a separate transfer."""

    reversal_id: str
    transfer_id: str
    amount_pence: int
    metadata: dict[str, str]


@dataclass(frozen=True)
class TransferState:
    """A transfer as Stripe holds it now: what it moved and how much of that has been taken back."""

    transfer_id: str
    amount_pence: int
    amount_reversed_pence: int


def _reversal(reversal: Any) -> TransferReversalSnapshot:
    return TransferReversalSnapshot(
        reversal_id=str(reversal.id),
        transfer_id=str(reversal.transfer),
        amount_pence=int(reversal.amount),
        metadata=_metadata(reversal),
    )


def retrieve_transfer(*, transfer_id: str) -> TransferState:
    try:
        transfer = client().v1.transfers.retrieve(transfer_id)
    except stripe.StripeError as error:
        raise _translate(error) from error
    return TransferState(
        transfer_id=str(transfer.id),
        amount_pence=int(transfer.amount),
        amount_reversed_pence=int(transfer.amount_reversed or 0),
    )


def create_transfer_reversal(
    *, transfer_id: str, amount_pence: int, idempotency_key: str, metadata: dict[str, str]
) -> TransferReversalSnapshot:
    """Take `amount_pence` of a separate transfer back from the connected account to the platform."""
    try:
        reversal = client().v1.transfers.reversals.create(
            transfer_id,
            params={"amount": amount_pence, "metadata": metadata},
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        raise _translate(error) from error
    return _reversal(reversal)


def list_transfer_reversals(*, transfer_id: str) -> list[TransferReversalSnapshot]:
    """Every reversal of a transfer (to find one made before an answer was lost)."""
    try:
        reversals = _every_page(
            lambda params, options: client().v1.transfers.reversals.list(transfer_id, params=params, options=options),
            {},
        )
    except stripe.StripeError as error:
        raise _translate(error) from error
    return [_reversal(item) for item in reversals]
