"""Keeping the search index in step with provider writes.

Providers' services call `schedule_provider_index` after every change; the
work is queued once the transaction commits, so a failing search server never
loses a write: the task retries. Indexing is idempotent (each write carries
the row's last-changed time as its version), so a task run twice, or late,
does no harm.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


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
        # search stays current, and leave the rest to the next reindex.
        logger.exception("Could not queue search indexing for providers %s; indexing now", provider_ids)
        _index_now(provider_ids)


def _index_now(provider_ids: list[int]) -> None:
    from .api import SearchUnavailable, get_backend

    try:
        get_backend().index_providers(provider_ids)
    except SearchUnavailable:
        logger.warning("Search index not updated for providers %s; run search_reindex", provider_ids)
