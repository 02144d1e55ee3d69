"""The Elasticsearch index for providers: its analysis, mapping and documents.

The mapping is versioned. Every index is named `<alias>-v<MAPPING_VERSION>-<timestamp>`
and searched through the alias, so a reindex builds a new index beside the
live one and swaps the alias in one atomic step (see `search_reindex`).
Bump MAPPING_VERSION whenever the analysis or a field changes.

No `copy_to`: the words a listing can be found by are assembled in Python
(`text`), which keeps the mapping valid on the local emulator as well as on
Elasticsearch 9.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
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

from marketplace.providers.availability import WeeklyAvailability
from marketplace.providers.models import Provider, ProviderLocation, ProviderPrice

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


# Provider columns a document is built from.
DOCUMENT_COLUMNS = (
    "pk",
    "name",
    "kind",
    "search_text",
    "latitude",
    "longitude",
    "locality__slug",
    "postcode_districts_served",
    "travel_radius_miles",
    "has_female_workers",
    "has_male_workers",
    "has_non_binary_workers",
    "availability_mask",
    "availability_confirmed_on",
    "is_taking_new_clients",
    "is_accredited",
    "accredited_since",
    "cqc_rating",
    "lowest_hourly_price",
    "updated_at",
)


@dataclass(frozen=True)
class ProviderDocumentSource:
    """One published provider's document and its external version (see `document_version`)."""

    provider_id: int
    document: dict[str, Any]
    version: int


def provider_documents(provider_ids: Iterable[int]) -> Iterator[ProviderDocumentSource]:
    """Documents for those of these providers that are published, in id order.

    Built from plain value queries (one per relation for the whole batch), not
    model instances: a full reindex spends most of its time here.
    """
    ids = sorted(set(provider_ids))
    rows = list(Provider.objects.published().filter(pk__in=ids).order_by("pk").values(*DOCUMENT_COLUMNS))
    published = [row["pk"] for row in rows]
    services = related_values(published, "services", "slug", "name")
    terms = {name: related_values(published, name, "slug") for name in TERM_RELATIONS}
    premises: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for provider_id, latitude, longitude in ProviderLocation.objects.filter(
        provider_id__in=published, latitude__isnull=False, longitude__isnull=False
    ).values_list("provider_id", "latitude", "longitude"):
        premises[provider_id].append({"lat": latitude, "lon": longitude})
    hourly: dict[int, dict[str, float]] = defaultdict(dict)
    for provider_id, slug, amount in ProviderPrice.objects.filter(
        provider_id__in=published, unit=ProviderPrice.Unit.HOUR
    ).values_list("provider_id", "service__slug", "amount"):
        current = hourly[provider_id].get(slug)
        hourly[provider_id][slug] = float(amount) if current is None else min(current, float(amount))
    for row in rows:
        provider_id = row["pk"]
        has_location = row["latitude"] is not None and row["longitude"] is not None
        document = {
            "provider_id": provider_id,
            "name": row["name"],
            "service_names": [name for _, name in services.get(provider_id, [])],
            "text": row["search_text"],
            "kind": row["kind"],
            "services": [slug for slug, _ in services.get(provider_id, [])],
            **{name: [slug for (slug,) in terms[name].get(provider_id, [])] for name in TERM_RELATIONS},
            "location": {"lat": row["latitude"], "lon": row["longitude"]} if has_location else None,
            "premises": premises.get(provider_id, []),
            "locality": row["locality__slug"],
            "postcode_districts_served": [district.upper() for district in row["postcode_districts_served"].split()],
            "travel_radius_miles": row["travel_radius_miles"],
            "has_female_workers": row["has_female_workers"],
            "has_male_workers": row["has_male_workers"],
            "has_non_binary_workers": row["has_non_binary_workers"],
            "availability_slots": WeeklyAvailability(row["availability_mask"]).slot_codes(),
            "availability_confirmed_on": iso_date(row["availability_confirmed_on"]),
            "is_taking_new_clients": row["is_taking_new_clients"],
            "is_accredited": row["is_accredited"],
            "accredited_since": iso_date(row["accredited_since"]),
            "cqc_rating": row["cqc_rating"] or None,
            "lowest_hourly_price": float(row["lowest_hourly_price"]) if row["lowest_hourly_price"] else None,
            "hourly_price_by_service": hourly.get(provider_id, {}),
            "updated_at": row["updated_at"].isoformat(),
        }
        yield ProviderDocumentSource(provider_id, document, document_version(row["updated_at"]))


# Many-to-many relations indexed as lists of slugs.
TERM_RELATIONS = ("client_groups", "specialisms", "languages", "localities_served")


def related_values(provider_ids: list[int], relation: str, *columns: str) -> dict[int, list[tuple[Any, ...]]]:
    """{provider id: [(column values of each related row), ...]} through a many-to-many table, in one query."""
    field = Provider._meta.get_field(relation)
    through = field.remote_field.through
    source = field.m2m_field_name()
    target = field.m2m_reverse_field_name()
    ordering = [f"{target}__sort_order", f"{target}__name"] if relation != "localities_served" else [f"{target}__name"]
    values: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for provider_id, *related in (
        through.objects.filter(**{f"{source}_id__in": provider_ids})
        .order_by(*ordering)
        .values_list(f"{source}_id", *(f"{target}__{column}" for column in columns))
    ):
        values[provider_id].append(tuple(related))
    return values


def document_version(updated_at: datetime) -> int:
    """External version for idempotent, out-of-order-safe writes: the row's last change in microseconds."""
    return int(updated_at.timestamp() * 1_000_000)


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value else None
