"""Paying approved invoices online: a Payment, its Stripe Checkout session, and what Stripe says happened.

The order of things (decision 0039):

1. `payment_create` keeps the Payment (QUEUED) and one item per invoice in one
   transaction, before Stripe is called. The partial unique constraint on
   PaymentItem lets an invoice be in one live payment only, so a double click
   or a second tab cannot start a second payment of it.
2. `payment_session_open` asks Stripe for a Checkout session with the
   payment's own idempotency key, so asking again (a retry, a task and a page at
   once) gets the same session. While Stripe cannot be reached the payment stays
   QUEUED with `next_attempt_at`; a task and a sweep ask again, and the person
   who chose to pay is emailed when it is ready.
3. `payment_sync` reads the session from Stripe again and applies it: paid
   marks each invoice paid and posts it to the ledger in one transaction;
   expired or failed frees the invoices to be paid again. Webhooks and our
   return page both call it, never trusting an event's body, so events that
   come twice, late or out of order change nothing.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.agreements.models import Invoice
from marketplace.budgets.services import BudgetError, invoice_payment_record
from marketplace.core.notifications import email_send

from . import gateway
from .gateway import CheckoutLine, CheckoutSnapshot, PaymentGatewayError
from .models import Payment, PaymentAccount, PaymentItem, PaymentSettings, StripeEvent
from .selectors import payment_settings
from .services import EVENT_HANDLERS, PaymentsError

logger = logging.getLogger(__name__)

BASIS_POINTS = 10_000
# Stripe's standard UK price for UK cards, used only when the council has chosen that
# providers bear Stripe's fee: it is then added to the application fee.
STRIPE_CARD_FEE_BASIS_POINTS = 150
STRIPE_CARD_FEE_FIXED_PENCE = 20
# Stripe will not take a card payment under 30p.
SMALLEST_PAYMENT_PENCE = 30
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
# The statuses in which a payment's invoices are taken (its items are live).
LIVE_STATUSES = (Payment.Status.QUEUED, Payment.Status.OPEN, Payment.Status.SUCCEEDED)
DECLINED_MESSAGE = "The card was declined, so nothing was taken. You can try again with another card."


def share_half_up(amount_pence: int, basis_points: int) -> int:
    """`basis_points` hundredths of a per cent of an amount, rounded half up, never more than the amount."""
    if amount_pence < 0 or basis_points < 0:
        raise ValueError("Amounts and rates are never negative")
    return min(amount_pence, (amount_pence * basis_points + BASIS_POINTS // 2) // BASIS_POINTS)


def stripe_card_fee(amount_pence: int) -> int:
    """Stripe's fee on a UK card payment of this amount: 1.5% rounded half up, plus 20p."""
    return share_half_up(amount_pence, STRIPE_CARD_FEE_BASIS_POINTS) + STRIPE_CARD_FEE_FIXED_PENCE


@dataclass(frozen=True)
class FeeBreakdown:
    """What one online payment costs whom, in pence."""

    amount_pence: int
    platform_fee_pence: int
    stripe_fee_pence: int
    stripe_fee_borne_by_provider: bool

    @property
    def application_fee_pence(self) -> int:
        """What the council keeps from the payment: its fee, and Stripe's when the provider bears it."""
        fee = self.platform_fee_pence + (self.stripe_fee_pence if self.stripe_fee_borne_by_provider else 0)
        return min(self.amount_pence, fee)

    @property
    def provider_receives_pence(self) -> int:
        return self.amount_pence - self.application_fee_pence


def fee_breakdown(*, amount_pence: int, settings: PaymentSettings) -> FeeBreakdown:
    return FeeBreakdown(
        amount_pence=amount_pence,
        platform_fee_pence=share_half_up(amount_pence, settings.platform_fee_basis_points),
        stripe_fee_pence=stripe_card_fee(amount_pence),
        stripe_fee_borne_by_provider=settings.stripe_fee_bearer == PaymentSettings.FeeBearer.PROVIDER,
    )


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1, 2, 4... minutes after each failed attempt, at most an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def invoices_to_pay(*, holder: DirectPaymentHolder, invoice_uuids: Iterable[UUID | str]) -> list[Invoice]:
    """The holder's invoices with these uuids, checked to be payable online together; PaymentsError if not."""
    try:
        wanted = {str(UUID(str(value))) for value in invoice_uuids}
    except ValueError:
        raise PaymentsError("Choose from the invoices listed.") from None
    if not wanted:
        raise PaymentsError("Choose at least one invoice to pay.")
    invoices = list(
        Invoice.objects.filter(holder=holder, uuid__in=wanted).select_related("provider").order_by("due_on", "pk")
    )
    if len(invoices) != len(wanted):
        raise PaymentsError("One of the invoices you chose is not yours to pay. Choose from the list.")
    if len({invoice.provider_id for invoice in invoices}) != 1:
        raise PaymentsError("Choose invoices from one provider: each provider is paid separately.")
    for invoice in invoices:
        if invoice.status != Invoice.Status.PAYABLE:
            raise PaymentsError(f"Invoice {invoice.number} is {invoice.get_status_display().lower()}, not to pay.")
    groups = {invoice.transfer_group for invoice in invoices}
    if len(groups) != 1:
        raise PaymentsError("Pay each share of shared (pooled) support on its own.")
    account = PaymentAccount.objects.filter(provider_id=invoices[0].provider_id, can_be_paid_online=True).first()
    if account is None:
        raise PaymentsError(f"{invoices[0].provider.name} cannot be paid online yet. Pay them another way.")
    if sum(invoice.total_pence for invoice in invoices) < SMALLEST_PAYMENT_PENCE:
        raise PaymentsError("Online payments must be at least 30p.")
    return invoices


@transaction.atomic
def payment_create(
    *, holder: DirectPaymentHolder, invoice_uuids: Iterable[UUID | str], by: User, return_url: str, now: datetime
) -> Payment:
    """Keep a payment of these invoices (QUEUED), before Stripe is asked for anything.

    Raises PaymentsError when the invoices cannot be paid together, or when one
    of them is already in a live payment (a double click, a second tab).
    """
    chosen = [str(value) for value in invoice_uuids]
    invoices = invoices_to_pay(holder=holder, invoice_uuids=chosen)
    # Lock them, then check again: one recorded as paid another way at this moment is then seen as paid.
    list(Invoice.objects.select_for_update().filter(pk__in=[invoice.pk for invoice in invoices]))
    invoices = invoices_to_pay(holder=holder, invoice_uuids=chosen)
    account = PaymentAccount.objects.get(provider_id=invoices[0].provider_id)
    amount = sum(invoice.total_pence for invoice in invoices)
    fees = fee_breakdown(amount_pence=amount, settings=payment_settings())
    payment = Payment(
        holder=holder,
        provider=invoices[0].provider,
        payment_account=account,
        amount_pence=amount,
        application_fee_pence=fees.application_fee_pence,
        transfer_group=invoices[0].transfer_group,
        created_by=by,
        created_at=now,
        updated_at=now,
        next_attempt_at=now,
    )
    payment.idempotency_key = f"checkout-{payment.uuid}"
    payment.return_url = return_url.replace("{payment}", str(payment.uuid))
    payment.save()
    try:
        with transaction.atomic():
            PaymentItem.objects.bulk_create(
                [
                    PaymentItem(payment=payment, invoice=invoice, amount_pence=invoice.total_pence)
                    for invoice in invoices
                ]
            )
    except IntegrityError as error:
        raise PaymentsError("One of these invoices is already being paid.") from error
    return payment


def live_payment_of(*, holder: DirectPaymentHolder, invoice_uuids: Iterable[UUID | str]) -> Payment | None:
    """The live payment that already holds one of these invoices, if any (where a double click should go)."""
    item = (
        PaymentItem.objects.filter(is_live=True, invoice__holder=holder, invoice__uuid__in=list(invoice_uuids))
        .select_related("payment")
        .first()
    )
    return item.payment if item else None


def _lines(payment: Payment) -> list[CheckoutLine]:
    items = payment.items.select_related("invoice").order_by("pk")
    return [
        CheckoutLine(
            name=f"Invoice {item.invoice.number} ({item.invoice.period_start:%-d %b} to "
            f"{item.invoice.period_end:%-d %b %Y})",
            amount_pence=item.amount_pence,
        )
        for item in items
    ]


def payment_session_open(*, payment: Payment, now: datetime, notify: bool = False) -> Payment:
    """Ask Stripe for the payment's Checkout session if it has none; safe to call again at any time.

    Stripe down: the payment stays QUEUED and `next_attempt_at` moves on. Stripe
    refuses: the payment FAILED and its invoices are free again. Made: OPEN, and
    when `notify` (a retry in the background) the person who chose to pay is emailed.
    """
    current = Payment.objects.select_related("payment_account").get(pk=payment.pk)
    if current.status != Payment.Status.QUEUED:
        return current
    try:
        snapshot = gateway.create_checkout_session(
            lines=_lines(current),
            destination=current.payment_account.stripe_account_id,
            application_fee_pence=current.application_fee_pence,
            transfer_group=current.transfer_group,
            reference=str(current.uuid),
            success_url=current.return_url + "?returned=paid",
            cancel_url=current.return_url + "?returned=cancelled",
            idempotency_key=current.idempotency_key,
        )
    except PaymentGatewayError as error:
        return _attempt_failed(current, error, now)
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=current.pk)
        if locked.status == Payment.Status.CANCELLED:
            # Cancelled while Stripe was answering: close the session nobody will see, so it can never be paid.
            transaction.on_commit(lambda: _expire_quietly(snapshot.session_id), robust=True)
        if locked.status != Payment.Status.QUEUED:
            return locked
        locked.status = Payment.Status.OPEN
        locked.stripe_checkout_session_id = snapshot.session_id
        locked.checkout_url = snapshot.url
        locked.attempts += 1
        locked.next_attempt_at = None
        locked.failure_message = ""
        locked.updated_at = now
        locked.save()
        if notify and locked.created_by is not None:
            email_send(
                to=[locked.created_by.email],
                subject="Your online payment is ready",
                template="payment_ready",
                context={"payment": locked, "provider_name": locked.provider.name},
            )
    return locked


def _attempt_failed(payment: Payment, error: PaymentGatewayError, now: datetime) -> Payment:
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != Payment.Status.QUEUED:
            return locked
        locked.attempts += 1
        locked.updated_at = now
        if error.is_unreachable:
            locked.next_attempt_at = now + retry_delay(locked.attempts)
            locked.failure_message = ""
        else:
            logger.warning("Stripe refused a Checkout session for payment %s: %s", locked.uuid, error.code)
            locked.status = Payment.Status.FAILED
            locked.next_attempt_at = None
            locked.failure_message = error.message
            locked.items.update(is_live=False)
        locked.save()
    return locked


CANCELLED_MESSAGE = "You cancelled this payment, so nothing was taken."
PAID_BEFORE_CANCEL_MESSAGE = "This payment was made before it could be cancelled."
CANCELLABLE = (Payment.Status.QUEUED, Payment.Status.OPEN)


def payment_cancel(*, payment: Payment, now: datetime) -> Payment:
    """Cancel a payment that is waiting (queued, or open on Stripe's page): nothing is taken, its invoices are free.

    An open session is expired at Stripe first, so it can never be paid after
    we have said it is cancelled; when Stripe says it was paid meanwhile, the
    payment is brought up to date and a PaymentsError says so. Stripe down: a
    PaymentsError (`is_unreachable`) and nothing changes. A queued payment is
    cancelled here alone; a session Stripe makes for it afterwards is expired.
    """
    current = Payment.objects.get(pk=payment.pk)
    if current.status not in CANCELLABLE:
        raise PaymentsError(
            f"Only a payment that is waiting can be cancelled; this one is “{current.get_status_display().lower()}”."
        )
    if current.stripe_checkout_session_id:
        try:
            snapshot = gateway.expire_checkout_session(session_id=current.stripe_checkout_session_id)
        except PaymentGatewayError as error:
            if error.is_unreachable:
                raise PaymentsError(
                    "We could not reach our payment provider, Stripe, so the payment is not cancelled yet. "
                    "Try again in a few minutes.",
                    is_unreachable=True,
                ) from error
            synced = payment_sync(payment=current, now=now)
            if synced.status == Payment.Status.SUCCEEDED:
                raise PaymentsError(PAID_BEFORE_CANCEL_MESSAGE) from error
            raise PaymentsError(error.message) from error
        if snapshot.status == "complete":
            payment_apply(payment=current, snapshot=snapshot, now=now)
            raise PaymentsError(PAID_BEFORE_CANCEL_MESSAGE)
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=current.pk)
        if locked.status in CANCELLABLE:
            _release(locked, Payment.Status.CANCELLED, CANCELLED_MESSAGE)
            locked.updated_at = now
            locked.save()
    return locked


def _expire_quietly(session_id: str) -> None:
    try:
        gateway.expire_checkout_session(session_id=session_id)
    except PaymentGatewayError:
        logger.warning("Could not expire session %s of a cancelled payment; Stripe expires it in a day", session_id)


def payments_due_for_session(*, now: datetime, limit: int = 200) -> list[int]:
    """Queued payments whose next attempt is due (the sweep asks Stripe for each)."""
    return list(
        Payment.objects.filter(status=Payment.Status.QUEUED)
        .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


# Separate charges and transfers (pooled shares, which carry a transfer group): after the
# charge succeeds, the transfer to the provider is made by payments/pooling.py, which
# registers a function here. Each is called with the payment's id after the commit.
POOLED_PAYMENT_SUCCEEDED: list[Callable[[int], None]] = []


def payment_sync(*, payment: Payment, now: datetime) -> Payment:
    """Read the payment's session from Stripe and apply what it says (the one way a payment's state changes)."""
    current = Payment.objects.get(pk=payment.pk)
    if not current.stripe_checkout_session_id or current.status not in (Payment.Status.QUEUED, Payment.Status.OPEN):
        return current  # nothing at Stripe yet, or settled: Stripe is not asked again
    payment = current
    try:
        snapshot = gateway.retrieve_checkout_session(session_id=payment.stripe_checkout_session_id)
    except PaymentGatewayError as error:
        raise PaymentsError(error.message, is_unreachable=error.is_unreachable) from error
    return payment_apply(payment=payment, snapshot=snapshot, now=now)


@transaction.atomic
def payment_apply(*, payment: Payment, snapshot: CheckoutSnapshot, now: datetime) -> Payment:
    """Apply a session read from Stripe: paid posts every invoice to the ledger once, in this one transaction."""
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.status not in (Payment.Status.QUEUED, Payment.Status.OPEN):
        return locked  # settled already: a replay or a late event changes nothing
    locked.updated_at = now
    if snapshot.status == "complete" and snapshot.payment_status == "paid":
        _succeeded(locked, snapshot, now)
    elif snapshot.status == "expired":
        _release(locked, Payment.Status.EXPIRED, "The payment was not finished in time, so nothing was taken.")
    elif snapshot.status == "complete" and snapshot.payment_intent_status in ("requires_payment_method", "canceled"):
        _release(locked, Payment.Status.FAILED, snapshot.last_error or "The payment did not go through.")
    elif snapshot.last_error:
        locked.failure_message = DECLINED_MESSAGE if "declined" in snapshot.last_error else snapshot.last_error
    locked.save()
    return locked


def _succeeded(payment: Payment, snapshot: CheckoutSnapshot, now: datetime) -> None:
    payment.status = Payment.Status.SUCCEEDED
    payment.stripe_payment_intent_id = snapshot.payment_intent_id
    payment.stripe_charge_id = snapshot.charge_id
    payment.succeeded_at = now
    payment.failure_message = ""
    if snapshot.available_on is not None:
        payment.funds_available_on = datetime.fromtimestamp(snapshot.available_on, tz=UTC).date()
    paid_on = timezone.localdate(now)
    for item in payment.items.select_related("invoice").order_by("pk"):
        try:
            invoice_payment_record(
                invoice=item.invoice,
                by=payment.created_by,
                route=Invoice.Route.ONLINE,
                reference=snapshot.payment_intent_id,
                paid_on=paid_on,
                now=now,
            )
        except BudgetError as error:
            # Recorded as paid another way while the card payment went through: the ledger keeps
            # the first record; the council sees this payment's note and refunds the difference.
            logger.warning("Payment %s: invoice %s not posted: %s", payment.uuid, item.invoice.number, error)
            payment.failure_message = f"Invoice {item.invoice.number} was already recorded as paid another way."
    if payment.transfer_group:
        for call in POOLED_PAYMENT_SUCCEEDED:
            transaction.on_commit(lambda call=call: call(payment.pk), robust=True)  # type: ignore[misc]


def _release(payment: Payment, status: str, message: str) -> None:
    payment.status = status
    payment.failure_message = message
    payment.next_attempt_at = None
    payment.items.update(is_live=False)


# --- Stripe events --------------------------------------------------------------------------------


def _payment_for_session(session_id: str) -> Payment | None:
    return Payment.objects.filter(stripe_checkout_session_id=session_id).first() if session_id else None


def _checkout_session_event(event: StripeEvent, now: datetime) -> str:
    """checkout.session.*: which payment; then read its session from Stripe again (the body is not trusted)."""
    payment = _payment_for_session(event.object_id)
    if payment is None:
        return "ignored: not one of our Checkout sessions"
    synced = payment_sync(payment=payment, now=now)
    return f"payment {synced.uuid} {synced.status}"


def _payment_intent_failed_event(event: StripeEvent, now: datetime) -> str:
    """payment_intent.payment_failed: find our payment from the intent as Stripe has it, then read its session."""
    try:
        reference = gateway.retrieve_payment_reference(payment_intent_id=event.object_id)
    except PaymentGatewayError as error:
        raise PaymentsError(error.message, is_unreachable=error.is_unreachable) from error
    payment = Payment.objects.filter(uuid=reference).first() if _is_uuid(reference) else None
    if payment is None:
        return "ignored: not one of our payments"
    synced = payment_sync(payment=payment, now=now)
    return f"payment {synced.uuid} {synced.status}"


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True


CHECKOUT_EVENT_TYPES = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
)
EVENT_HANDLERS.update(dict.fromkeys(CHECKOUT_EVENT_TYPES, _checkout_session_event))
EVENT_HANDLERS["payment_intent.payment_failed"] = _payment_intent_failed_event
