"""Scheduled vetting jobs. Thin: they call services."""

from datetime import date

from celery import shared_task

from marketplace.core.services import scheduled_job_record_run

from .services import expiry_sweep


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def run_expiry_sweep(today: str | None = None) -> str:
    """Daily: expiry reminders, expired checks and lapsed accreditations. Idempotent, so safe to retry."""
    summary = expiry_sweep(today=date.fromisoformat(today) if today else None)
    scheduled_job_record_run(name="accreditation-expiry-sweep", result=str(summary))
    return str(summary)
