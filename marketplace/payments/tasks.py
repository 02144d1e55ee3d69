"""Celery tasks of the payments app: thin, by id, idempotent, retried with backoff."""

from datetime import date
from typing import Any

from celery import shared_task
from django.utils import timezone

from .models import StripeEvent
from .reconciliation import reconciliation_run
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


@shared_task(bind=True, max_retries=6)
def reconcile_payments_nightly(self: Any, today: str | None = None) -> int:
    """Each night: compare yesterday's payments and refunds with Stripe's (once per day); the differences found."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    try:
        return reconciliation_run(today=day).difference_count
    except PaymentsError as error:
        raise self.retry(exc=error, countdown=600 * 2**self.request.retries) from error
