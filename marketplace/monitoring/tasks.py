"""Scheduled monitoring jobs: thin Celery tasks that call a service."""

from celery import shared_task

from marketplace.core.services import scheduled_job_record_run

from .services import monitoring_alert_overdue


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def alert_overdue_monitoring() -> int:
    """Daily: email commissioners the providers overdue a monitoring visit (each at most once a week)."""
    alerted = monitoring_alert_overdue()
    scheduled_job_record_run(name="monitoring-alert-overdue", result=f"{alerted} overdue providers alerted")
    return alerted
