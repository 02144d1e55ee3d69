"""The derived columns every search reads, and the follow-ups after any change to a listing."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import connection
from django.db.models import Prefetch

from .. import hooks
from ..models import ListingText, Provider, ProviderPrice
from ..search_fields import (
    TERM_MASK_FIELDS,
    WORDS_SQL,
    WORDS_WITH_PAIRS_SQL,
    normalise_search_words,
    term_masks_of,
)
from .taxonomy import taxonomy_assign_bits


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
    _write_search_columns(changed, ["search_text", "lowest_hourly_price", *TERM_MASK_FIELDS])
    # Search gives the listings a new version (cached searches and filter panels are keyed by it, so the
    # change shows at once) and rewrites their full-text rows.
    hooks.listings_changed(ids)
    if connection.vendor == "postgresql":
        _write_listing_text(ids)
    return len(changed)


# See ListingText.ballast.
LISTING_TEXT_BALLAST = bytes(2048)


def _write_listing_text(ids: list[int]) -> None:
    """Each listing's weighted words and their adjacent pairs, in their own table (decision 0050)."""
    words = WORDS_SQL.format(table="provider")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ListingText._meta.db_table} (provider_id, ballast, search_vector) "
            f"SELECT provider.id, %s, {WORDS_WITH_PAIRS_SQL.format(words=words)} "
            f"FROM {Provider._meta.db_table} AS provider WHERE provider.id = ANY(%s) "
            # The ballast written again too: the new row must be over the threshold (ListingText.ballast).
            "ON CONFLICT (provider_id) DO UPDATE SET search_vector = EXCLUDED.search_vector, "
            "ballast = EXCLUDED.ballast",
            [LISTING_TEXT_BALLAST, ids],
        )


def _write_search_columns(providers: list[Provider], field_names: list[str]) -> None:
    """One parameterised UPDATE per provider, sent as one batch (`executemany`).

    `bulk_update` builds a CASE expression per column over the whole batch;
    compiling it was most of the demo loader's refresh time (decision 0042).
    """
    if not providers:
        return
    fields = [Provider._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    table, key = quote(Provider._meta.db_table), quote(Provider._meta.pk.column)
    statement = f"UPDATE {table} SET {assignments} WHERE {key} = %s"
    rows = [
        [field.get_db_prep_save(getattr(provider, field.attname), connection) for field in fields] + [provider.pk]
        for provider in providers
    ]
    with connection.cursor() as cursor:
        cursor.executemany(statement, rows)


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


def _lowest_hourly_price(provider: Provider) -> Decimal | None:
    hourly = [price.amount for price in provider.prices.all() if price.unit == ProviderPrice.Unit.HOUR]
    return min(hourly) if hourly else None


def after_provider_change(provider_id: int) -> None:
    """Refresh derived fields now and tell the search index once the write commits.

    Every service that changes what a listing says ends with this call.
    """
    provider_refresh_search_fields(provider_ids=[provider_id])
    hooks.listing_needs_indexing(provider_id)
