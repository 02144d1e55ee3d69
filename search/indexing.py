"""Keeping the search index in step with provider writes.

Providers' services call `schedule_provider_index` after every change; the
work is queued once the transaction commits, so a failing search server never
loses a write: the task retries.
"""

from functools import partial

from django.conf import settings
from django.db import transaction


def schedule_provider_index(provider_id: int) -> None:
    if settings.SEARCH_BACKEND == "database":
        return  # the database is its own index: the row is already current
    from .tasks import index_provider

    transaction.on_commit(partial(index_provider.delay, provider_id))
