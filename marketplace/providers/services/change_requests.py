"""Change requests: edits to reviewed fields of a public listing wait for a commissioner (decision 0015)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from marketplace.core.notifications import email_send

from ..models import Provider, ProviderChangeRequest, ProviderChangeRequestDecision
from ..selectors import change_request_rows, provider_email_addresses
from .errors import ProviderError, ProviderFieldError
from .listing_values import apply_values
from .search_columns import after_provider_change

if TYPE_CHECKING:  # accounts sits above providers (decision 0022): the user is named for types only
    from marketplace.accounts.models import User


def propose_changes(
    *, provider: Provider, by: User, section: str, proposed: dict[str, Any], previous: dict[str, Any]
) -> ProviderChangeRequest | None:
    """Keep, replace or withdraw the section's pending request so it holds exactly what now differs."""
    pending = (
        ProviderChangeRequest.objects.select_for_update()
        .filter(provider=provider, section=section, status=ProviderChangeRequest.Status.PENDING)
        .first()
    )
    if pending is not None and pending.proposed_changes == proposed:
        return pending
    if pending is not None:
        outcome = ProviderChangeRequest.Status.SUPERSEDED if proposed else ProviderChangeRequest.Status.WITHDRAWN
        reason = "Replaced by newer changes." if proposed else "The provider changed these back."
        _record_decision(change_request=pending, outcome=outcome, by=by, reason=reason)
    if not proposed:
        return None
    return ProviderChangeRequest.objects.create(
        provider=provider,
        section=section,
        proposed_changes=proposed,
        previous_values=previous,
        submitted_by=by,
    )


def _record_decision(
    *, change_request: ProviderChangeRequest, outcome: str, by: User | None, reason: str
) -> ProviderChangeRequestDecision:
    now = timezone.now()
    change_request.status = outcome
    change_request.decided_by = by
    change_request.decided_at = now
    change_request.reason = reason
    change_request.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    return ProviderChangeRequestDecision.objects.create(
        change_request=change_request, outcome=outcome, decided_by=by, decided_at=now, reason=reason
    )


def _locked_pending(change_request: ProviderChangeRequest) -> ProviderChangeRequest:
    locked = ProviderChangeRequest.objects.select_for_update().select_related("provider").get(pk=change_request.pk)
    if not locked.is_pending:
        when = f" on {timezone.localtime(locked.decided_at):%-d %B %Y}" if locked.decided_at else ""
        raise ProviderError(f"This request has already been decided: {locked.get_status_display().lower()}{when}.")
    return locked


@transaction.atomic
def provider_change_request_approve(
    *, change_request: ProviderChangeRequest, by: User, reason: str = ""
) -> ProviderChangeRequest:
    """A commissioner accepts the changes: they go live and the provider is told."""
    change_request = _locked_pending(change_request)
    provider = Provider.objects.select_for_update().get(pk=change_request.provider_id)
    apply_values(provider, change_request.proposed_changes)
    provider.save()
    _record_decision(
        change_request=change_request, outcome=ProviderChangeRequest.Status.APPROVED, by=by, reason=reason.strip()
    )
    after_provider_change(provider.pk)
    _email_decision(change_request)
    return change_request


@transaction.atomic
def provider_change_request_reject(
    *, change_request: ProviderChangeRequest, by: User, reason: str
) -> ProviderChangeRequest:
    """A commissioner turns the changes down, saying why; the listing keeps its values."""
    if not reason.strip():
        raise ProviderFieldError("Give a reason: the provider will see it.", field="reason")
    change_request = _locked_pending(change_request)
    _record_decision(
        change_request=change_request, outcome=ProviderChangeRequest.Status.REJECTED, by=by, reason=reason.strip()
    )
    _email_decision(change_request)
    return change_request


@transaction.atomic
def provider_change_request_withdraw(*, change_request: ProviderChangeRequest, by: User) -> ProviderChangeRequest:
    """The provider takes back changes that have not been decided yet."""
    change_request = _locked_pending(change_request)
    _record_decision(
        change_request=change_request,
        outcome=ProviderChangeRequest.Status.WITHDRAWN,
        by=by,
        reason="Withdrawn by the provider.",
    )
    return change_request


def _email_decision(change_request: ProviderChangeRequest) -> None:
    provider = change_request.provider
    recipients = set(provider_email_addresses(provider, owners_only=True, or_contact_address=False))
    if change_request.submitted_by is not None and change_request.submitted_by.is_active:
        recipients.add(change_request.submitted_by.email)
    approved = change_request.status == ProviderChangeRequest.Status.APPROVED
    email_send(
        to=recipients,
        subject=(
            f"Your changes to {provider.name} are live"
            if approved
            else f"Your changes to {provider.name} were not approved"
        ),
        template="provider_change_request_decided",
        context={
            "provider": provider,
            "change_request": change_request,
            "is_approved": approved,
            "rows": change_request_rows(change_request=change_request),
            "dashboard_path": reverse("providers:task_list", args=[provider.uuid]),
        },
    )
