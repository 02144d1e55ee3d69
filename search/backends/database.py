"""Directory search answered by the database.

The words: PostgreSQL full-text search over each listing's weighted words in
their own table (ListingText, kept by the providers service); on SQLite, word
starts in a full-text table. What only the database can answer (the words,
distance, price limit, area served, time of change) is asked once per
listings version; the total, every facet count and the default order's page
come from this worker's bitmaps of the listings (search/bitmaps.py, decisions
0049 and 0050), and a distance or price sort is ordered in SQL. Every search
runs a fixed set of queries whatever the page size (docs/search.md).
"""

import hashlib
import math
import operator
import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property, lru_cache, partial, reduce
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchQueryCombinable, SearchQueryField
from django.db import connection, transaction
from django.db.models import (
    DEFERRED,
    BooleanField,
    Case,
    Exists,
    F,
    FloatField,
    Func,
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
from pyroaring import BitMap

from marketplace.places.models import Locality
from marketplace.providers.availability import required_masks
from marketplace.providers.models import (
    ListingText,
    Provider,
    ProviderPrice,
    ServiceType,
    fresh_availability_since,
)
from marketplace.providers.search_fields import TERM_MASK_FIELDS, normalise_search_words, word_pair

from .. import sqlite_fts
from ..bitmaps import (
    GENDER_FIELDS,
    ListingBitmaps,
    affordable_services,
    bitmap_of,
    capitalised,
    listing_bitmaps,
    ordered_page,
    parts_memo,
)
from ..query import FacetValue, Point, ProviderHit, ProviderSearch, SearchResults, Sort, WorkerGender
from ..synonyms import expand_terms
from ..versioning import ListingMemo, listings_version

EARTH_RADIUS_MILES = 3958.8
MILES_PER_DEGREE_LATITUDE = 69.0

# Every taxonomy a search can ask for by slug: name (the Provider relation) ->
# (term model, mask field on Provider), from the providers service's one map.
TERM_TAXONOMIES: dict[str, tuple[type[Any], str]] = {
    relation: (model, mask_field) for mask_field, (relation, model) in TERM_MASK_FIELDS.items()
}
# The taxonomies shown as facets beside the results.
TAXONOMY_FACETS = ("services", "client_groups", "languages")
# Columns a result never shows, not loaded for a page: the long texts, and the timestamps (parsing them
# was a sixth of reading a page of listings none of which was kept).
UNSHOWN_COLUMNS = (
    "search_text",
    "description",
    "created_at",
    "updated_at",
    "published_at",
    "contact_consent_given_at",
)


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

    @cached_property
    def version(self) -> str:
        """The terms as forms show them (each taxonomy's slugs and names, in order) as a digest: the same at two
        listings versions whose terms are the same, so what is drawn from the terms alone, such as a search
        form's fields, outlives a change that may be to every listing but left the terms as they were
        (decision 0059)."""
        shown = {facet: self.choices(facet) for facet in sorted(self.terms)}
        return hashlib.sha256(repr(shown).encode()).hexdigest()

    def choices(self, facet: str) -> list[tuple[str, str]]:
        """The terms as form choices, (slug, name), in the taxonomy's own order."""
        return [(term.slug, term.name) for term in self.terms[facet]]

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

    def service_bits_named_by(self, text: str) -> int:
        """The bits of the services whose names contain the words or a synonym of them."""
        phrases = [phrase for group in expand_terms(text) for phrase in group]
        mask = 0
        for term in self.terms["services"]:
            if term.bit is not None and any(phrase in term.name.lower() for phrase in phrases):
                mask |= 1 << term.bit
        return mask


class DatabaseSearchBackend:
    name = "database"

    def search(self, search: ProviderSearch, *, version: str | None = None) -> SearchResults:
        """One page of results with its count and facets, at `version` (the listings version: read if not given)."""
        version = version or listings_version()
        catalogue = TermCatalogue.of_version(version)
        index = listing_bitmaps(version)
        chosen, facets = self._count_and_facets(search, catalogue, version)
        total = len(chosen)
        if search.offset >= total:
            page: list[dict[str, Any]] = []
        elif self._ordered_by_bitmaps(search):
            page_ids = ordered_page(
                index, chosen, self._relevance_keys(index, search, catalogue, version), search.offset, search.page_size
            )
            page = [{"pk": pk} for pk in page_ids]
        else:
            page = self._page(search, catalogue)
        listings = page_listings([row["pk"] for row in page], version=version)
        hits = [
            ProviderHit(
                provider=listings[row["pk"]],
                distance_miles=row.get("distance_miles"),
                matched_price=matched_hourly_price(listings[row["pk"]], search.services),
            )
            for row in page
        ]
        return SearchResults(
            hits=hits, total=total, page=search.page, page_size=search.page_size, facets=facets, backend=self.name
        )

    @staticmethod
    def _ordered_by_bitmaps(search: ProviderSearch) -> bool:
        """Whether the search's order is the relevance rules without a distance: yes-or-no keys
        and the name, which the bitmaps hold (`_relevance_keys`). Distance and price are
        numbers they do not hold: those pages are ordered by the database (`_order`)."""
        return search.near is None and search.sort != Sort.PRICE

    def _relevance_keys(
        self, index: ListingBitmaps, search: ProviderSearch, catalogue: TermCatalogue, version: str
    ) -> list[BitMap]:
        """The relevance rules of `_order` (docs/search.md), as the listings meeting each in turn."""
        keys = []
        if search.text.strip():
            keys.append(index.with_any_bit("service_mask", catalogue.service_bits_named_by(search.text)))
            keys.append(self._named_by_the_words(index, search.text, version))
        keys.append(index.flag("is_accredited"))
        keys.append(index.confirmed_since(fresh_availability_since()))
        return keys

    def ordered_queryset(self, search: ProviderSearch, catalogue: TermCatalogue | None = None) -> QuerySet[Provider]:
        """Every listing the search matches, in the order of its pages, by the database."""
        catalogue = catalogue or TermCatalogue.of_version(listings_version())
        matching = self.filter_queryset(Provider.objects.published(), search, catalogue=catalogue)
        return self._order(self._annotate(matching, search, catalogue), search)

    def _page(self, search: ProviderSearch, catalogue: TermCatalogue) -> list[dict[str, Any]]:
        """One page of listing ids (with their distances when near a place) ordered by the
        database, from the covering index where the filters allow."""
        ordered = self.ordered_queryset(search, catalogue)
        extra = [name for name in ("distance_miles",) if search.near]
        with text_index_only() if search.text.strip() else nullcontext():
            return list(ordered.values("pk", *extra)[search.offset : search.offset + search.page_size])

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
        matches = text_matches(text)
        return queryset if matches is None else queryset.filter(pk__in=matches)

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
        queryset = queryset.annotate(
            has_fresh_availability=Case(
                When(availability_confirmed_on__gte=fresh_availability_since(), then=Value(True)),
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
            named_services = catalogue.service_bits_named_by(search.text)
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
                text_rank=Case(When(name_contains(search.text), then=1.0), default=0.0, output_field=FloatField())
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

        The words, and then the distance, price limit, area served and time of
        change, are asked of the database (a query each for the ids, once per
        version); every other filter is an intersection of the bitmaps.
        """
        matching = index.published
        if search.text.strip():
            matching = matching & self._matching_the_words(index, search.text, version)
        part = database_part(search)
        if part is not None:
            matching = matching & parts_memo.get_or_set(
                version,
                f"database:{part!r}",
                lambda: bitmap_of(
                    self.filter_queryset(Provider.objects.published(), part).order_by().values_list("pk", flat=True)
                ),
            )
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

    @staticmethod
    def _matching_the_words(index: ListingBitmaps, text: str, version: str) -> BitMap:
        """The listings whose words match the text: one query, once per version and text."""

        def ask() -> BitMap:
            matches = text_matches(text)
            if matches is None:
                return index.published
            with text_index_only():
                return bitmap_of(matches.order_by())

        return parts_memo.get_or_set(version, f"words:{text.strip()!r}", ask)

    @staticmethod
    def _named_by_the_words(index: ListingBitmaps, text: str, version: str) -> BitMap:
        """The listings whose name contains the words (the relevance rule 1b): one query, once per version and text."""
        return parts_memo.get_or_set(
            version, f"names:{text.strip()!r}", lambda: index.named(capitalised(text.strip()))
        )

    # Indexing: the database is its own index --------------------------------

    def index_providers(self, provider_ids: list[int]) -> None:
        """Nothing to do: the providers service keeps the search columns current."""

    def health(self) -> dict[str, Any]:
        return {"backend": self.name, "status": "ok", "engine": connection.vendor}


def database_part(search: ProviderSearch) -> ProviderSearch | None:
    """The part of a search besides its words that only the database can answer, or None if it asks none of it.

    The distance from a place, the hourly price limit (with the services it
    applies to), the area served and the time of a change; the words are asked
    on their own (`_matching_the_words`), and the rest is answered from the bitmaps.
    """
    part = ProviderSearch(
        max_hourly_price=search.max_hourly_price,
        services=search.services if search.max_hourly_price is not None else (),
        near=search.near,
        radius_miles=search.radius_miles if search.near else ProviderSearch.radius_miles,
        served_place=search.served_place,
        modified_after=search.modified_after,
    )
    return None if part == ProviderSearch() else part


def name_contains(text: str) -> Q:
    """The listing's name contains the words, ignoring case (the relevance rule 1b)."""
    return Q(name__icontains=text.strip())


def text_matches(text: str) -> QuerySet[Any] | None:
    """The ids of the listings whose words match the text (None if the words ask nothing).

    The words are groups of phrases (a word and its synonyms): a listing must
    match a phrase of every group. On PostgreSQL, the stemmed phrases in the
    listings' weighted words (ListingText); on SQLite, word starts in the
    full-text table, or in the text column while that table is being built.
    """
    groups = expand_terms(text)
    if connection.vendor == "postgresql":
        pairs = word_pairs(tuple(phrase for group in groups for phrase in group if len(phrase.split()) > 1))
        group_queries = [
            reduce(
                operator.or_,
                (
                    WordPairQuery(pairs[phrase])
                    if phrase in pairs
                    else SearchQuery(phrase, search_type="phrase", config="english")
                    for phrase in group
                ),
            )
            for group in groups
        ]
        return ListingText.objects.filter(search_vector=reduce(operator.and_, group_queries)).values_list(
            "provider_id", flat=True
        )
    if sqlite_fts.index_ready():
        expression = sqlite_fts.match_expression(
            [[normalise_search_words(phrase) for phrase in group] for group in groups]
        )
        if expression is None:
            return None
        return Provider.objects.filter(pk__in=RawSQL(*sqlite_fts.matching_ids_sql(expression))).values_list(
            "pk", flat=True
        )
    conditions = []
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
            conditions.append(condition)
    return Provider.objects.filter(*conditions).values_list("pk", flat=True) if conditions else None


class WordPairQuery(SearchQueryCombinable, Func):  # type: ignore[misc]
    """Two adjacent words as the one word ListingText's vector holds for them (decision 0050)."""

    output_field = SearchQueryField()
    template = "%(expressions)s::tsquery"

    def __init__(self, pair: str) -> None:
        self.config = None
        super().__init__(Value("'" + pair.replace("\\", "\\\\").replace("'", "''") + "'"))


# A phrase of two words, as PostgreSQL's phraseto_tsquery writes it: 'first' <-> 'second'.
TWO_STEMS = re.compile(r"^'([a-z0-9]+)' <-> '([a-z0-9]+)'$")


@lru_cache(maxsize=4096)
def word_pairs(phrases: tuple[str, ...]) -> dict[str, str]:
    """For each phrase that is two adjacent words once stemmed, the pair word standing for it.

    Its stems are asked of PostgreSQL (one small query, remembered by the process: they depend
    on the phrase alone). A phrase with a stop word inside ('care <2> home'), one word, or other
    characters keeps its phrase query.
    """
    if not phrases:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phrase, phraseto_tsquery('english', phrase)::text FROM unnest(%s::text[]) AS phrase",
            [list(phrases)],
        )
        stems = cursor.fetchall()
    return {
        phrase: word_pair(*match.groups()) for phrase, query in stems if (match := TWO_STEMS.match(query)) is not None
    }


@contextmanager
def text_index_only() -> Iterator[None]:
    """On PostgreSQL, find the words from their GIN index, never by reading every listing's words.

    The planner does not count the cost of reading a vector stored out of
    line, so for a common word it would read every listing's words
    (decision 0050): 400 ms against 30 ms from the index at scale 100.
    """
    if connection.vendor != "postgresql":
        yield
        return
    nested = connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            yield
        finally:
            if nested:
                # SET LOCAL lasts until the outer transaction ends: put it back for what follows.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL enable_seqscan = on")


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


# The listings pages of results showed, as loaded by `page_listings`, kept until a change to them
# (about 4 KB each, so at most about 17 MB a worker).
listings_memo = ListingMemo(entries=4096)


def page_listings(ids: list[int], *, published_only: bool = False, version: str | None = None) -> dict[int, Provider]:
    """The listings of a page of results by id, with what a result shows: the row without its long
    texts and its locality, and as `hourly_prices` its (service slug, amount) an hour for
    `matched_hourly_price`. Both backends load their pages here; `published_only` leaves out a
    listing no longer published (the Elasticsearch backend's index may be a moment behind).

    At a listings version (`version`), the listings any page showed are kept in this process
    until a change to them (`ListingMemo`: every change to a listing makes a new version and names
    it): only the rest are read, in one query whatever the page size. The listings are shared:
    read-only.
    """
    read = partial(_listings_read, published_only=published_only)
    return listings_memo.get_many(version, ids, read) if version else read(ids)


def _listings_read(ids: list[int], *, published_only: bool = False) -> dict[int, Provider]:
    """`page_listings`' listings from the database, in one query whatever their number.

    One plain statement, not querysets: on a worker's first searches most of a page's listings are
    read, and building and compiling querysets took about 1.0 ms of a 2.3 ms read of five listings
    on PostgreSQL (decision 0058). Its hourly prices come in the same row, and its rows become
    models through the same conversions from the database that a queryset applies, without
    `raw`'s work on each query: a read of five listings takes about 0.6 ms (decision 0059).

    Each row is given to `from_db` as a value for every field, the unshown ones `DEFERRED`: given
    only the shown fields' names, it looked each of the model's fields up in that list, and a read
    of 20 listings no one had shown took a median 1.50 to 1.65 ms at scale 100 rather than 1.24 to 1.28.
    """
    if not ids:
        return {}
    statement = _listings_statement()
    sql, params = f"{statement.head} ({_marks(ids)})", list[Any]([ProviderPrice.Unit.HOUR, *ids])
    if published_only:
        sql, params = f"{sql} AND p.{_column(Provider, 'status')} = %s", [*params, Provider.Status.PUBLISHED]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    listings: dict[int, Provider] = {}
    alias, provider_end, places = connection.alias, len(statement.places), statement.places
    for row in statement.compiler.apply_converters(rows, statement.converters):
        # Every field's value, the unshown ones deferred: `from_db` then makes the model straight from them.
        values = list(statement.deferred)
        for place, value in zip(places, row[:provider_end], strict=True):
            values[place] = value
        listing = Provider.from_db(alias, None, values)
        locality = row[provider_end : provider_end + len(LOCALITY_NAMES)]
        listing.locality = None if locality[0] is None else Locality.from_db(alias, LOCALITY_NAMES, locality)
        listing.hourly_prices = _prices(row[-1], statement.cents)
        listings[listing.pk] = listing
    return listings


# The locality's fields, in their order.
LOCALITY_NAMES = [field.attname for field in Locality._meta.concrete_fields]
# Between a price's service slug and its amount, and between prices, in a listing's hourly prices (no slug
# or amount holds either).
PRICE_PARTS, PRICES_APART = "=", ","


def _prices(text: str | None, cents: Decimal) -> list[tuple[str, Decimal]]:
    """A listing's hourly prices as its row holds them ("slug=amount,..."): (service slug, amount) pairs."""
    if not text:
        return []
    pairs = (price.split(PRICE_PARTS) for price in text.split(PRICES_APART))
    return [(slug, Decimal(amount).quantize(cents)) for slug, amount in pairs]


def _column(model: Any, name: str) -> str:
    """A field's column, quoted for the database."""
    return connection.ops.quote_name(str(model._meta.get_field(name).column))


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _marks(ids: Collection[int]) -> str:
    """A placeholder for each id, for `IN (...)`."""
    return ", ".join(["%s"] * len(ids))


@dataclass(frozen=True)
class ListingsStatement:
    """`_listings_read`'s statement up to its list of ids, and how its rows' values become models."""

    head: str
    places: tuple[int, ...]  # the listing's columns first: the place of each among the model's fields
    deferred: tuple[Any, ...]  # a value for each of the model's fields, each `DEFERRED`
    compiler: Any
    converters: dict[int, Any]  # by column: the listing's fields' conversions, then its locality's
    cents: Decimal  # an hourly price's smallest step


@lru_cache(maxsize=1)
def _listings_statement() -> ListingsStatement:
    """The head of `_listings_read`'s statement, from the models' metadata: the listing's shown columns, its
    locality's, and its hourly prices with their service's slug as one text ("slug=amount,...")."""
    every = Provider._meta.concrete_fields
    shown = [field for field in every if field.attname not in UNSHOWN_COLUMNS]
    columns = [f"p.{_column(Provider, field.name)}" for field in shown]
    columns += [f"l.{_column(Locality, name)}" for name in LOCALITY_NAMES]
    slug, amount = f"s.{_column(ServiceType, 'slug')}", f"pp.{_column(ProviderPrice, 'amount')}"
    if connection.vendor == "postgresql":
        prices = f"string_agg({slug} || '{PRICE_PARTS}' || {amount}::text, '{PRICES_APART}')"
    else:
        prices = f"group_concat({slug} || '{PRICE_PARTS}' || {amount}, '{PRICES_APART}')"
    columns.append(
        f"(SELECT {prices} FROM {_table(ProviderPrice)} pp JOIN {_table(ServiceType)} s"
        f" ON pp.{_column(ProviderPrice, 'service')} = s.{_column(ServiceType, 'id')}"
        f" WHERE pp.{_column(ProviderPrice, 'provider')} = p.{_column(Provider, 'id')}"
        f" AND pp.{_column(ProviderPrice, 'unit')} = %s)"
    )
    head = (
        f"SELECT {', '.join(columns)} FROM {_table(Provider)} p LEFT OUTER JOIN {_table(Locality)} l"
        f" ON p.{_column(Provider, 'locality')} = l.{_column(Locality, 'id')} WHERE p.{_column(Provider, 'id')} IN"
    )
    compiler = connection.ops.compiler("SQLCompiler")(Provider.objects.none().query, connection, connection.alias)
    cols = [field.get_col(Provider._meta.db_table) for field in shown]
    cols += [field.get_col(Locality._meta.db_table) for field in Locality._meta.concrete_fields]
    places = ProviderPrice._meta.get_field("amount").decimal_places
    return ListingsStatement(
        head=head,
        places=tuple(every.index(field) for field in shown),
        deferred=(DEFERRED,) * len(every),
        compiler=compiler,
        converters=compiler.get_converters(cols),
        cents=Decimal(1).scaleb(-places),
    )


def matched_hourly_price(listing: Provider, services: tuple[str, ...]) -> Decimal | None:
    """The hourly price to show for a listing from `page_listings`: for the chosen services if any, else the lowest."""
    hourly = [amount for service, amount in listing.hourly_prices if not services or service in services]
    return min(hourly) if hourly else None


def gender_label(gender: WorkerGender) -> str:
    return {WorkerGender.FEMALE: "Female", WorkerGender.MALE: "Male", WorkerGender.NON_BINARY: "Non-binary"}[gender]
