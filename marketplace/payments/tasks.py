"""Celery tasks of the payments app: thin, by id, idempotent, retried with backoff."""

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from celery import shared_task
from django.utils import timezone

from .checkout import payment_session_open, payments_due_for_session
from .models import Payment, StripeEvent
from .pooling import pooled_share_transfer, pooled_shares_waiting_for_transfer
from .reconciliation import reconciliation_run
from .refunds import (
    pooled_refund_give_back,
    pooled_refund_reverse,
    pooled_refunds_waiting_for_reversal,
    pooled_refunds_waiting_to_give_back,
)
from .services import PaymentsError, stripe_event_process

T = TypeVar("T")


@shared_task(bind=True, max_retries=8)
def process_stripe_event(self: Any, event_pk: int) -> str:
    """Act on one stored Stripe event. While Stripe is unreachable, try again after 30 s, 60 s, 120 s..."""
    try:
        return stripe_event_process(event_pk=event_pk)
    except PaymentsError as error:
        raise self.retry(exc=error, countdown=30 * 2**self.request.retries) from error


@shared_task
def process_pending_stripe_events() -> int:
    """Every few minutes: queue any stored event not yet processed (a worker was down, retries ran out)."""
    pending = list(StripeEvent.objects.filter(processed_at__isnull=True).values_list("pk", flat=True)[:500])
    for event_pk in pending:
        process_stripe_event.delay(event_pk)
    return len(pending)


@shared_task
def open_checkout_session(payment_pk: int, notify: bool = True) -> str:
    """Ask Stripe for a queued payment's Checkout session (once it exists, nothing happens). Never raises for
    Stripe being down: the payment keeps its `next_attempt_at` and the sweep below asks again then."""
    payment = Payment.objects.filter(pk=payment_pk).first()
    if payment is None:
        return "no such payment"
    return payment_session_open(payment=payment, now=timezone.now(), notify=notify).status


@shared_task
def open_due_checkout_sessions() -> int:
    """Every minute: ask Stripe again for each queued payment whose next attempt is due."""
    due = payments_due_for_session(now=timezone.now())
    for payment_pk in due:
        open_checkout_session.delay(payment_pk)
    return len(due)


def _retrying_while_unreachable(task: Any, work: Callable[[], T]) -> T:
    """Do one Stripe step of a bound task; while Stripe cannot be reached, retry after 30 s, 60 s, 120 s..."""
    try:
        return work()
    except PaymentsError as error:
        if not error.is_unreachable:
            raise
        raise task.retry(exc=error, countdown=30 * 2**task.request.retries) from error


def _queue_each(task: Any, pending: list[int]) -> int:
    """A sweep: queue `task` for each of the rows it found; how many."""
    for pk in pending:
        task.delay(pk)
    return len(pending)


@shared_task(bind=True, max_retries=8)
def transfer_pooled_share(self: Any, payment_pk: int) -> str:
    """Transfer one paid pooled share to the provider. Retries while Stripe is down."""
    return _retrying_while_unreachable(self, lambda: pooled_share_transfer(payment_pk=payment_pk)).stripe_transfer_id


@shared_task
def transfer_pending_pooled_shares() -> int:
    """Every few minutes: queue the transfer of every paid pooled share that has none yet."""
    return _queue_each(transfer_pooled_share, pooled_shares_waiting_for_transfer())


@shared_task(bind=True, max_retries=8)
def reverse_pooled_refund(self: Any, refund_pk: int) -> str:
    """Take back from a pooled share's transfer the provider's part of a refund. Retries while Stripe is down."""
    refund = _retrying_while_unreachable(self, lambda: pooled_refund_reverse(refund_pk=refund_pk))
    return refund.stripe_transfer_reversal_id


@shared_task
def reverse_pending_pooled_refunds() -> int:
    """Every few minutes: queue the reversal of every refund of a transferred pooled share that has none yet."""
    return _queue_each(reverse_pooled_refund, pooled_refunds_waiting_for_reversal())


@shared_task(bind=True, max_retries=8)
def give_back_pooled_refund(self: Any, refund_pk: int) -> str:
    """Send the provider back its part of a pooled share's failed refund. Retries while Stripe is down."""
    refund = _retrying_while_unreachable(self, lambda: pooled_refund_give_back(refund_pk=refund_pk))
    return refund.stripe_transfer_back_id


@shared_task
def give_back_pending_pooled_refunds() -> int:
    """Every few minutes: queue the giving back of every failed pooled refund whose reversal was not sent back."""
    return _queue_each(give_back_pooled_refund, pooled_refunds_waiting_to_give_back())


def transfer_pooled_share_soon(payment_pk: int) -> None:
    """Queue a paid pooled share's transfer; checkout calls it after the payment commits (registered in apps.py)."""
    transfer_pooled_share.delay(payment_pk)


@shared_task(bind=True, max_retries=6)
def reconcile_payments_nightly(self: Any, today: str | None = None) -> int:
    """Each night: compare yesterday's payments and refunds with Stripe's (once per day); the differences found."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    try:
        return reconciliation_run(today=day).difference_count
    except PaymentsError as error:
        raise self.retry(exc=error, countdown=600 * 2**self.request.retries) from error
