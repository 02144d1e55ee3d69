"""Keeping the search index in step with provider writes.

Providers' services call `schedule_provider_index` after every change; the
work is queued once the transaction commits, so a failing search server never
loses a write. If the search server cannot take the update (down, timing out)
the provider goes into the durable backlog (`SearchIndexBacklog`, one row per
provider), which the scheduler retries every minute until the server answers;
then each provider is written once, as it is by then. If the task broker is
down the update is tried in the request, and otherwise kept in the backlog the
same way. Indexing is idempotent (each write carries the row's last-changed
time as its version), so a task run twice, or late, does no harm.
"""

import logging
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from marketplace.core.models import SearchIndexBacklog

logger = logging.getLogger(__name__)
BACKLOG_BATCH = 500


def schedule_provider_index(provider_id: int) -> None:
    schedule_providers_index([provider_id])


def schedule_providers_index(provider_ids: Iterable[int]) -> None:
    """Index these providers as they are once the current transaction commits.

    Published providers are written; any other status (draft, suspended,
    withdrawn) or a deleted row is removed from the index.
    """
    if settings.SEARCH_BACKEND == "database":
        return  # the database is its own index: the row is already current
    ids = sorted(set(provider_ids))
    if ids:
        transaction.on_commit(lambda: _enqueue(ids), robust=True)


def _enqueue(provider_ids: list[int]) -> None:
    from .tasks import index_provider, index_providers

    try:
        if len(provider_ids) == 1:
            index_provider.delay(provider_ids[0])
        else:
            index_providers.delay(provider_ids)
    except Exception:
        # The broker is down. The write has committed; try the index directly so
        # search stays current, or keep the update in the backlog.
        logger.exception("Could not queue search indexing for providers %s; indexing now", provider_ids)
        index_now_or_keep(provider_ids)


def index_now_or_keep(provider_ids: list[int], *, now: datetime | None = None) -> bool:
    """Write these providers to the index now; if the server cannot take them, keep them in the backlog."""
    from .api import SearchUnavailable, get_backend

    try:
        get_backend().index_providers(provider_ids)
    except SearchUnavailable as error:
        search_backlog_keep(provider_ids, error=f"{type(error).__name__}: {error}", now=now)
        logger.warning("Search index not updated for providers %s; kept for a retry", provider_ids)
        return False
    return True


def search_backlog_keep(provider_ids: Iterable[int], *, error: str = "", now: datetime | None = None) -> None:
    """One backlog row per provider: a new failure for a provider already there counts as another attempt."""
    moment = now or timezone.now()
    for provider_id in sorted(set(provider_ids)):
        row, created = SearchIndexBacklog.objects.get_or_create(
            provider_id=provider_id,
            defaults={"first_failed_at": moment, "last_failed_at": moment, "last_error": error[:300]},
        )
        if not created:
            SearchIndexBacklog.objects.filter(pk=row.pk).update(
                last_failed_at=moment, attempts=F("attempts") + 1, last_error=error[:300]
            )


def search_backlog_retry(*, now: datetime | None = None) -> str:
    """Every minute: write the backlog's providers to the index if the server answers again."""
    from .api import SearchUnavailable, get_backend

    if settings.SEARCH_BACKEND == "database":
        return ""
    moment = now or timezone.now()
    waiting = list(SearchIndexBacklog.objects.values_list("provider_id", flat=True)[:BACKLOG_BATCH])
    if not waiting:
        return ""
    try:
        get_backend().index_providers(waiting)
    except SearchUnavailable as error:
        search_backlog_keep(waiting, error=f"{type(error).__name__}: {error}", now=moment)
        return f"{len(waiting)} still waiting"
    # A provider that failed again after we started keeps its row for the next minute.
    SearchIndexBacklog.objects.filter(provider_id__in=waiting, last_failed_at__lte=moment).delete()
    return f"{len(waiting)} indexed"
