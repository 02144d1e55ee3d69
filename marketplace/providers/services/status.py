"""The listing lifecycle: draft, submitted, published, suspended, withdrawn."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from ..models import Provider, ProviderStatusChange
from .errors import ProviderError
from .search_columns import after_provider_change

if TYPE_CHECKING:  # accounts sits above providers (decision 0022): the user is named for types only
    from marketplace.accounts.models import User

# Which status may follow which.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Provider.Status.DRAFT: {Provider.Status.SUBMITTED, Provider.Status.WITHDRAWN},
    Provider.Status.SUBMITTED: {
        Provider.Status.PUBLISHED,
        Provider.Status.DRAFT,
        Provider.Status.WITHDRAWN,
    },
    Provider.Status.PUBLISHED: {
        Provider.Status.SUSPENDED,
        Provider.Status.WITHDRAWN,
        Provider.Status.SUBMITTED,
    },
    Provider.Status.SUSPENDED: {Provider.Status.PUBLISHED, Provider.Status.WITHDRAWN},
    Provider.Status.WITHDRAWN: {Provider.Status.DRAFT},
}
STATUSES_NEEDING_A_REASON = {Provider.Status.SUSPENDED, Provider.Status.WITHDRAWN}


@transaction.atomic
def provider_change_status(
    *, provider: Provider, to_status: str, by: User | None, reason: str = ""
) -> ProviderStatusChange:
    """Move a listing through its lifecycle and record who did it and why."""
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    from_status = provider.status
    if to_status not in ALLOWED_TRANSITIONS.get(from_status, set()):
        raise ProviderError(
            f"A {provider.get_status_display().lower()} listing cannot become "
            f"{Provider.Status(to_status).label.lower()}."
        )
    if to_status in STATUSES_NEEDING_A_REASON and not reason.strip():
        raise ProviderError(f"Give a reason for marking the listing {Provider.Status(to_status).label.lower()}.")
    provider.status = to_status
    if to_status == Provider.Status.PUBLISHED and provider.published_at is None:
        provider.published_at = timezone.now()
    provider.save(update_fields=["status", "published_at", "updated_at"])
    change = ProviderStatusChange.objects.create(
        provider=provider,
        from_status=from_status,
        to_status=to_status,
        changed_by=by,
        reason=reason.strip(),
    )
    after_provider_change(provider.pk)
    return change


@transaction.atomic
def provider_submit_for_review(*, provider: Provider, by: User) -> ProviderStatusChange:
    """Send a finished draft to the council; refused while a required task is incomplete."""
    from ..selectors import provider_incomplete_required_tasks

    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    if provider.status != Provider.Status.DRAFT:
        raise ProviderError(f"This listing is {provider.get_status_display().lower()}: only a draft can be submitted.")
    missing = provider_incomplete_required_tasks(provider=provider)
    if missing:
        names = ", ".join(task.title.lower() for task in missing)
        raise ProviderError(f"Complete these sections before you submit: {names}.")
    return provider_change_status(provider=provider, to_status=Provider.Status.SUBMITTED, by=by)
