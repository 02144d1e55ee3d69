"""Which fields of a listing go live at once and which a commissioner reviews (decision 0015), and
reading and writing them in the form change requests store them."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.text import slugify

from ..models import Provider, ProviderPrice, ServiceType
from .taxonomy import TAXONOMY_FIELDS

# Section -> fields that go live at once / fields a commissioner reviews once the listing is public.
LIVE_FIELDS: dict[str, tuple[str, ...]] = {
    "about": (
        "description",
        "contact_name",
        "contact_email",
        "contact_phone",
        "website",
        "has_consented_to_publish_contact",
    ),
    "services": ("languages", "has_female_workers", "has_male_workers", "has_non_binary_workers"),
    "prices": (),
}
REVIEWED_FIELDS: dict[str, tuple[str, ...]] = {
    "about": (
        "name",
        "kind",
        "summary",
        "company_number",
        "cqc_location_id",
        "serves_food",
        "carries_out_regulated_activity",
    ),
    "services": ("services", "client_groups", "specialisms"),
    "prices": ("prices",),
}
# Listings whose reviewed fields change only through a change request: those the
# public sees, and suspended ones, which return to public without a full review.
STATUSES_WITH_REVIEWED_EDITS = {Provider.Status.PUBLISHED, Provider.Status.SUSPENDED}


def provider_edits_need_review(provider: Provider) -> bool:
    """Whether changes to reviewed fields wait for a commissioner (see decision 0015)."""
    return provider.status in STATUSES_WITH_REVIEWED_EDITS


def unique_slug(name: str, *, provider: Provider | None = None) -> str:
    """A free address for this name; `provider` keeps its own address out of the check."""
    base = slugify(name)[:200].strip("-") or "provider"
    taken = Provider.objects.all() if provider is None else Provider.objects.exclude(pk=provider.pk)
    slug, number = base, 1
    while taken.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def current_values(provider: Provider, fields: Iterable[str]) -> dict[str, Any]:
    """The listing's values for these fields, in the form change requests store them."""
    values: dict[str, Any] = {}
    for field in fields:
        if field in TAXONOMY_FIELDS:
            values[field] = sorted(getattr(provider, field).values_list("pk", flat=True))
        elif field == "prices":
            values[field] = [
                price_row(service=price.service_id, unit=price.unit, amount=price.amount, includes=price.includes)
                for price in ProviderPrice.objects.filter(provider=provider).order_by("service_id", "unit")
            ]
        else:
            values[field] = getattr(provider, field)
    return values


def price_row(*, service: int, unit: str, amount: Decimal, includes: str) -> dict[str, Any]:
    """One price as change requests store it."""
    return {"service": service, "unit": unit, "amount": f"{Decimal(amount):.2f}", "includes": includes}


def apply_values(provider: Provider, values: dict[str, Any]) -> None:
    """Write stored values to a locked listing (saved by the caller)."""
    for field, value in values.items():
        if field in TAXONOMY_FIELDS:
            existing = TAXONOMY_FIELDS[field].objects.filter(pk__in=value).values_list("pk", flat=True)
            getattr(provider, field).set(list(existing))
        elif field == "prices":
            _replace_prices(provider, value)
        else:
            setattr(provider, field, value)
            if field == "name" and provider.status == Provider.Status.DRAFT:
                # A draft's address follows its name; a published one keeps its address so links keep working.
                provider.slug = unique_slug(value, provider=provider)
            if field == "has_consented_to_publish_contact":
                provider.contact_consent_given_at = (
                    (provider.contact_consent_given_at or timezone.now()) if value else None
                )


def _replace_prices(provider: Provider, rows: list[dict[str, Any]]) -> None:
    ProviderPrice.objects.filter(provider=provider).delete()
    services = set(ServiceType.objects.filter(pk__in=[row["service"] for row in rows]).values_list("pk", flat=True))
    ProviderPrice.objects.bulk_create(
        [
            ProviderPrice(
                provider=provider,
                service_id=row["service"],
                unit=row["unit"],
                amount=Decimal(row["amount"]),
                includes=row.get("includes", ""),
            )
            for row in rows
            if row["service"] in services
        ]
    )
