"""Celery tasks that keep an external search index current."""

from celery import shared_task

from .api import SearchUnavailable, get_backend


@shared_task(
    autoretry_for=(SearchUnavailable,), retry_backoff=True, retry_backoff_max=600, max_retries=10, acks_late=True
)
def index_provider(provider_id: int) -> None:
    """Index one provider as it is now (or remove it if unpublished). Idempotent."""
    get_backend().index_providers([provider_id])
