"""Scheduled and queued provider jobs. Thin: they call services."""

from celery import shared_task

from marketplace.core.services import scheduled_job_record_run

from .services import provider_send_availability_reminders


@shared_task
def record_scheduler_heartbeat() -> None:
    """Shows on /healthz that beat and a worker are running."""
    scheduled_job_record_run(name="heartbeat")


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def flag_stale_availability() -> int:
    """Remind providers whose availability has not been confirmed for 30 days. Idempotent."""
    sent = provider_send_availability_reminders()
    scheduled_job_record_run(name="availability-reminders", result=f"{sent} reminders sent")
    return sent
