"""Celery tasks that keep an external search index current.

They take ids and load fresh rows, so they are idempotent and safe to run
twice: the backend writes each published provider as it is now and removes
the rest. When the search server cannot take the update the providers go to
the durable backlog, retried every minute (search/indexing.py), instead of
Celery retries that end after a few minutes and lose the update.
"""

from celery import shared_task

from .indexing import index_now_or_keep


@shared_task(acks_late=True)
def index_provider(provider_id: int) -> None:
    """Index one provider as it is now (or remove it if unpublished). Idempotent."""
    index_now_or_keep([provider_id])


@shared_task(acks_late=True)
def index_providers(provider_ids: list[int]) -> None:
    """Index several providers as they are now (bulk changes such as an accreditation sweep). Idempotent."""
    index_now_or_keep(list(provider_ids))
