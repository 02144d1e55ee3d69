"""The adverts' daily job. Thin: it calls the service."""

from datetime import date

from celery import shared_task

from marketplace.core.services import scheduled_job_record_run

from .services import adverts_daily


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def run_adverts_daily(today: str | None = None) -> str:
    """Daily: closing reminders, expiry, and new adverts emailed to matching PAs. Idempotent, so safe to retry."""
    summary = adverts_daily(today=date.fromisoformat(today) if today else None)
    scheduled_job_record_run(name="adverts-daily", result=str(summary))
    return str(summary)
