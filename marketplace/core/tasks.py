"""Queued work shared by every app: sending the email outbox, building large exports, clean-ups."""

from celery import shared_task

from .exports import export_build, export_jobs_forget_old
from .outbox import outbox_deliver, outbox_enqueue, outbox_send_due
from .services import scheduled_job_record_run
from .submissions import form_submissions_forget_old
from .sweeps import run_minute_sweeps
from .uploads import uploads_remove_abandoned


@shared_task
def send_outbox_email(*, email_id: int) -> str:
    """Send one outbox email now; if the mail service is down the row waits for the sweep."""
    return outbox_deliver(email_id=email_id)


@shared_task
def send_due_emails() -> dict[str, int]:
    """Every minute: send what is due, retry what failed, forget old form tokens, run the other apps' sweeps."""
    outcomes = outbox_send_due()
    forgotten = form_submissions_forget_old()
    sweeps = run_minute_sweeps()
    summary = [f"{count} {outcome}" for outcome, count in sorted(outcomes.items())]
    summary += [f"{name}: {result}" for name, result in sweeps.items() if result]
    scheduled_job_record_run(name="send-due-emails", result=", ".join(summary))
    return {**outcomes, "tokens forgotten": forgotten}


@shared_task
def send_email(*, to: str, subject: str, body: str) -> None:
    """Messages a broker still holds from before the outbox: kept in it, then sent from it."""
    for email in outbox_enqueue(to=[to], subject=subject, body=body):
        outbox_deliver(email_id=email.pk)


@shared_task(acks_late=True)
def build_export(*, job_id: int) -> str:
    """Build one large spreadsheet export (marketplace/core/exports.py); a job already taken is left alone."""
    return export_build(job_id=job_id)


@shared_task
def remove_abandoned_uploads() -> int:
    """Hourly: partial upload files a killed request left behind, and exports older than a day."""
    removed = uploads_remove_abandoned()
    exports = export_jobs_forget_old()
    result = f"{removed} removed" + (f", {exports} old exports deleted" if exports else "")
    scheduled_job_record_run(name="remove-abandoned-uploads", result=result)
    return removed
