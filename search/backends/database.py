"""Directory search answered by the database.

PostgreSQL full-text search (a weighted tsvector kept by the providers
service) on PostgreSQL; on SQLite, the same words matched in a lower-cased
text column. Every search runs the same fixed set of queries whatever the
page size: one count, one page, three prefetches, five facet queries.
"""

import math
import operator
from datetime import timedelta
from decimal import Decimal
from functools import reduce
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
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
from django.db.models.functions import ACos, Concat, Cos, Least, Radians, Sin, Upper
from django.utils import timezone

from marketplace.providers.availability import required_masks
from marketplace.providers.models import (
    STALE_AVAILABILITY_DAYS,
    ClientGroup,
    Language,
    Provider,
    ProviderPrice,
    ServiceType,
    Specialism,
)

from ..query import FacetValue, Point, ProviderHit, ProviderSearch, SearchResults, Sort, WorkerGender
from ..synonyms import expand_terms

EARTH_RADIUS_MILES = 3958.8
MILES_PER_DEGREE_LATITUDE = 69.0

# Facets counted over the taxonomy through-tables: name -> (model, field on Provider).
TAXONOMY_FACETS: dict[str, tuple[type[Any], str]] = {
    "services": (ServiceType, "services"),
    "client_groups": (ClientGroup, "client_groups"),
    "languages": (Language, "languages"),
}

# Every taxonomy a search can ask for by slug: name -> model.
TERM_MODELS: dict[str, type[Any]] = {
    **{facet: model for facet, (model, _) in TAXONOMY_FACETS.items()},
    "specialisms": Specialism,
}

GENDER_FIELDS = {
    WorkerGender.FEMALE: "has_female_workers",
    WorkerGender.MALE: "has_male_workers",
    WorkerGender.NON_BINARY: "has_non_binary_workers",
}


class DatabaseSearchBackend:
    name = "database"

    def search(self, search: ProviderSearch) -> SearchResults:
        base = Provider.objects.published()
        matching = self.filter_queryset(base, search)
        total = matching.count()
        ordered = self._order(self._annotate(matching, search), search)
        page_rows = list(
            ordered.select_related("locality").prefetch_related("services", "languages", "prices__service")[
                search.offset : search.offset + search.page_size
            ]
        )
        hits = [
            ProviderHit(
                provider=row,
                distance_miles=getattr(row, "distance_miles", None),
                matched_price=matched_hourly_price(row, search.services),
            )
            for row in page_rows
        ]
        facets = self.facets(base, search)
        return SearchResults(
            hits=hits, total=total, page=search.page, page_size=search.page_size, facets=facets, backend=self.name
        )

    # Filtering -------------------------------------------------------------

    def filter_queryset(
        self, queryset: QuerySet[Provider], search: ProviderSearch, *, ignore_kinds: bool = False
    ) -> QuerySet[Provider]:
        """Narrow a provider queryset to what the search asks for."""
        if search.text.strip():
            queryset = self._filter_text(queryset, search.text)
        if search.kinds and not ignore_kinds:
            queryset = queryset.filter(kind__in=search.kinds)
        for facet, slugs in (
            ("services", search.services),
            ("client_groups", search.client_groups),
            ("languages", search.languages),
            ("specialisms", search.specialisms),
        ):
            model = TERM_MODELS[facet]
            for slug in slugs:
                queryset = queryset.filter(Exists(model.objects.filter(providers=OuterRef("pk"), slug=slug)))
        for facet in search.has_any_term_in:
            queryset = queryset.filter(Exists(TERM_MODELS[facet].objects.filter(providers=OuterRef("pk"))))
        if search.worker_gender:
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
        for group in groups:
            condition = Q()
            for phrase in group:
                condition |= Q(search_text__contains=phrase)
            queryset = queryset.filter(condition)
        return queryset

    def _filter_price(
        self, queryset: QuerySet[Provider], max_price: Decimal, services: tuple[str, ...]
    ) -> QuerySet[Provider]:
        if not services:
            return queryset.filter(lowest_hourly_price__lte=max_price)
        affordable = ProviderPrice.objects.filter(
            provider=OuterRef("pk"), unit=ProviderPrice.Unit.HOUR, amount__lte=max_price, service__slug__in=services
        )
        return queryset.filter(Exists(affordable))

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

    def _annotate(self, queryset: QuerySet[Provider], search: ProviderSearch) -> QuerySet[Provider]:
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
            queryset = queryset.annotate(
                has_service_match=Exists(
                    ServiceType.objects.filter(providers=OuterRef("pk")).filter(
                        reduce(operator.or_, (Q(name__icontains=phrase) for phrase in phrases))
                    )
                )
            )
        if search.text.strip() and connection.vendor == "postgresql":
            queryset = queryset.annotate(
                text_rank=SearchRank(F("search_vector"), SearchQuery(search.text, config="english"))
            )
        elif search.text.strip():
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

    def facets(self, base: QuerySet[Provider], search: ProviderSearch) -> dict[str, list[FacetValue]]:
        """Counts for each facet value. Kind counts ignore the kind filter so
        people can see what choosing another kind would give."""
        matching = self.filter_queryset(base, search)
        facets: dict[str, list[FacetValue]] = {}

        without_kind = self.filter_queryset(base, search, ignore_kinds=True)
        kind_counts = dict(
            without_kind.order_by().values_list("kind").annotate(count=Count("pk")).values_list("kind", "count")
        )
        facets["kinds"] = [
            FacetValue(value=kind.value, label=str(kind.label), count=kind_counts.get(kind.value, 0))
            for kind in Provider.Kind
        ]

        matching_ids = matching.order_by().values("pk")
        for facet, (model, field_name) in TAXONOMY_FACETS.items():
            through = getattr(Provider, field_name).through
            term_field = model._meta.model_name
            rows = (
                through.objects.filter(provider_id__in=matching_ids)
                .values(f"{term_field}__slug", f"{term_field}__name", f"{term_field}__sort_order")
                .annotate(count=Count("provider_id"))
                .order_by(f"{term_field}__sort_order", f"{term_field}__name")
            )
            facets[facet] = [
                FacetValue(value=row[f"{term_field}__slug"], label=row[f"{term_field}__name"], count=row["count"])
                for row in rows
            ]

        flags = matching.order_by().aggregate(
            **{gender.value: Count("pk", filter=Q(**{field: True})) for gender, field in GENDER_FIELDS.items()},
            accredited=Count("pk", filter=Q(is_accredited=True)),
            taking_new_clients=Count("pk", filter=Q(is_taking_new_clients=True)),
        )
        facets["worker_gender"] = [
            FacetValue(value=gender.value, label=gender_label(gender), count=flags[gender.value])
            for gender in WorkerGender
        ]
        facets["flags"] = [
            FacetValue(value="accredited", label="Accredited", count=flags["accredited"]),
            FacetValue(value="taking_new_clients", label="Taking new clients", count=flags["taking_new_clients"]),
        ]
        return facets

    # Indexing: the database is its own index --------------------------------

    def index_providers(self, provider_ids: list[int]) -> None:
        """Nothing to do: the providers service keeps the search columns current."""

    def health(self) -> dict[str, Any]:
        return {"backend": self.name, "status": "ok", "engine": connection.vendor}


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
