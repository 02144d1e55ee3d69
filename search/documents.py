"""The Elasticsearch index for providers: its analysis, mapping and documents.

The mapping is versioned. Every index is named `<alias>-v<MAPPING_VERSION>-<timestamp>`
and searched through the alias, so a reindex builds a new index beside the
live one and swaps the alias in one atomic step (see `search_reindex`).
Bump MAPPING_VERSION whenever the analysis or a field changes.

No `copy_to`: the words a listing can be found by are assembled in Python
(`text`), which keeps the mapping valid on the local emulator as well as on
Elasticsearch 9.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from elasticsearch.dsl import (
    Boolean,
    Date,
    Document,
    GeoPoint,
    Integer,
    Keyword,
    MetaField,
    Object,
    ScaledFloat,
    Text,
    analyzer,
    token_filter,
)

from marketplace.providers.models import Provider, ProviderPrice

from .synonyms import SYNONYM_GROUPS

MAPPING_VERSION = 1

# Index settings valid on Elasticsearch 9 as well as on the emulator. Pages go
# up to filters.MAX_PAGE x SEARCH_PAGE_SIZE, past the default window of 10,000.
INDEX_SETTINGS: dict[str, Any] = {
    "number_of_shards": 1,
    "number_of_replicas": 0,
    "max_result_window": 25_000,
}

english_possessive = token_filter("care_english_possessive", type="stemmer", language="possessive_english")
english_stop = token_filter("care_english_stop", type="stop", stopwords="_english_")
english_stemmer = token_filter("care_english_stemmer", type="stemmer", language="english")
care_synonyms = token_filter(
    "care_synonyms",
    type="synonym_graph",
    synonyms=[", ".join(group) for group in SYNONYM_GROUPS],
)

# English analysis at index time; the same plus the shared synonym groups at
# search time (synonym_graph belongs in the search analyser, so multi-word
# synonyms such as "short breaks" match as phrases).
care_text = analyzer(
    "care_text",
    tokenizer="standard",
    filter=[english_possessive, "lowercase", english_stop, english_stemmer],
)
care_search = analyzer(
    "care_search",
    tokenizer="standard",
    filter=[english_possessive, "lowercase", care_synonyms, english_stop, english_stemmer],
)


def english_text(**kwargs: Any) -> Text:
    return Text(analyzer=care_text, search_analyzer=care_search, **kwargs)


class ProviderDocument(Document):
    """One published listing, as search needs it. The page itself is loaded from the database."""

    provider_id = Integer()
    name = english_text(fields={"sort": Keyword()})
    service_names = english_text()
    # Every word the listing can be found by (Provider.search_text, kept by the providers service).
    text = english_text()

    kind = Keyword()
    services = Keyword()
    client_groups = Keyword()
    specialisms = Keyword()
    languages = Keyword()

    location = GeoPoint()
    premises = GeoPoint()
    locality = Keyword()
    localities_served = Keyword()
    postcode_districts_served = Keyword()
    travel_radius_miles = Integer()

    has_female_workers = Boolean()
    has_male_workers = Boolean()
    has_non_binary_workers = Boolean()

    availability_slots = Keyword()
    availability_confirmed_on = Date()
    is_taking_new_clients = Boolean()

    is_accredited = Boolean()
    accredited_since = Date()
    cqc_rating = Keyword()

    lowest_hourly_price = ScaledFloat(scaling_factor=100)
    # {service slug: lowest hourly price}; fields are added by the dynamic template below.
    hourly_price_by_service = Object(dynamic=True)

    updated_at = Date()

    class Meta:
        dynamic_templates = MetaField(
            [
                {
                    "hourly_prices": {
                        "path_match": "hourly_price_by_service.*",
                        "mapping": {"type": "scaled_float", "scaling_factor": 100},
                    }
                }
            ]
        )


def index_body() -> dict[str, Any]:
    """Settings (with analysis) and mappings for a new versioned index."""
    body = ProviderDocument._index.to_dict()
    body.setdefault("settings", {}).update(INDEX_SETTINGS)
    return body


def provider_document(provider: Provider) -> dict[str, Any]:
    """The document for a provider loaded with `documents_queryset()` prefetches."""
    services = list(provider.services.all())
    hourly: dict[str, Decimal] = {}
    for price in provider.prices.all():
        if price.unit == ProviderPrice.Unit.HOUR:
            slug = price.service.slug
            hourly[slug] = min(hourly.get(slug, price.amount), price.amount)
    has_location = provider.latitude is not None and provider.longitude is not None
    return {
        "provider_id": provider.pk,
        "name": provider.name,
        "service_names": [service.name for service in services],
        "text": provider.search_text,
        "kind": provider.kind,
        "services": [service.slug for service in services],
        "client_groups": [term.slug for term in provider.client_groups.all()],
        "specialisms": [term.slug for term in provider.specialisms.all()],
        "languages": [term.slug for term in provider.languages.all()],
        "location": {"lat": provider.latitude, "lon": provider.longitude} if has_location else None,
        "premises": [
            {"lat": location.latitude, "lon": location.longitude}
            for location in provider.locations.all()
            if location.latitude is not None and location.longitude is not None
        ],
        "locality": provider.locality.slug if provider.locality else None,
        "localities_served": [locality.slug for locality in provider.localities_served.all()],
        "postcode_districts_served": [district.upper() for district in provider.postcode_districts],
        "travel_radius_miles": provider.travel_radius_miles,
        "has_female_workers": provider.has_female_workers,
        "has_male_workers": provider.has_male_workers,
        "has_non_binary_workers": provider.has_non_binary_workers,
        "availability_slots": provider.availability.slot_codes(),
        "availability_confirmed_on": iso_date(provider.availability_confirmed_on),
        "is_taking_new_clients": provider.is_taking_new_clients,
        "is_accredited": provider.is_accredited,
        "accredited_since": iso_date(provider.accredited_since),
        "cqc_rating": provider.cqc_rating or None,
        "lowest_hourly_price": float(provider.lowest_hourly_price) if provider.lowest_hourly_price else None,
        "hourly_price_by_service": {slug: float(amount) for slug, amount in hourly.items()},
        "updated_at": provider.updated_at.isoformat(),
    }


def document_version(provider: Provider) -> int:
    """External version for idempotent, out-of-order-safe writes: the row's last change in microseconds."""
    return int(provider.updated_at.timestamp() * 1_000_000)


def documents_queryset(provider_ids: Iterable[int] | None = None) -> Any:
    """Published providers with everything `provider_document` reads, in id order."""
    queryset = (
        Provider.objects.published()
        .select_related("locality")
        .prefetch_related(
            "services",
            "client_groups",
            "specialisms",
            "languages",
            "localities_served",
            "locations",
            "prices__service",
        )
        .order_by("pk")
    )
    if provider_ids is not None:
        queryset = queryset.filter(pk__in=list(provider_ids))
    return queryset


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value else None
