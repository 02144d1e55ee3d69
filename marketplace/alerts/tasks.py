"""The saved-search alert job. Thin: it calls the service."""

from celery import shared_task

from marketplace.core.services import scheduled_job_record_run

from .services import send_saved_search_alerts as send_alerts


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_saved_search_alerts() -> str:
    """Daily: email owners of saved searches about listings that newly match. Idempotent, so safe to retry."""
    summary = send_alerts()
    scheduled_job_record_run(name="alerts-saved-searches", result=str(summary))
    return str(summary)
