"""The agreements' daily job. Thin: it calls the service."""

from datetime import date, datetime, time

from celery import shared_task
from django.utils import timezone

from marketplace.core.services import scheduled_job_record_run

from .services import timesheets_approve_overdue


def approve_overdue(*, today: date | None = None) -> int:
    """Approve entries past their decide-by day as of `today` (the real day only at this edge)."""
    today = today or timezone.localdate()
    now = timezone.now() if today == timezone.localdate() else timezone.make_aware(datetime.combine(today, time(6)))
    return timesheets_approve_overdue(today=today, now=now)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def approve_overdue_timesheets(today: str | None = None) -> int:
    """Daily: approve timesheet entries nobody approved or queried in time. Idempotent, so safe to retry."""
    approved = approve_overdue(today=date.fromisoformat(today) if today else None)
    scheduled_job_record_run(name="agreements-approve-overdue", result=f"{approved} approved automatically")
    return approved
