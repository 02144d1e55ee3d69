"""Every write to provider data goes through these functions."""

import re
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone

from marketplace.accounts.models import User
from search import sqlite_fts

from .availability import WeeklyAvailability
from .models import (
    MAX_TERMS_PER_TAXONOMY,
    STALE_AVAILABILITY_DAYS,
    ClientGroup,
    Language,
    Provider,
    ProviderPrice,
    ProviderStatusChange,
    ServiceType,
    Specialism,
)


class ProviderError(Exception):
    """A change to a provider that the rules do not allow; the message is for people."""


# The listing lifecycle: which status may follow which.
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
    _after_provider_change(provider.pk)
    return change


@transaction.atomic
def provider_update_availability(
    *,
    provider: Provider,
    availability: WeeklyAvailability,
    is_taking_new_clients: bool,
) -> Provider:
    """Save the weekly grid; saving it also confirms it is current."""
    today = timezone.localdate()
    provider.availability_mask = availability.mask
    provider.availability_confirmed_on = today
    if provider.is_taking_new_clients != is_taking_new_clients or provider.taking_new_clients_confirmed_on is None:
        provider.is_taking_new_clients = is_taking_new_clients
    provider.taking_new_clients_confirmed_on = today
    provider.save(
        update_fields=[
            "availability_mask",
            "availability_confirmed_on",
            "is_taking_new_clients",
            "taking_new_clients_confirmed_on",
            "updated_at",
        ]
    )
    _after_provider_change(provider.pk)
    return provider


def provider_refresh_search_fields(*, provider_ids: Iterable[int]) -> int:
    """Recompute the derived search columns for these providers.

    Called after any edit that changes what a listing says (and in bulk by the
    demo loader). Returns how many providers were refreshed.
    """
    ids = list(provider_ids)
    if not ids:
        return 0
    taxonomy_assign_bits()
    providers = (
        Provider.objects.filter(pk__in=ids)
        .select_related("locality")
        .prefetch_related(
            "services",
            "client_groups",
            "specialisms",
            "languages",
            "localities_served",
            Prefetch("prices", queryset=ProviderPrice.objects.all()),
        )
    )
    changed: list[Provider] = []
    for provider in providers:
        provider.search_text = build_search_text(provider)
        provider.lowest_hourly_price = _lowest_hourly_price(provider)
        for mask_field, terms in term_masks_of(provider).items():
            setattr(provider, mask_field, terms)
        changed.append(provider)
    Provider.objects.bulk_update(changed, ["search_text", "lowest_hourly_price", *TERM_MASK_FIELDS], batch_size=500)
    sqlite_fts.replace_rows(ids)
    if connection.vendor == "postgresql":
        Provider.objects.filter(pk__in=ids).update(
            search_vector=SearchVector("name", weight="A", config="english")
            + SearchVector("search_text", weight="B", config="english")
        )
    return len(changed)


# The term mask on Provider for each taxonomy: mask field -> (many-to-many field, term model).
TERM_MASK_FIELDS: dict[str, tuple[str, Any]] = {
    "service_mask": ("services", ServiceType),
    "client_group_mask": ("client_groups", ClientGroup),
    "specialism_mask": ("specialisms", Specialism),
    "language_mask": ("languages", Language),
}


def term_masks_of(provider: Provider) -> dict[str, int]:
    """The bits of the terms a provider has, per taxonomy (uses prefetched terms)."""
    masks: dict[str, int] = {}
    for mask_field, (relation, _) in TERM_MASK_FIELDS.items():
        mask = 0
        for term in getattr(provider, relation).all():
            if term.bit is not None:
                mask |= 1 << term.bit
        masks[mask_field] = mask
    return masks


def taxonomy_assign_bits() -> None:
    """Give every taxonomy term that has none the lowest free bit of its taxonomy.

    Terms may be created anywhere (admin, bulk loads), so this runs before
    masks are computed. A taxonomy holds at most 63 terms.
    """
    for _, term_model in TERM_MASK_FIELDS.values():
        unassigned = list(term_model.objects.filter(bit__isnull=True).order_by("sort_order", "name", "pk"))
        if not unassigned:
            continue
        with transaction.atomic():
            used = set(term_model.objects.filter(bit__isnull=False).values_list("bit", flat=True))
            free = (bit for bit in range(MAX_TERMS_PER_TAXONOMY) if bit not in used)
            for term in unassigned:
                bit = next(free, None)
                if bit is None:
                    raise ProviderError(
                        f"The {term_model._meta.verbose_name} list is full: it can hold "
                        f"{MAX_TERMS_PER_TAXONOMY} terms. Merge or remove one before adding “{term.name}”."
                    )
                term.bit = bit
                term.save(update_fields=["bit"])


def build_search_text(provider: Provider) -> str:
    """The words a listing can be found by, in one lower-case string."""
    parts: list[str] = [
        provider.name,
        provider.summary,
        provider.description,
        provider.get_kind_display(),
    ]
    parts += [term.name for term in provider.services.all()]
    parts += [term.name for term in provider.client_groups.all()]
    parts += [term.name for term in provider.specialisms.all()]
    parts += [term.name for term in provider.languages.all()]
    parts += [locality.name for locality in provider.localities_served.all()]
    if provider.locality:
        parts.append(provider.locality.name)
    parts += provider.postcode_districts
    return normalise_search_words(" ".join(part for part in parts if part))


def normalise_search_words(text: str) -> str:
    """Lower-case words separated by single spaces, with a space at each end,
    so a search can match whole words or the start of a word."""
    words = re.sub(r"[^0-9a-z]+", " ", text.lower()).split()
    return f" {' '.join(words)} " if words else ""


def _lowest_hourly_price(provider: Provider) -> Decimal | None:
    hourly = [price.amount for price in provider.prices.all() if price.unit == ProviderPrice.Unit.HOUR]
    return min(hourly) if hourly else None


def _after_provider_change(provider_id: int) -> None:
    """Refresh derived fields now and tell the search index once the write commits."""
    from search.indexing import schedule_provider_index

    provider_refresh_search_fields(provider_ids=[provider_id])
    schedule_provider_index(provider_id)


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
    _after_provider_change(provider.pk)


def provider_set_public_notice(*, provider: Provider, notice: str) -> None:
    """Show (or, with an empty notice, clear) the council's neutral notice on a public listing."""
    Provider.objects.filter(pk=provider.pk).update(public_notice=notice.strip(), updated_at=timezone.now())
    provider.public_notice = notice.strip()
    _after_provider_change(provider.pk)


def provider_set_cqc_rating(*, provider: Provider, rating: str, rating_date: date | None) -> None:
    """Record the CQC's current overall rating (read from the CQC by the accreditation app's register sync)."""
    if rating and rating not in Provider.CqcRating.values:
        raise ProviderError(f"“{rating}” is not a CQC rating.")
    Provider.objects.filter(pk=provider.pk).update(
        cqc_rating=rating, cqc_rating_date=rating_date, updated_at=timezone.now()
    )
    provider.cqc_rating = rating
    provider.cqc_rating_date = rating_date
    _after_provider_change(provider.pk)


def provider_saved_in_admin(*, provider: Provider) -> None:
    """Follow-ups after an editor saves a listing in the Wagtail admin."""
    _after_provider_change(provider.pk)


def provider_send_availability_reminders() -> int:
    """Email published providers whose availability is 30 days old, once each time it goes stale.

    Saving the availability clears the reminder, so the next lapse reminds again.
    Returns the number of providers reminded.
    """
    today = timezone.localdate()
    stale_before = today - timedelta(days=STALE_AVAILABILITY_DAYS)
    due = (
        Provider.objects.published()
        .filter(Q(availability_confirmed_on__lt=stale_before) | Q(availability_confirmed_on__isnull=True))
        .filter(
            Q(availability_reminder_sent_on__isnull=True)
            | Q(availability_reminder_sent_on__lte=F("availability_confirmed_on"))
        )
        .prefetch_related("memberships__user")
    )
    reminded = 0
    for provider in due.iterator(chunk_size=200):
        recipients = sorted({membership.user.email for membership in provider.memberships.all()})
        if not recipients and provider.contact_email:
            recipients = [provider.contact_email]
        if not recipients:
            continue
        context = {"provider": provider, "site_url": settings.WAGTAILADMIN_BASE_URL}
        send_mail(
            subject="Please confirm your availability",
            message=render_to_string("emails/availability_reminder.txt", context),
            from_email=None,
            recipient_list=recipients,
        )
        Provider.objects.filter(pk=provider.pk).update(availability_reminder_sent_on=today)
        reminded += 1
    return reminded
