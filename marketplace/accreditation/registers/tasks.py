"""Register jobs: the daily sweeps beat queues, and one-off syncs. Thin: they load ids and call `sync`.

The sweeps catch each provider's failure themselves, so a sweep task only
retries (after 15 minutes, then 1 and 3 hours) when every request failed in
a way that may pass, which means the register itself is down. The one-off
tasks retry a temporary failure with exponential backoff. All are safe to
run again: a sync only alerts on a change from the record it keeps.
"""

from collections.abc import Callable

from celery import Task, shared_task

from marketplace.providers.models import Provider

from ..models import ProviderCheck
from . import RegisterError
from .sync import (
    RegisterSyncResult,
    SweepSummary,
    companies_house_sync_all,
    companies_house_sync_provider,
    cqc_sync_all,
    cqc_sync_provider,
    dbs_update_check,
    dbs_update_check_all,
)

SWEEP_RETRY_DELAYS = [15 * 60, 60 * 60, 3 * 60 * 60]


def _retry_if_register_down(task: Task, summary: SweepSummary) -> str:
    retries = task.request.retries or 0
    if summary.register_seems_down and retries < len(SWEEP_RETRY_DELAYS):
        raise task.retry(countdown=SWEEP_RETRY_DELAYS[retries], max_retries=len(SWEEP_RETRY_DELAYS))
    return str(summary)


@shared_task(bind=True)
def registers_sync_cqc(self: Task) -> str:
    """Daily: every published provider with a CQC ID."""
    return _retry_if_register_down(self, cqc_sync_all())


@shared_task(bind=True)
def registers_sync_companies_house(self: Task) -> str:
    """Daily: every published provider with a company number."""
    return _retry_if_register_down(self, companies_house_sync_all())


@shared_task(bind=True)
def registers_check_dbs_update_service(self: Task) -> str:
    """Daily: every verified DBS check on the Update Service."""
    return _retry_if_register_down(self, dbs_update_check_all())


def _backoff(task: Task) -> int:
    return int(60 * 2 ** (task.request.retries or 0))


@shared_task(bind=True, max_retries=5)
def register_sync_provider(self: Task, provider_id: int, register: str) -> int:
    """Sync one provider with one register ("cqc" or "companies-house") now; returns the number of alerts."""
    syncs: dict[str, Callable[..., RegisterSyncResult]] = {
        "cqc": cqc_sync_provider,
        "companies-house": companies_house_sync_provider,
    }
    sync = syncs[register]
    provider = Provider.objects.filter(pk=provider_id).first()
    if provider is None:
        return 0
    try:
        result = sync(provider=provider)
    except RegisterError as error:
        if error.is_temporary:
            raise self.retry(exc=error, countdown=_backoff(self)) from None
        raise
    return len(result.alerts)


@shared_task(bind=True, max_retries=5)
def dbs_update_check_one(self: Task, provider_check_id: int) -> int:
    """Check one DBS certificate on the Update Service now; returns the number of alerts."""
    provider_check = ProviderCheck.objects.select_related("check_type").filter(pk=provider_check_id).first()
    if provider_check is None:
        return 0
    try:
        result = dbs_update_check(provider_check=provider_check)
    except RegisterError as error:
        if error.is_temporary:
            raise self.retry(exc=error, countdown=_backoff(self)) from None
        raise
    return len(result.alerts)
