"""Scheduled insights jobs. Thin: they call services."""

from celery import shared_task

from marketplace.core.services import scheduled_job_record_run

from .services import insights_digest_send, insights_morning_figures_keep


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_daily_digest() -> int:
    """Email the commissioners' morning digest (beat: 07:00). Idempotent: once per morning."""
    run = insights_digest_send()
    scheduled_job_record_run(
        name="insights-digest",
        result=f"{run.for_date:%Y-%m-%d}: {run.item_count} changes to {run.recipient_count} commissioners",
    )
    return run.recipient_count


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def keep_morning_figures() -> str:
    """Work out the day's morning figures before the commissioners arrive (beat: 06:55). Idempotent."""
    figures = insights_morning_figures_keep()
    result = f"{figures.today:%Y-%m-%d}: the morning figures kept"
    scheduled_job_record_run(name="insights-morning-figures", result=result)
    return result
