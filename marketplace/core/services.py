from django.utils import timezone

from .models import ScheduledJobRun


def scheduled_job_record_run(*, name: str, result: str = "") -> ScheduledJobRun:
    run, _ = ScheduledJobRun.objects.update_or_create(
        name=name, defaults={"last_run_at": timezone.now(), "last_result": result[:300]}
    )
    return run
