"""Money back on online payments: refunds by commissioners, card disputes, and providers' payouts.

Every write here follows the rule of the payments app: Stripe is called only
through `gateway`, and what an event says is never trusted: a webhook only
tells us which refund, charge, dispute or payout to read again, and
`refund_apply` / `dispute_apply` make our rows agree with what Stripe says
now. Both are idempotent, so an event delivered three times, or late, or
before the one it follows, changes nothing the second time.

The ledger is told in the same database transaction as the state change:
a succeeded refund (or a lost dispute) posts one REFUND transaction that
returns the money from spending to the holder's direct payment and own money
in the proportion the invoices were paid (`budgets.services.refund_split`).
Invoices stay paid: money back is a ledger event, not an unpaid invoice.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from django.db import transaction
from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.accounts.selectors import commissioner_email_addresses
from marketplace.budgets.services import money_back_record, transaction_reverse
from marketplace.budgets.templatetags.budgets_tags import format_pence
from marketplace.core.notifications import email_send

from . import gateway
from .errors import PaymentsError
from .gateway import (
    DisputeSnapshot,
    PaymentGatewayError,
    PayoutSnapshot,
    RefundSnapshot,
    TransferReversalSnapshot,
    TransferSnapshot,
)
from .models import Dispute, Payment, PaymentAccount, Payout, Refund, StripeEvent

logger = logging.getLogger(__name__)

REFUNDABLE = frozenset({Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED})
# A refund's status at Stripe that has moved (or may yet move) money back.
COUNTED_REFUND_STATUSES = frozenset({Refund.Status.SUCCEEDED, Refund.Status.PENDING})
MAX_REASON_LENGTH = 2000
# Disputes that no longer hold a payment "Disputed": decided for the platform, or never a chargeback.
NOT_HELD_AGAINST = (Dispute.Status.WON, Dispute.Status.WARNING_CLOSED, Dispute.Status.PREVENTED)


def _moment(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _admin_path(payment: Payment) -> str:
    return reverse("payments_admin:payment", args=[payment.pk])


@dataclass(frozen=True)
class InvoiceParts:
    """What the invoices in a payment were paid from: the direct payment (council part) and own money."""

    council_pence: int
    own_money_pence: int


def payment_parts(payment: Payment) -> InvoiceParts:
    """The payment's amount split as its invoices are: council parts first, the rest own money."""
    council = sum(item.invoice.council_pence for item in payment.items.select_related("invoice"))
    council = min(council, payment.amount_pence)
    return InvoiceParts(council_pence=council, own_money_pence=payment.amount_pence - council)


def refundable_pence(payment: Payment) -> int:
    """What can still be refunded: the amount less refunds made or under way."""
    asked = payment.refunds.filter(status__in=COUNTED_REFUND_STATUSES).aggregate(total=Sum("amount_pence"))["total"]
    return max(payment.amount_pence - int(asked or 0), 0)


def _returned_pence(payment: Payment) -> int:
    """Money already returned to the holder's funds in the ledger (refunds and lost disputes)."""
    refunds = payment.refunds.filter(ledger_transaction__isnull=False, status=Refund.Status.SUCCEEDED).aggregate(
        total=Sum("amount_pence")
    )["total"]
    disputes = payment.disputes.filter(ledger_transaction__isnull=False).aggregate(total=Sum("amount_pence"))["total"]
    return int(refunds or 0) + int(disputes or 0)


def _settle_status(payment: Payment) -> None:
    """The payment's status from its refunds and disputes (the payment row is locked by the caller)."""
    payment.refunded_pence = int(
        payment.refunds.filter(status=Refund.Status.SUCCEEDED).aggregate(total=Sum("amount_pence"))["total"] or 0
    )
    if payment.disputes.exclude(status__in=NOT_HELD_AGAINST).exists():
        payment.status = Payment.Status.DISPUTED
    elif payment.refunded_pence >= payment.amount_pence:
        payment.status = Payment.Status.REFUNDED
    elif payment.refunded_pence > 0:
        payment.status = Payment.Status.PARTIALLY_REFUNDED
    else:
        payment.status = Payment.Status.SUCCEEDED


def _money_back(
    *, payment: Payment, amount_pence: int, source_key: str, description: str, reference: str, reason: str,
    by: User | None, now: datetime,
) -> object:  # fmt: skip
    parts = payment_parts(payment)
    returned = _returned_pence(payment)
    amount = min(amount_pence, payment.amount_pence - returned)
    if amount <= 0:
        return None
    return money_back_record(
        holder=payment.holder,
        council_pence=parts.council_pence,
        own_money_pence=parts.own_money_pence,
        returned_before_pence=returned,
        amount_pence=amount,
        description=description,
        reference=reference,
        reason=reason,
        source_key=source_key,
        occurred_on=timezone.localdate(now),
        by=by,
        now=now,
    )


# --- Refunds -------------------------------------------------------------------------------------


def payment_refund(
    *, payment: Payment, amount_pence: int, reason: str, by: User, token: str, now: datetime | None = None
) -> Refund:
    """Refund all or part of a succeeded payment, with the reason; the provider's transfer is reversed.

    `token` comes from the form that asked (a fresh one each time the form is
    shown), so a double submit of one form sends Stripe the same
    Idempotency-Key and makes one refund. Nothing is written before Stripe has
    answered: when Stripe cannot be reached, nothing changes here or there.
    """
    moment = now or timezone.now()
    reason = reason.strip()
    if payment.status not in REFUNDABLE:
        raise PaymentsError(f"Only a paid payment can be refunded; this one is “{payment.get_status_display()}”.")
    if not payment.stripe_charge_id and not payment.stripe_payment_intent_id:
        raise PaymentsError("This payment has no Stripe charge to refund.")
    if not isinstance(amount_pence, int) or isinstance(amount_pence, bool) or amount_pence <= 0:
        raise PaymentsError("Enter an amount more than £0.")
    remaining = refundable_pence(payment)
    if amount_pence > remaining:
        raise PaymentsError(f"Enter an amount no more than the £{remaining / 100:,.2f} that can still be refunded.")
    if not reason:
        raise PaymentsError("Give the reason for the refund.")
    if len(reason) > MAX_REASON_LENGTH:
        raise PaymentsError(f"Give the reason in {MAX_REASON_LENGTH} characters or fewer.")
    key = f"refund-{payment.uuid}-{token}"[:255]
    try:
        snapshot = gateway.create_refund(
            charge_id=payment.stripe_charge_id,
            payment_intent_id=payment.stripe_payment_intent_id,
            amount_pence=amount_pence,
            idempotency_key=key,
            metadata={"payment": str(payment.uuid)},
            destination_charge=not payment.transfer_group,
        )
    except PaymentGatewayError as error:
        raise PaymentsError(error.message, is_unreachable=error.is_unreachable) from error
    refund = refund_apply(payment=payment, snapshot=snapshot, by=by, reason=reason, idempotency_key=key, now=moment)
    if payment.transfer_group:
        try:
            refund = pooled_refund_reverse(refund_pk=refund.pk, now=moment)
        except PaymentsError:
            # The money is back on the card; the provider's part comes back from the transfer on the sweep.
            logger.warning("Reversal for refund %s left for the sweep", refund.stripe_refund_id, exc_info=True)
    return refund


# --- Pooled shares: the provider's part of a refund comes back from the share's separate transfer ----------

Made = TypeVar("Made", TransferReversalSnapshot, TransferSnapshot)

# Marks a refund of a pooled share with nothing to take back from its transfer: too small for the provider's
# part to reach a penny.
NO_REVERSAL = "none"
# Marks a refund made before the share was transferred: the transfer moved less instead (pooling.py).
WITHHELD = "withheld"


def provider_part_pence(payment: Payment, refunded_pence: int) -> int:
    """The provider's part of `refunded_pence` of a pooled share (amount less fee, in proportion), rounded down.

    Rounded down from the cumulative amount refunded, so that the parts of
    several part refunds, each the step from one cumulative figure to the
    next, add up to the provider's part of the total and never to more than
    the share's transfer; a full refund takes back exactly the transfer.
    """
    if payment.amount_pence <= 0:
        return 0
    share = max(payment.amount_pence - payment.application_fee_pence, 0)
    refunded = min(max(refunded_pence, 0), payment.amount_pence)
    return refunded * share // payment.amount_pence


def _step_pence(payment: Payment, refunds: QuerySet[Refund], refund: Refund) -> int:
    """This refund's step of the cumulative provider's part of `refunds`, taken in time order."""
    before = 0
    for item in refunds.order_by("created_at", "pk"):
        if item.pk == refund.pk:
            return provider_part_pence(payment, before + item.amount_pence) - provider_part_pence(payment, before)
        before += item.amount_pence
    return 0


def _reversal_pence(payment: Payment, refund: Refund) -> int:
    """This refund's step of the provider's part of the share's counted refunds."""
    return _step_pence(payment, payment.refunds.filter(status__in=COUNTED_REFUND_STATUSES), refund)


def pooled_refund_reverse(*, refund_pk: int, now: datetime | None = None) -> Refund:
    """Take back from a pooled share's transfer the provider's part of one refund, once.

    Does nothing for a refund that already has its reversal, that was made
    before the share was transferred (the transfer moved less), that has not
    (or not yet) moved money, or whose share has no transfer yet. The amount
    depends only on our refunds, so a retry asks Stripe for the same reversal
    with the same Idempotency-Key; a reversal made before an answer was lost
    is found by the refund's id in its metadata. Raises PaymentsError when
    Stripe cannot be reached (`is_unreachable`): the sweep tries again.
    """
    refund = Refund.objects.select_related("payment").get(pk=refund_pk)
    payment = refund.payment
    if (
        refund.stripe_transfer_reversal_id
        or refund.status not in COUNTED_REFUND_STATUSES
        or not payment.transfer_group
        or not payment.stripe_transfer_id
    ):
        return refund
    amount = _reversal_pence(payment, refund)
    key = _stripe_key(refund, "reversal")
    try:
        made = _made_for(refund, gateway.list_transfer_reversals(transfer_id=payment.stripe_transfer_id))
        reversal_id = made[0].reversal_id if made else ""
        if not reversal_id and amount > 0:
            reversal_id = gateway.create_transfer_reversal(
                transfer_id=payment.stripe_transfer_id,
                amount_pence=amount,
                idempotency_key=key,
                metadata={"payment": str(payment.uuid), "refund": refund.stripe_refund_id},
            ).reversal_id
    except PaymentGatewayError as error:
        raise PaymentsError(error.message, is_unreachable=error.is_unreachable) from error
    return _keep_once(refund, "stripe_transfer_reversal_id", reversal_id or NO_REVERSAL, now=now)


def _stripe_key(refund: Refund, step: str) -> str:
    """The Idempotency-Key of one step Stripe is asked to take for a refund: the same on every retry."""
    return f"{refund.idempotency_key or 'refund-' + refund.stripe_refund_id}-{step}"[:255]


def _made_for(refund: Refund, items: list[Made]) -> list[Made]:
    """Those of Stripe's objects made for this refund (its id in their metadata): one made before an answer was
    lost is found again rather than made twice."""
    return [item for item in items if item.metadata.get("refund") == refund.stripe_refund_id]


def _keep_once(refund: Refund, field: str, stripe_id: str, *, now: datetime | None) -> Refund:
    """Keep a Stripe id on the refund under its row lock, unless another worker kept one there first."""
    with transaction.atomic():
        locked = Refund.objects.select_for_update().get(pk=refund.pk)
        if not getattr(locked, field):
            setattr(locked, field, stripe_id)
            locked.updated_at = now or timezone.now()
            locked.save(update_fields=[field, "updated_at"])
    return locked


def pooled_refunds_waiting_for_reversal(*, limit: int = 500) -> list[int]:
    """Refunds of transferred pooled shares whose reversal is not made yet (Stripe was down), oldest first."""
    return list(
        Refund.objects.filter(status__in=COUNTED_REFUND_STATUSES, stripe_transfer_reversal_id="")
        .exclude(payment__transfer_group="")
        .exclude(payment__stripe_transfer_id="")
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


# A refund that fails after the provider's part was taken for it: Stripe gives the refunded money back to the
# platform's balance but undoes no reversal, so the provider's part is sent back to it by a new transfer.
GIVE_BACK_STATUSES = (Refund.Status.FAILED, Refund.Status.CANCELED)


def _needs_giving_back() -> QuerySet[Refund]:
    return (
        Refund.objects.filter(status__in=GIVE_BACK_STATUSES, stripe_transfer_back_id="")
        .exclude(stripe_transfer_reversal_id__in=("", NO_REVERSAL))
        .exclude(payment__transfer_group="")
        .exclude(payment__stripe_transfer_id="")
    )


def _part_taken_pence(payment: Payment, refund: Refund) -> int:
    """What a refund took from the provider: its reversal's amount as Stripe holds it or, for a refund made
    before the share was transferred, its step of what the transfer was made smaller by."""
    if refund.stripe_transfer_reversal_id == WITHHELD:
        return _step_pence(payment, payment.refunds.filter(stripe_transfer_reversal_id=WITHHELD), refund)
    for reversal in gateway.list_transfer_reversals(transfer_id=payment.stripe_transfer_id):
        if reversal.reversal_id == refund.stripe_transfer_reversal_id:
            return reversal.amount_pence
    raise PaymentsError(f"Stripe has no reversal {refund.stripe_transfer_reversal_id} of this share.")


def pooled_refund_give_back(*, refund_pk: int, now: datetime | None = None) -> Refund:
    """Send back to the provider, once, the part of a pooled share that a failed refund took from it.

    A refund takes the provider's part by reversing the share's transfer or,
    made before the share was transferred, by making the transfer smaller.
    Does nothing for a refund that has not failed, that took nothing, or
    whose part was already given back. The amount is the reversal's own, as
    Stripe holds it, or the refund's step of what was withheld. The money
    comes from the platform's available balance, where the failed refund put
    it; until the share's own charge is available there too Stripe may
    refuse, and then it is left to the sweep. A retry sends the same
    Idempotency-Key; a transfer made before an answer was lost is found by
    the refund's id in its metadata. Raises PaymentsError when Stripe cannot
    be reached: the sweep tries again.
    """
    refund = Refund.objects.select_related("payment__payment_account").get(pk=refund_pk)
    if not _needs_giving_back().filter(pk=refund.pk).exists():
        return refund
    payment = refund.payment
    metadata = {"payment": str(payment.uuid), "refund": refund.stripe_refund_id, "gives_back": "refund_failed"}
    try:
        made = _made_for(refund, gateway.list_transfers(transfer_group=payment.transfer_group))
        transfer_id = made[0].transfer_id if made else ""
        amount = 0 if made else _part_taken_pence(payment, refund)
        if amount > 0:
            transfer_id = gateway.create_transfer(
                amount=amount,
                destination=payment.payment_account.stripe_account_id,
                transfer_group=payment.transfer_group,
                idempotency_key=_stripe_key(refund, "give-back"),
                metadata=metadata,
            ).transfer_id
    except PaymentGatewayError as error:
        if error.code == "balance_insufficient":
            # The share's charge has not reached the platform's available balance yet (Stripe holds a card
            # payment's money for days): nothing is wrong, and the sweep sends the part once it has.
            logger.info("Giving back for refund %s waits for the platform's balance", refund.stripe_refund_id)
            return refund
        raise PaymentsError(error.message, is_unreachable=error.is_unreachable) from error
    return _keep_once(refund, "stripe_transfer_back_id", transfer_id or NO_REVERSAL, now=now)


def pooled_refunds_waiting_to_give_back(*, limit: int = 500) -> list[int]:
    """Failed refunds of pooled shares whose reversal has not been sent back to the provider yet, oldest first."""
    return list(_needs_giving_back().order_by("created_at", "pk").values_list("pk", flat=True)[:limit])


@transaction.atomic
def refund_apply(
    *,
    payment: Payment,
    snapshot: RefundSnapshot,
    by: User | None = None,
    reason: str = "",
    idempotency_key: str = "",
    now: datetime,
) -> Refund:
    """Make our refund agree with Stripe's; post the money back once it has succeeded (exactly once)."""
    locked = Payment.objects.select_for_update().select_related("holder", "provider").get(pk=payment.pk)
    refund = Refund.objects.filter(stripe_refund_id=snapshot.refund_id).first()
    if refund is None:
        refund = Refund.objects.create(
            payment=locked,
            amount_pence=snapshot.amount,
            reason=reason or "Made at Stripe, not through this site.",
            status=snapshot.status if snapshot.status in Refund.Status.values else Refund.Status.PENDING,
            stripe_refund_id=snapshot.refund_id,
            stripe_transfer_reversal_id=snapshot.transfer_reversal_id,
            idempotency_key=idempotency_key,
            created_by=by,
            created_at=now,
            updated_at=now,
        )
    elif snapshot.status in Refund.Status.values and refund.status != snapshot.status:
        refund.status = snapshot.status
        refund.stripe_transfer_reversal_id = snapshot.transfer_reversal_id or refund.stripe_transfer_reversal_id
        refund.updated_at = now
        refund.save(update_fields=["status", "stripe_transfer_reversal_id", "updated_at"])
    if refund.status == Refund.Status.SUCCEEDED and refund.ledger_transaction_id is None:
        refund.ledger_transaction = _money_back(  # type: ignore[assignment]
            payment=locked,
            amount_pence=refund.amount_pence,
            source_key=f"refund:{refund.stripe_refund_id}",
            description=f"Refund from {locked.provider.name}",
            reference=refund.stripe_refund_id,
            reason=refund.reason,
            by=by,
            now=now,
        )
        refund.save(update_fields=["ledger_transaction"])
    elif refund.status in (Refund.Status.FAILED, Refund.Status.CANCELED) and refund.ledger_transaction is not None:
        record = refund.ledger_transaction
        if not hasattr(record, "reversed_by"):
            transaction_reverse(record=record, by=None, reason="Stripe could not complete the refund.", now=now)
    _settle_status(locked)
    locked.updated_at = now
    locked.save(update_fields=["refunded_pence", "status", "updated_at"])
    return refund


def _payment_for_charge(charge_id: str, payment_intent_id: str = "") -> Payment | None:
    if charge_id:
        found = Payment.objects.filter(stripe_charge_id=charge_id).first()
        if found is not None:
            return found
    if payment_intent_id:
        return Payment.objects.filter(stripe_payment_intent_id=payment_intent_id).first()
    return None


def refunds_sync_for_charge(*, charge_id: str, now: datetime) -> str:
    """Read every refund of a charge again and make ours agree (a refund made in Stripe's dashboard too)."""
    try:
        charge = gateway.retrieve_charge(charge_id=charge_id)
        snapshots = gateway.list_refunds(charge_id=charge_id)
    except PaymentGatewayError as error:
        raise PaymentsError(error.message, is_unreachable=error.is_unreachable) from error
    payment = _payment_for_charge(charge_id, charge.payment_intent_id)
    if payment is None:
        return "ignored: not one of our payments"
    for snapshot in sorted(snapshots, key=lambda item: (item.created, item.refund_id)):
        refund_apply(payment=payment, snapshot=snapshot, now=now)
    payment.refresh_from_db()
    return f"refunds read again: {len(snapshots)}, {payment.refunded_pence}p refunded"


def charge_refunded_event(event: StripeEvent, now: datetime) -> str:
    return refunds_sync_for_charge(charge_id=event.object_id, now=now)


def refund_event(event: StripeEvent, now: datetime) -> str:
    try:
        snapshot = gateway.retrieve_refund(refund_id=event.object_id)
    except PaymentGatewayError as error:
        raise PaymentsError(error.message, is_unreachable=error.is_unreachable) from error
    payment = _payment_for_charge(snapshot.charge_id, snapshot.payment_intent_id)
    if payment is None:
        return "ignored: not one of our payments"
    refund = refund_apply(payment=payment, snapshot=snapshot, now=now)
    if refund.status in GIVE_BACK_STATUSES and payment.transfer_group:
        try:
            refund = pooled_refund_give_back(refund_pk=refund.pk, now=now)
        except PaymentsError:
            logger.warning("Giving back for refund %s left for the sweep", refund.stripe_refund_id, exc_info=True)
    return f"refund read again: {refund.get_status_display()}"


# --- Disputes ------------------------------------------------------------------------------------


def _tell_commissioners(*, payment: Payment, dispute: Dispute, what: str) -> None:
    email_send(
        to=commissioner_email_addresses(),
        subject=f"Card dispute on a payment to {payment.provider.name}: {dispute.get_status_display().lower()}",
        template="payments_dispute",
        context={
            "what": what,
            "payment": payment,
            "dispute": dispute,
            "payment_amount": format_pence(payment.amount_pence),
            "dispute_amount": format_pence(dispute.amount_pence),
            "admin_path": _admin_path(payment),
        },
    )


@transaction.atomic
def dispute_apply(*, snapshot: DisputeSnapshot, now: datetime) -> Dispute | None:
    """Make our dispute agree with Stripe's. Opening, winning and losing each tell commissioners once;
    a lost dispute returns the money to the holder's funds in the ledger (like a refund)."""
    payment = _payment_for_charge(snapshot.charge_id, snapshot.payment_intent_id)
    if payment is None:
        return None
    locked = Payment.objects.select_for_update().select_related("holder", "provider").get(pk=payment.pk)
    status = snapshot.status if snapshot.status in Dispute.Status.values else Dispute.Status.NEEDS_RESPONSE
    dispute = Dispute.objects.filter(stripe_dispute_id=snapshot.dispute_id).first()
    evidence_due = _moment(snapshot.evidence_due_by) if snapshot.evidence_due_by else None
    if dispute is None:
        dispute = Dispute.objects.create(
            payment=locked,
            stripe_dispute_id=snapshot.dispute_id,
            amount_pence=snapshot.amount,
            reason=snapshot.reason,
            status=status,
            evidence_due_at=evidence_due,
            payment_status_before=locked.status,
            opened_at=_moment(snapshot.created) if snapshot.created else now,
            updated_at=now,
        )
        _tell_commissioners(payment=locked, dispute=dispute, what="A card holder has disputed this payment.")
        was_closed = False
    else:
        was_closed = dispute.is_closed
        if dispute.status != status or dispute.amount_pence != snapshot.amount:
            dispute.status = status
            dispute.amount_pence = snapshot.amount
            dispute.evidence_due_at = evidence_due
            dispute.updated_at = now
            dispute.save(update_fields=["status", "amount_pence", "evidence_due_at", "updated_at"])
    if dispute.is_closed and not was_closed:
        dispute.closed_at = now
        dispute.save(update_fields=["closed_at"])
        outcome = "won: the money stays with the provider" if dispute.status == Dispute.Status.WON else "closed"
        if dispute.status == Dispute.Status.LOST:
            outcome = "lost: the money has gone back to the card and to the person's funds in their ledger"
        _tell_commissioners(payment=locked, dispute=dispute, what=f"The card dispute was {outcome}.")
    if dispute.status == Dispute.Status.LOST and dispute.ledger_transaction_id is None:
        dispute.ledger_transaction = _money_back(  # type: ignore[assignment]
            payment=locked,
            amount_pence=dispute.amount_pence,
            source_key=f"dispute:{dispute.stripe_dispute_id}",
            description=f"Card dispute lost: payment to {locked.provider.name} returned to the card",
            reference=dispute.stripe_dispute_id,
            reason="The card holder's dispute was decided against the payment.",
            by=None,
            now=now,
        )
        dispute.save(update_fields=["ledger_transaction"])
    _settle_status(locked)
    locked.updated_at = now
    locked.save(update_fields=["refunded_pence", "status", "updated_at"])
    return dispute


def dispute_event(event: StripeEvent, now: datetime) -> str:
    try:
        snapshot = gateway.retrieve_dispute(dispute_id=event.object_id)
    except PaymentGatewayError as error:
        raise PaymentsError(error.message, is_unreachable=error.is_unreachable) from error
    dispute = dispute_apply(snapshot=snapshot, now=now)
    return "ignored: not one of our payments" if dispute is None else f"dispute read again: {dispute.status}"


# --- Payouts (Connect events from providers' accounts) -------------------------------------------


@transaction.atomic
def payout_apply(*, snapshot: PayoutSnapshot, now: datetime) -> Payout | None:
    account = PaymentAccount.objects.filter(stripe_account_id=snapshot.account_id).first()
    if account is None:
        return None
    payout, _ = Payout.objects.update_or_create(
        stripe_payout_id=snapshot.payout_id,
        defaults={
            "payment_account": account,
            "amount_pence": snapshot.amount,
            "currency": snapshot.currency,
            "status": snapshot.status,
            "arrival_date": timezone.localdate(_moment(snapshot.arrival_date)) if snapshot.arrival_date else None,
            "stripe_created_at": _moment(snapshot.created),
            "updated_at": now,
        },
    )
    return payout


def payout_event(event: StripeEvent, now: datetime) -> str:
    if not event.account_id:
        return "ignored: not a connected account's payout"
    try:
        snapshot = gateway.retrieve_payout(payout_id=event.object_id, account_id=event.account_id)
    except PaymentGatewayError as error:
        raise PaymentsError(error.message, is_unreachable=error.is_unreachable) from error
    payout = payout_apply(snapshot=snapshot, now=now)
    return "ignored: not one of our connected accounts" if payout is None else f"payout read again: {payout.status}"


# Registered in services.EVENT_HANDLERS.
REFUND_EVENT_TYPES = ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated")
DISPUTE_EVENT_TYPES = (
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
)
PAYOUT_EVENT_TYPES = ("payout.created", "payout.updated", "payout.paid", "payout.failed", "payout.canceled")
