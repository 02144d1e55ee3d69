"""The budgets' daily job. Thin: it calls the service."""

from datetime import date

from celery import shared_task

from marketplace.core.services import scheduled_job_record_run

from .services import budgets_daily


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def run_budgets_daily(today: str | None = None) -> str:
    """Daily: scheduled payments in, invoices paid elsewhere, insurance reminders. Idempotent, so safe to retry."""
    summary = budgets_daily(today=date.fromisoformat(today) if today else None)
    scheduled_job_record_run(name="budgets-daily", result=str(summary))
    return str(summary)
