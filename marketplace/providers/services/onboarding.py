"""Starting a listing: a new draft with its first owner."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from ..models import Provider, ProviderMembership
from .errors import ProviderError, ProviderFieldError
from .listing_values import unique_slug
from .search_columns import after_provider_change

if TYPE_CHECKING:  # accounts sits above providers (decision 0022): the user is named for types only
    from marketplace.accounts.models import User


@transaction.atomic
def provider_create_draft(*, by: User, kind: str, name: str) -> Provider:
    """A new draft listing with `by` as its owner: the start of onboarding."""
    name = " ".join(name.split())
    if not name:
        raise ProviderFieldError("Enter your name or the name of your service.", field="name")
    if len(name) > 200:
        raise ProviderFieldError("The name must be 200 characters or fewer.", field="name")
    if kind not in Provider.Kind.values:
        raise ProviderFieldError("Select what kind of provider you are.", field="kind")
    provider = None
    for _attempt in range(3):
        # Someone else may take the same address between the check and the insert.
        try:
            with transaction.atomic():
                provider = Provider.objects.create(
                    kind=kind, name=name, slug=unique_slug(name), status=Provider.Status.DRAFT
                )
            break
        except IntegrityError:
            continue
    if provider is None:
        raise ProviderError("We could not start your listing just now. Try again.")
    ProviderMembership.objects.create(provider=provider, user=by, role=ProviderMembership.Role.OWNER)
    after_provider_change(provider.pk)
    return provider
