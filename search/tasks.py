"""Celery tasks that keep an external search index current.

They take ids and load fresh rows, so they are idempotent and safe to retry:
the backend writes each published provider as it is now and removes the rest.
"""

from celery import shared_task

from .api import SearchUnavailable, get_backend


@shared_task(
    autoretry_for=(SearchUnavailable,), retry_backoff=True, retry_backoff_max=600, max_retries=10, acks_late=True
)
def index_provider(provider_id: int) -> None:
    """Index one provider as it is now (or remove it if unpublished). Idempotent."""
    get_backend().index_providers([provider_id])


@shared_task(
    autoretry_for=(SearchUnavailable,), retry_backoff=True, retry_backoff_max=600, max_retries=10, acks_late=True
)
def index_providers(provider_ids: list[int]) -> None:
    """Index several providers as they are now (bulk changes such as an accreditation sweep). Idempotent."""
    get_backend().index_providers(list(provider_ids))
