"""What other apps and the council's editors record on a listing: accreditation, notices, CQC ratings.

The deciding app keeps the decision and its history; these keep the copy on
the listing that every search and profile reads in step.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from ..models import Provider
from .errors import ProviderError
from .search_columns import after_provider_change


def provider_set_accreditation(*, provider: Provider, is_accredited: bool, since: date | None) -> None:
    """Record the listing's accredited state (decided by the accreditation app) and re-index it.

    The accreditation app keeps the decision and its history; this keeps the
    copy every search reads in step.
    """
    Provider.objects.filter(pk=provider.pk).update(
        is_accredited=is_accredited, accredited_since=since if is_accredited else None, updated_at=timezone.now()
    )
    provider.is_accredited = is_accredited
    provider.accredited_since = since if is_accredited else None
    after_provider_change(provider.pk)


def provider_set_public_notice(*, provider: Provider, notice: str) -> None:
    """Show (or, with an empty notice, clear) the council's neutral notice on a public listing."""
    Provider.objects.filter(pk=provider.pk).update(public_notice=notice.strip(), updated_at=timezone.now())
    provider.public_notice = notice.strip()
    after_provider_change(provider.pk)


def provider_set_cqc_rating(*, provider: Provider, rating: str, rating_date: date | None) -> None:
    """Record the CQC's current overall rating (read from the CQC by the accreditation app's register sync)."""
    if rating and rating not in Provider.CqcRating.values:
        raise ProviderError(f"“{rating}” is not a CQC rating.")
    Provider.objects.filter(pk=provider.pk).update(
        cqc_rating=rating, cqc_rating_date=rating_date, updated_at=timezone.now()
    )
    provider.cqc_rating = rating
    provider.cqc_rating_date = rating_date
    after_provider_change(provider.pk)


def provider_saved_in_admin(*, provider: Provider) -> None:
    """Follow-ups after an editor saves a listing in the Wagtail admin."""
    after_provider_change(provider.pk)
