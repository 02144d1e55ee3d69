"""Celery tasks of the payments app: thin, by id, idempotent, retried with backoff."""

from typing import Any

from celery import shared_task
from django.db import transaction

from .models import Payment, StripeEvent
from .pooling import is_pooled_share, pooled_share_transfer, pooled_shares_waiting_for_transfer
from .services import PaymentsError, stripe_event_process


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


@shared_task(bind=True, max_retries=8)
def transfer_pooled_share(self: Any, payment_pk: int) -> str:
    """Transfer one paid pooled share to the provider. While Stripe is unreachable, try again after 30 s, 60 s..."""
    try:
        payment = pooled_share_transfer(payment_pk=payment_pk)
    except PaymentsError as error:
        if not error.is_unreachable:
            raise
        raise self.retry(exc=error, countdown=30 * 2**self.request.retries) from error
    return payment.stripe_transfer_id


@shared_task
def transfer_pending_pooled_shares() -> int:
    """Every few minutes: queue the transfer of every paid pooled share that has none yet."""
    pending = pooled_shares_waiting_for_transfer()
    for payment_pk in pending:
        transfer_pooled_share.delay(payment_pk)
    return len(pending)


def queue_pooled_share_transfer(payment: Payment) -> None:
    """Call when a payment has just been marked paid: a pooled share's transfer is queued once the save commits."""
    if is_pooled_share(payment):
        transaction.on_commit(lambda: transfer_pooled_share.delay(payment.pk))
