"""Directory search answered by the database.

PostgreSQL full-text search (a weighted tsvector kept by the providers
service) on PostgreSQL; on SQLite, the same words matched at word starts in a
normalised text column. Taxonomy terms are tested as bits of the listing's
term masks, so the total and every facet count come from one aggregate query.
Every search runs the same fixed set of queries whatever the page size: four
small taxonomy reads, one aggregate for the total and facets, one page and
three prefetches for it.
"""

import math
import operator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import reduce
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    FloatField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import ACos, Concat, Cos, Least, Radians, Sin, Upper
from django.utils import timezone
from pyroaring import BitMap

from marketplace.providers.availability import required_masks
from marketplace.providers.models import (
    STALE_AVAILABILITY_DAYS,
    Provider,
    ProviderPrice,
)
from marketplace.providers.search_fields import TERM_MASK_FIELDS, normalise_search_words

from .. import sqlite_fts
from ..bitmaps import GENDER_FIELDS, ListingBitmaps, affordable_services, listing_bitmaps, parts_memo, remembered_ids
from ..query import FacetValue, Point, ProviderHit, ProviderSearch, SearchResults, Sort, WorkerGender
from ..synonyms import expand_terms
from ..versioning import listings_version

EARTH_RADIUS_MILES = 3958.8
MILES_PER_DEGREE_LATITUDE = 69.0

# Every taxonomy a search can ask for by slug: name (the Provider relation) ->
# (term model, mask field on Provider), from the providers service's one map.
TERM_TAXONOMIES: dict[str, tuple[type[Any], str]] = {
    relation: (model, mask_field) for mask_field, (relation, model) in TERM_MASK_FIELDS.items()
}
# The taxonomies shown as facets beside the results.
TAXONOMY_FACETS = ("services", "client_groups", "languages")
# Columns the results page never shows: not loaded for the page.
HEAVY_COLUMNS = ("search_text", "search_vector", "description")


@dataclass(frozen=True)
class Term:
    slug: str
    name: str
    bit: int | None
    id: int = 0


class TermCatalogue:
    """The terms of every taxonomy (four small queries), read once per listings version in a worker.

    A term's name, order or bit changes only with a new listings version
    (the providers service and the taxonomy admin hooks call listings_changed).
    """

    @classmethod
    def of_version(cls, version: str) -> "TermCatalogue":
        return parts_memo.get_or_set(version, "catalogue", cls)

    def __init__(self) -> None:
        self.terms: dict[str, list[Term]] = {
            facet: [
                Term(slug, name, bit, pk)
                for slug, name, bit, pk in model.objects.values_list("slug", "name", "bit", "pk")
            ]
            for facet, (model, _) in TERM_TAXONOMIES.items()
        }

    def required_bits(self, facet: str, slugs: tuple[str, ...]) -> int | None:
        """The bits a listing needs for all these terms; None if a term has no bit
        (unknown, or not yet given to any listing), which no listing can match."""
        by_slug = {term.slug: term.bit for term in self.terms[facet]}
        mask = 0
        for slug in slugs:
            bit = by_slug.get(slug)
            if bit is None:
                return None
            mask |= 1 << bit
        return mask

    def service_bits_named_by(self, phrases: list[str]) -> int:
        mask = 0
        for term in self.terms["services"]:
            if term.bit is not None and any(phrase in term.name.lower() for phrase in phrases):
                mask |= 1 << term.bit
        return mask


class DatabaseSearchBackend:
    name = "database"

    def search(self, search: ProviderSearch) -> SearchResults:
        version = listings_version()
        catalogue = TermCatalogue.of_version(version)
        base = Provider.objects.published()
        chosen, facets = self._count_and_facets(search, catalogue, version)
        total = len(chosen)
        matching = self.filter_queryset(base, search, catalogue=catalogue)
        page_rows = self._page(matching, search, catalogue) if search.offset < total else []
        hits = [
            ProviderHit(
                provider=row,
                distance_miles=getattr(row, "distance_miles", None),
                matched_price=matched_hourly_price(row, search.services),
            )
            for row in page_rows
        ]
        return SearchResults(
            hits=hits, total=total, page=search.page, page_size=search.page_size, facets=facets, backend=self.name
        )

    def _page(self, matching: QuerySet[Provider], search: ProviderSearch, catalogue: TermCatalogue) -> list[Provider]:
        """One page of listings: ordered ids first (from the covering index where
        the filters allow), then only those rows with what the page shows."""
        ordered = self._order(self._annotate(matching, search, catalogue), search)
        extra = [name for name in ("distance_miles",) if search.near]
        page = list(ordered.values("pk", *extra)[search.offset : search.offset + search.page_size])
        rows = (
            Provider.objects.filter(pk__in=[row["pk"] for row in page])
            .defer(*HEAVY_COLUMNS)
            .select_related("locality")
            .prefetch_related("services", "languages", "prices__service")
            .in_bulk()
        )
        for row in page:
            for name in extra:
                setattr(rows[row["pk"]], name, row[name])
        return [rows[row["pk"]] for row in page]

    # Filtering -------------------------------------------------------------

    def filter_queryset(
        self,
        queryset: QuerySet[Provider],
        search: ProviderSearch,
        *,
        ignore_kinds: bool = False,
        ignore_gender: bool = False,
        catalogue: TermCatalogue | None = None,
    ) -> QuerySet[Provider]:
        """Narrow a provider queryset to what the search asks for.

        The facet counts leave out the two one-of choices (kinds and gender of
        worker) and count each of their values in the same query."""
        if search.text.strip():
            queryset = self._filter_text(queryset, search.text)
        if search.kinds and not ignore_kinds:
            queryset = queryset.filter(kind__in=search.kinds)
        for facet, slugs in search.chosen_terms:
            if not slugs:
                continue
            catalogue = catalogue or TermCatalogue()
            required = catalogue.required_bits(facet, slugs)
            if required is None:
                return queryset.none()
            mask_field = TERM_TAXONOMIES[facet][1]
            alias = f"{facet}_required"
            queryset = queryset.alias(**{alias: F(mask_field).bitand(required)}).filter(**{alias: required})
        for facet in search.has_any_term_in:
            queryset = queryset.filter(**{f"{TERM_TAXONOMIES[facet][1]}__gt": 0})
        if search.worker_gender and not ignore_gender:
            queryset = queryset.filter(**{GENDER_FIELDS[search.worker_gender]: True})
        for index, mask in enumerate(required_masks(search.days, search.parts_of_day)):
            alias = f"availability_{index}"
            queryset = queryset.alias(**{alias: F("availability_mask").bitand(mask)}).filter(**{f"{alias}__gt": 0})
        if search.max_hourly_price is not None:
            queryset = self._filter_price(queryset, search.max_hourly_price, search.services)
        if search.is_taking_new_clients_only:
            queryset = queryset.filter(is_taking_new_clients=True)
        if search.is_accredited_only:
            queryset = queryset.filter(is_accredited=True)
        if search.near:
            queryset = self._filter_distance(queryset, search)
        if search.served_place:
            queryset = self._filter_serving(queryset, search.served_place)
        if search.modified_after is not None:
            queryset = queryset.filter(updated_at__gte=search.modified_after)
        return queryset

    def _filter_serving(self, queryset: QuerySet[Provider], place: Point) -> QuerySet[Provider]:
        """Providers whose area served covers the place (see ProviderSearch.served_place)."""
        covers = Q(
            travel_radius_miles__isnull=False,
            latitude__isnull=False,
            longitude__isnull=False,
            serving_distance_miles__lte=F("travel_radius_miles"),
        )
        if place.locality_slug:
            covers |= Q(localities_served__slug=place.locality_slug)
        if place.postcode_district:
            covers |= Q(padded_districts__contains=f" {place.postcode_district.upper()} ")
        matching = (
            Provider.objects.alias(
                serving_distance_miles=distance_expression(place.latitude, place.longitude),
                padded_districts=Concat(Value(" "), Upper("postcode_districts_served"), Value(" ")),
            )
            .filter(covers)
            .values("pk")
        )
        return queryset.filter(pk__in=matching)

    def _filter_text(self, queryset: QuerySet[Provider], text: str) -> QuerySet[Provider]:
        groups = expand_terms(text)
        if connection.vendor == "postgresql":
            # Each group is phrases joined by OR; the groups are joined by AND.
            group_queries = [
                reduce(operator.or_, (SearchQuery(phrase, search_type="phrase", config="english") for phrase in group))
                for group in groups
            ]
            return queryset.filter(search_vector=reduce(operator.and_, group_queries))
        if sqlite_fts.index_ready():
            expression = sqlite_fts.match_expression(
                [[normalise_search_words(phrase) for phrase in group] for group in groups]
            )
            if expression is None:
                return queryset
            return queryset.filter(pk__in=RawSQL(*sqlite_fts.matching_ids_sql(expression)))
        for group in groups:
            condition = Q()
            for phrase in group:
                words = normalise_search_words(phrase)
                if not words:
                    continue
                # Short words match whole words; longer ones also the start of a word.
                pattern = words if len(words.split()[-1]) < sqlite_fts.MIN_PREFIX_LENGTH else words.rstrip()
                condition |= Q(search_text__contains=pattern)
            if condition:
                queryset = queryset.filter(condition)
        return queryset

    def _filter_price(
        self, queryset: QuerySet[Provider], max_price: Decimal, services: tuple[str, ...]
    ) -> QuerySet[Provider]:
        """Without services, the lowest hourly price; with services, every chosen
        service's hourly price is within the limit (so ticking another service
        only narrows, and its count can be worked out beside the results)."""
        if not services:
            return queryset.filter(lowest_hourly_price__lte=max_price)
        for slug in services:
            queryset = queryset.filter(Exists(affordable_price(max_price, service__slug=slug)))
        return queryset

    def _filter_distance(self, queryset: QuerySet[Provider], search: ProviderSearch) -> QuerySet[Provider]:
        assert search.near is not None
        latitude, longitude, radius = search.near.latitude, search.near.longitude, search.radius_miles
        latitude_delta = radius / MILES_PER_DEGREE_LATITUDE
        longitude_delta = radius / (MILES_PER_DEGREE_LATITUDE * max(math.cos(math.radians(latitude)), 0.01))
        return (
            queryset.filter(
                latitude__range=(latitude - latitude_delta, latitude + latitude_delta),
                longitude__range=(longitude - longitude_delta, longitude + longitude_delta),
            )
            .alias(distance_miles=distance_expression(latitude, longitude))
            .filter(distance_miles__lte=radius)
        )

    # Ordering --------------------------------------------------------------

    def _annotate(
        self, queryset: QuerySet[Provider], search: ProviderSearch, catalogue: TermCatalogue
    ) -> QuerySet[Provider]:
        fresh_since = timezone.localdate() - timedelta(days=STALE_AVAILABILITY_DAYS)
        queryset = queryset.annotate(
            has_fresh_availability=Case(
                When(availability_confirmed_on__gte=fresh_since, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        if search.near:
            queryset = queryset.annotate(
                distance_miles=distance_expression(search.near.latitude, search.near.longitude)
            )
        if search.sort == Sort.PRICE:
            if search.services:
                cheapest = (
                    ProviderPrice.objects.filter(
                        provider=OuterRef("pk"), unit=ProviderPrice.Unit.HOUR, service__slug__in=search.services
                    )
                    .values("provider")
                    .annotate(lowest=Min("amount"))
                    .values("lowest")
                )
                queryset = queryset.annotate(sort_price=Subquery(cheapest))
            else:
                queryset = queryset.annotate(sort_price=F("lowest_hourly_price"))
        if search.text.strip():
            # Rule 1a: one of the listing's services is named by the words (or a synonym of them).
            phrases = [phrase for group in expand_terms(search.text) for phrase in group]
            named_services = catalogue.service_bits_named_by(phrases)
            queryset = queryset.alias(named_services=F("service_mask").bitand(named_services)).annotate(
                has_service_match=Case(
                    When(named_services__gt=0, then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                )
            )
        if search.text.strip():
            # Rule 1b: the listing's name contains the words. Engine scores (ts_rank,
            # BM25) are not used for order: they differ between backends, and
            # ranking every match costs more than a page of results is worth.
            queryset = queryset.annotate(
                text_rank=Case(
                    When(name__icontains=search.text.strip(), then=Value(1.0)),
                    default=Value(0.0),
                    output_field=FloatField(),
                )
            )
        return queryset

    def _order(self, queryset: QuerySet[Provider], search: ProviderSearch) -> QuerySet[Provider]:
        """The relevance rules in docs/search.md, and the two explicit sorts."""
        tie_breakers = [F("name").asc(), F("id").asc()]
        if search.sort == Sort.DISTANCE and search.near:
            return queryset.order_by(F("distance_miles").asc(), *tie_breakers)
        if search.sort == Sort.PRICE:
            return queryset.order_by(F("sort_price").asc(nulls_last=True), *tie_breakers)
        order: list[Any] = []
        if search.text.strip():
            order += [F("has_service_match").desc(), F("text_rank").desc()]
        order += [F("is_accredited").desc(), F("has_fresh_availability").desc()]
        if search.near:
            order.append(F("distance_miles").asc())
        return queryset.order_by(*order, *tie_breakers)

    # Facets ----------------------------------------------------------------

    def facets(self, search: ProviderSearch) -> dict[str, list[FacetValue]]:
        version = listings_version()
        return self._count_and_facets(search, TermCatalogue.of_version(version), version)[1]

    def _count_and_facets(
        self, search: ProviderSearch, catalogue: TermCatalogue, version: str
    ) -> tuple[BitMap, dict[str, list[FacetValue]]]:
        """The listings matching the search (their number is its total) and every facet count,
        from this worker's bitmaps of the listings (search/bitmaps.py).

        Each count is the total the search would have with that choice made
        (tests/search/contract/test_facet_counts_property.py). They are counted
        over the listings that match everything but the two one-of choices,
        kinds and gender of worker: each kind is counted with the gender
        chosen, each gender with the kinds chosen, and every other count, and
        the total, with both.
        """
        index = listing_bitmaps(version)
        matching = self._matching_but_the_choices(index, search, catalogue, version)
        in_kinds = BitMap.union(*(index.kind(kind) for kind in search.kinds)) if search.kinds else index.published
        of_gender = index.flag(GENDER_FIELDS[search.worker_gender]) if search.worker_gender else index.published
        of_gender_matching = matching & of_gender
        chosen = of_gender_matching & in_kinds
        in_kinds_matching = matching & in_kinds

        facets: dict[str, list[FacetValue]] = {
            "kinds": [
                FacetValue(
                    value=kind.value,
                    label=str(kind.label),
                    count=of_gender_matching.intersection_cardinality(index.kind(kind.value)),
                )
                for kind in Provider.Kind
            ]
        }
        affordable = (
            affordable_services(version, search.max_hourly_price) if search.max_hourly_price is not None else None
        )
        for facet in TAXONOMY_FACETS:
            mask_field = TERM_TAXONOMIES[facet][1]
            values = []
            # Taxonomy order (sort order, then name); only terms some matching listing has.
            for term in catalogue.terms[facet]:
                if term.bit is None:
                    continue
                having = chosen
                if facet == "services" and affordable is not None:
                    # Ticking a service also asks for its hourly price within the limit.
                    having = chosen & affordable.get(term.id, BitMap())
                count = having.intersection_cardinality(index.with_bit(mask_field, term.bit))
                if count:
                    values.append(FacetValue(value=term.slug, label=term.name, count=count))
            facets[facet] = values
        facets["worker_gender"] = [
            FacetValue(
                value=gender.value,
                label=gender_label(gender),
                count=in_kinds_matching.intersection_cardinality(index.flag(field)),
            )
            for gender, field in GENDER_FIELDS.items()
        ]
        facets["flags"] = [
            FacetValue(
                value="accredited",
                label="Accredited",
                count=chosen.intersection_cardinality(index.flag("is_accredited")),
            ),
            FacetValue(
                value="taking_new_clients",
                label="Taking new clients",
                count=chosen.intersection_cardinality(index.flag("is_taking_new_clients")),
            ),
        ]
        return chosen, facets

    def _matching_but_the_choices(
        self, index: ListingBitmaps, search: ProviderSearch, catalogue: TermCatalogue, version: str
    ) -> BitMap:
        """The published listings matching the search apart from its kinds and gender of worker.

        The words, distance, price limit, area served and time of change are
        asked of the database (one query for the ids, once per version); every
        other filter is an intersection of the bitmaps.
        """
        matching = index.published
        asked_of_database = database_part(search)
        if asked_of_database is not None:
            ids = (
                self.filter_queryset(Provider.objects.published(), asked_of_database)
                .order_by()
                .values_list("pk", flat=True)
            )
            matching = matching & remembered_ids(version, f"ids:{asked_of_database!r}", ids)
        for facet, slugs in search.chosen_terms:
            if not slugs:
                continue
            required = catalogue.required_bits(facet, slugs)
            if required is None:
                return BitMap()
            matching = matching & index.with_every_bit(TERM_TAXONOMIES[facet][1], required)
        for facet in search.has_any_term_in:
            matching = matching & index.with_any_bit(TERM_TAXONOMIES[facet][1], -1)
        for mask in required_masks(search.days, search.parts_of_day):
            matching = matching & index.with_any_bit("availability_mask", mask)
        if search.is_taking_new_clients_only:
            matching = matching & index.flag("is_taking_new_clients")
        if search.is_accredited_only:
            matching = matching & index.flag("is_accredited")
        return matching

    # Indexing: the database is its own index --------------------------------

    def index_providers(self, provider_ids: list[int]) -> None:
        """Nothing to do: the providers service keeps the search columns current."""

    def health(self) -> dict[str, Any]:
        return {"backend": self.name, "status": "ok", "engine": connection.vendor}


def database_part(search: ProviderSearch) -> ProviderSearch | None:
    """The part of a search only the database can answer, or None if it asks none of it.

    The words typed, the distance from a place, the hourly price limit (with
    the services it applies to), the area served and the time of a change;
    the rest is answered from the bitmaps.
    """
    part = ProviderSearch(
        text=search.text.strip(),
        max_hourly_price=search.max_hourly_price,
        services=search.services if search.max_hourly_price is not None else (),
        near=search.near,
        radius_miles=search.radius_miles if search.near else ProviderSearch.radius_miles,
        served_place=search.served_place,
        modified_after=search.modified_after,
    )
    return None if part == ProviderSearch() else part


def distance_expression(latitude: float, longitude: float) -> Any:
    """Great-circle distance in miles from a point, by the spherical law of cosines."""
    lat = Radians(Value(latitude, output_field=FloatField()))
    lon = Radians(Value(longitude, output_field=FloatField()))
    cosine = Sin(lat) * Sin(Radians(F("latitude"))) + Cos(lat) * Cos(Radians(F("latitude"))) * Cos(
        Radians(F("longitude")) - lon
    )
    return Value(EARTH_RADIUS_MILES, output_field=FloatField()) * ACos(
        Least(Value(1.0, output_field=FloatField()), cosine)
    )


def affordable_price(max_price: Decimal, **service: Any) -> QuerySet[ProviderPrice]:
    """The provider's hourly prices for a service (service__slug= or service_id=) within a limit."""
    return ProviderPrice.objects.filter(
        provider=OuterRef("pk"), unit=ProviderPrice.Unit.HOUR, amount__lte=max_price, **service
    )


def matched_hourly_price(provider: Provider, services: tuple[str, ...]) -> Decimal | None:
    """The hourly price to show: for the chosen services if any, else the lowest."""
    hourly = [
        price.amount
        for price in provider.prices.all()
        if price.unit == ProviderPrice.Unit.HOUR and (not services or price.service.slug in services)
    ]
    return min(hourly) if hourly else None


def gender_label(gender: WorkerGender) -> str:
    return {WorkerGender.FEMALE: "Female", WorkerGender.MALE: "Male", WorkerGender.NON_BINARY: "Non-binary"}[gender]
