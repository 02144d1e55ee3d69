"""The daily job of the back-ups app. Thin: it calls the service."""

from celery import shared_task

from marketplace.core.services import scheduled_job_record_run

from .services import cannot_come_sweep


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def tell_people_whose_provider_lapsed() -> str:
    """Daily: tell holders whose provider's accreditation lapsed, once per lapse. Idempotent, so safe to retry."""
    told = cannot_come_sweep()
    result = f"{told} agreement{'s' if told != 1 else ''} told"
    scheduled_job_record_run(name="backups-cannot-come", result=result)
    return result
