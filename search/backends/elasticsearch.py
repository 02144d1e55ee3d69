"""Directory search answered by Elasticsearch, with the database backend's behaviour.

Elasticsearch finds, counts, orders and aggregates; the page of providers is
then loaded from the database by id (in Elasticsearch's order, with the database backend's
`page_listings`), so what people see is always the
current, published row. Any failure to answer quickly becomes
`SearchUnavailable`, and `search.api` answers from the database instead.

Relevance is a score built only from documented rules (docs/search-elasticsearch.md),
never from text statistics, so both backends order results the same way:
8 an exact service match, 4 the name contains the words, 2 accredited,
1 availability confirmed in the last 30 days; then distance, name and id.
"""

import logging
import math
import time
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from elasticsearch import ApiError, Elasticsearch, TransportError
from elasticsearch.dsl import Q, Search
from elasticsearch.dsl.query import Query
from elasticsearch.helpers import streaming_bulk

from marketplace.providers.availability import WeeklyAvailability, required_masks
from marketplace.providers.models import ClientGroup, Language, Provider, ServiceType, fresh_availability_since

from ..bitmaps import GENDER_FIELDS
from ..documents import MAPPING_VERSION, ProviderDocumentSource, document_version, index_body, provider_documents
from ..query import FacetValue, Point, ProviderHit, ProviderSearch, SearchResults, Sort, WorkerGender
from ..synonyms import expand_terms
from .database import (
    EARTH_RADIUS_MILES,
    DatabaseSearchBackend,
    gender_label,
    matched_hourly_price,
    page_listings,
)

logger = logging.getLogger(__name__)

# Relevance weights: powers of two, so the sum orders by the rules in turn.
SERVICE_MATCH_WEIGHT = 8
NAME_MATCH_WEIGHT = 4
ACCREDITED_WEIGHT = 2
FRESH_AVAILABILITY_WEIGHT = 1
# A price sort puts providers without a matching hourly price after every real price.
NO_PRICE = 1_000_000
TERMS_AGGREGATION_SIZE = 1000
# The taxonomies counted beside the results, as the database backend does: facet -> term model.
FACET_TERM_MODELS: dict[str, type[Any]] = {
    "services": ServiceType,
    "client_groups": ClientGroup,
    "languages": Language,
}
BULK_CHUNK_SIZE = 500
BULK_TIMEOUT_SECONDS = 120


def search_unavailable() -> type[Exception]:
    from ..api import SearchUnavailable

    return SearchUnavailable


# The client --------------------------------------------------------------


def index_alias() -> str:
    return str(getattr(settings, "ELASTICSEARCH_INDEX", "providers"))


def request_timeout() -> float:
    return float(getattr(settings, "ELASTICSEARCH_TIMEOUT", 2.0))


def get_client() -> Elasticsearch:
    """One client per process (it holds the connection pool) for the configured server."""
    return _client(settings.ELASTICSEARCH_URL, request_timeout())


@lru_cache(maxsize=4)
def _client(url: str, timeout: float) -> Elasticsearch:
    if not url:
        raise search_unavailable()("ELASTICSEARCH_URL is not set")
    # The 9.x client asks for the 9.x REST API on every request (compatible-with=9
    # headers); Elasticsearch 9 and the test emulator both accept that.
    # No retries on the search path: a slow or absent server means the database answers now.
    return Elasticsearch(url, request_timeout=timeout, max_retries=0, retry_on_timeout=False)


# The backend -------------------------------------------------------------


class ElasticsearchSearchBackend:
    name = "elasticsearch"

    def __init__(self, client: Elasticsearch | None = None) -> None:
        self._given_client = client

    @property
    def client(self) -> Elasticsearch:
        return self._given_client or get_client()

    def search(self, search: ProviderSearch, *, version: str | None = None) -> SearchResults:
        """One page of results with its count and facets; its listings as kept for `version` (`page_listings`)."""
        request = self._request(search)
        try:
            response = request.execute()
        except (ApiError, TransportError) as error:
            logger.warning("Elasticsearch search failed: %s", error)
            raise search_unavailable()(str(error)) from error
        ids = [int(hit.meta.id) for hit in response.hits]
        by_id = page_listings(ids, published_only=True, version=version)
        hits = [
            ProviderHit(
                provider=by_id[provider_id],
                distance_miles=distance_miles(by_id[provider_id], search.near),
                matched_price=matched_hourly_price(by_id[provider_id], search.services),
            )
            for provider_id in ids
            # A listing unpublished a moment ago may still be in the index: never show it.
            if provider_id in by_id
        ]
        return SearchResults(
            hits=hits,
            total=response.hits.total.value,  # type: ignore[attr-defined]
            page=search.page,
            page_size=search.page_size,
            facets=self._facets(response.aggregations),
            backend=self.name,
        )

    def filter_queryset(
        self, queryset: QuerySet[Provider], search: ProviderSearch, *, ignore_kinds: bool = False
    ) -> QuerySet[Provider]:
        """The FilterSet filters rows in the database, whichever backend searches."""
        return DatabaseSearchBackend().filter_queryset(queryset, search, ignore_kinds=ignore_kinds)

    # Building the request -------------------------------------------------

    def _request(self, search: ProviderSearch) -> Search:
        filters = self._filters(search)
        kinds_filter = Q("terms", kind=list(search.kinds)) if search.kinds else Q("match_all")
        gender_filter = (
            Q("term", **{GENDER_FIELDS[search.worker_gender]: True}) if search.worker_gender else Q("match_all")
        )
        chosen_filter = Q("bool", filter=[kinds_filter, gender_filter])
        request = (
            Search(using=self.client, index=index_alias())
            .query(self._scored_query(search, filters))
            .post_filter(chosen_filter)
            .sort(*self._sort(search))
            .source(False)
            .extra(track_total_hits=True)
        )[search.offset : search.offset + search.page_size]
        # Each count is the total with that choice made: kinds are counted with the
        # gender chosen, genders with the kinds chosen, the rest with both.
        request.aggs.bucket("of_gender", "filter", gender_filter).bucket(
            "kinds", "terms", field="kind", size=len(Provider.Kind.choices)
        )
        in_kinds = request.aggs.bucket("in_kinds", "filter", kinds_filter)
        for gender, field in GENDER_FIELDS.items():
            in_kinds.bucket(f"gender_{gender.value}", "filter", Q("term", **{field: True}))
        matching = request.aggs.bucket("matching", "filter", chosen_filter)
        for facet in FACET_TERM_MODELS:
            matching.bucket(facet, "terms", field=facet, size=TERMS_AGGREGATION_SIZE)
        if search.max_hourly_price is not None:
            # Ticking a service also asks for its hourly price within the limit.
            limit = float(search.max_hourly_price)
            matching.bucket(
                "services_within_price",
                "filters",
                filters={
                    slug: Q(
                        "bool",
                        filter=[
                            Q("term", services=slug),
                            Q("range", **{f"hourly_price_by_service.{slug}": {"lte": limit}}),
                        ],
                    )
                    for slug in ServiceType.objects.values_list("slug", flat=True)
                },
            )
        matching.bucket("accredited", "filter", Q("term", is_accredited=True))
        matching.bucket("taking_new_clients", "filter", Q("term", is_taking_new_clients=True))
        return request

    def _filters(self, search: ProviderSearch) -> list[Query]:
        """Everything the search asks for except the kinds and gender (applied after their counts)."""
        filters: list[Query] = []
        if search.text.strip():
            for group in expand_terms(search.text):
                filters.append(Q("bool", should=[phrase_query("text", phrase) for phrase in group]))
        for field, slugs in search.chosen_terms:
            filters += [Q("term", **{field: slug}) for slug in slugs]
        filters += [Q("exists", field=facet) for facet in search.has_any_term_in]
        for mask in required_masks(search.days, search.parts_of_day):
            filters.append(Q("terms", availability_slots=WeeklyAvailability(mask).slot_codes()))
        if search.max_hourly_price is not None:
            limit = float(search.max_hourly_price)
            if search.services:
                # Every chosen service's hourly price within the limit (docs/search.md).
                filters += [
                    Q("range", **{f"hourly_price_by_service.{slug}": {"lte": limit}}) for slug in search.services
                ]
            else:
                filters.append(Q("range", lowest_hourly_price={"lte": limit}))
        if search.is_taking_new_clients_only:
            filters.append(Q("term", is_taking_new_clients=True))
        if search.is_accredited_only:
            filters.append(Q("term", is_accredited=True))
        if search.near:
            filters.append(Q("geo_distance", distance=f"{search.radius_miles}mi", location=geo_point(search.near)))
        if search.served_place:
            filters.append(self._serving_filter(search.served_place))
        if search.modified_after is not None:
            filters.append(Q("range", updated_at={"gte": search.modified_after.isoformat()}))
        return filters

    def _serving_filter(self, place: Point) -> Query:
        """Area served covers the place: a locality or district served, or within the travel radius.

        Each provider has its own radius, so the radii in use (a handful of
        whole miles) are looked up and each becomes a distance test.
        """
        covers: list[Query] = []
        if place.locality_slug:
            covers.append(Q("term", localities_served=place.locality_slug))
        if place.postcode_district:
            covers.append(Q("term", postcode_districts_served=place.postcode_district.upper()))
        for radius in self._travel_radii_in_use():
            covers.append(
                Q(
                    "bool",
                    filter=[
                        Q("term", travel_radius_miles=radius),
                        Q("geo_distance", distance=f"{radius}mi", location=geo_point(place)),
                    ],
                )
            )
        return Q("bool", should=covers) if covers else Q("bool", must_not=[Q("match_all")])

    def _travel_radii_in_use(self) -> list[int]:
        request = Search(using=self.client, index=index_alias()).extra(size=0)
        request.aggs.bucket("radii", "terms", field="travel_radius_miles", size=TERMS_AGGREGATION_SIZE)
        try:
            response = request.execute()
        except (ApiError, TransportError) as error:
            raise search_unavailable()(str(error)) from error
        return sorted(int(bucket.key) for bucket in response.aggregations.radii.buckets)

    def _scored_query(self, search: ProviderSearch, filters: list[Query]) -> Query:
        if search.sort == Sort.PRICE:
            return self._price_score(search, filters)
        if search.sort == Sort.DISTANCE and search.near:
            return Q("bool", filter=filters)
        fresh_since = fresh_availability_since()
        rules: list[Query] = []
        if search.text.strip():
            phrases = [phrase for group in expand_terms(search.text) for phrase in group]
            rules.append(
                Q(
                    "constant_score",
                    filter=Q("bool", should=[phrase_query("service_names", phrase) for phrase in phrases]),
                    boost=SERVICE_MATCH_WEIGHT,
                )
            )
            rules.append(
                Q("constant_score", filter=phrase_query("name", search.text.strip()), boost=NAME_MATCH_WEIGHT)
            )
        rules.append(Q("constant_score", filter=Q("term", is_accredited=True), boost=ACCREDITED_WEIGHT))
        rules.append(
            Q(
                "constant_score",
                filter=Q("range", availability_confirmed_on={"gte": fresh_since.isoformat()}),
                boost=FRESH_AVAILABILITY_WEIGHT,
            )
        )
        return Q("bool", filter=filters, should=rules, minimum_should_match=0)

    def _price_score(self, search: ProviderSearch, filters: list[Query]) -> Query:
        """Score = the lowest hourly price for the chosen services (or overall), NO_PRICE when none."""
        fields = [f"hourly_price_by_service.{slug}" for slug in search.services] or ["lowest_hourly_price"]
        functions: list[dict[str, Any]] = [
            {"filter": {"exists": {"field": field}}, "field_value_factor": {"field": field, "missing": NO_PRICE}}
            for field in fields
        ]
        functions.append({"weight": NO_PRICE})
        return Q(
            "function_score",
            query=Q("bool", filter=filters),
            functions=functions,
            score_mode="min",
            boost_mode="replace",
        )

    def _sort(self, search: ProviderSearch) -> list[Any]:
        tie_breakers: list[Any] = [{"name.sort": "asc"}, {"provider_id": "asc"}]
        distance = (
            [{"_geo_distance": {"location": geo_point(search.near), "order": "asc", "unit": "mi"}}]
            if search.near
            else []
        )
        if search.sort == Sort.DISTANCE and search.near:
            return [*distance, *tie_breakers]
        if search.sort == Sort.PRICE:
            return [{"_score": "asc"}, *tie_breakers]
        return [{"_score": "desc"}, *distance, *tie_breakers]

    # Facets ----------------------------------------------------------------

    def _facets(self, aggregations: Any) -> dict[str, list[FacetValue]]:
        kind_counts = {bucket.key: bucket.doc_count for bucket in aggregations.of_gender.kinds.buckets}
        facets: dict[str, list[FacetValue]] = {
            "kinds": [
                FacetValue(value=kind.value, label=str(kind.label), count=kind_counts.get(kind.value, 0))
                for kind in Provider.Kind
            ]
        }
        matching = aggregations.matching
        for facet, model in FACET_TERM_MODELS.items():
            counts = {bucket.key: bucket.doc_count for bucket in matching[facet].buckets}
            within_price = getattr(matching, "services_within_price", None)
            if facet == "services" and within_price is not None:
                counts = {slug: within_price.buckets[slug].doc_count for slug in counts}
                counts = {slug: count for slug, count in counts.items() if count}
            terms = model.objects.filter(slug__in=counts).order_by("sort_order", "name").values_list("slug", "name")
            facets[facet] = [FacetValue(value=slug, label=name, count=counts[slug]) for slug, name in terms]
        facets["worker_gender"] = [
            FacetValue(
                value=gender.value,
                label=gender_label(gender),
                count=aggregations.in_kinds[f"gender_{gender.value}"].doc_count,
            )
            for gender in WorkerGender
        ]
        facets["flags"] = [
            FacetValue(value="accredited", label="Accredited", count=matching.accredited.doc_count),
            FacetValue(
                value="taking_new_clients", label="Taking new clients", count=matching.taking_new_clients.doc_count
            ),
        ]
        return facets

    # Indexing ----------------------------------------------------------------

    def index_providers(self, provider_ids: list[int]) -> None:
        """Index these providers as they are now: published ones written, all others removed.

        Idempotent and safe out of order: each write carries the row's
        updated_at as an external version, so an older state never replaces
        a newer one. Refreshes before returning, so a suspension is out of
        results at once.
        """
        ids = sorted(set(provider_ids))
        if not ids:
            return
        client = self.client.options(request_timeout=BULK_TIMEOUT_SECONDS)
        try:
            ensure_index(client)
            published = list(provider_documents(ids))
            published_ids = {source.provider_id for source in published}
            versions = dict(
                Provider.objects.filter(pk__in=[pk for pk in ids if pk not in published_ids]).values_list(
                    "pk", "updated_at"
                )
            )
            actions: list[dict[str, Any]] = [index_action(source, index_alias()) for source in published]
            for provider_id in ids:
                if provider_id in published_ids:
                    continue
                action: dict[str, Any] = {"_op_type": "delete", "_index": index_alias(), "_id": str(provider_id)}
                if provider_id in versions:
                    action |= {
                        "version": document_version(versions[provider_id]),
                        "version_type": "external_gte",
                    }
                actions.append(action)
            failures = [item for ok, item in bulk_results(client, actions, refresh="wait_for") if not ok]
        except (ApiError, TransportError) as error:
            raise search_unavailable()(str(error)) from error
        if failures:
            raise search_unavailable()(f"Elasticsearch refused {len(failures)} writes: {failures[:3]}")

    def health(self) -> dict[str, Any]:
        state: dict[str, Any] = {"backend": self.name, "index": index_alias()}
        try:
            client = self.client
            cluster = client.cluster.health()
            state["cluster_status"] = cluster["status"]
            state["documents"] = client.count(index=index_alias())["count"]
        except (ApiError, TransportError, search_unavailable()) as error:
            state.update(status="error", error=type(error).__name__)
            return state
        state["status"] = "ok" if cluster["status"] in ("green", "yellow") else "error"
        return state


# Index management ----------------------------------------------------------


def index_action(source: ProviderDocumentSource, index: str) -> dict[str, Any]:
    return {
        "_op_type": "index",
        "_index": index,
        "_id": str(source.provider_id),
        "_source": source.document,
        "version": source.version,
        "version_type": "external_gte",
    }


def bulk_results(
    client: Elasticsearch, actions: Iterable[dict[str, Any]], **kwargs: Any
) -> Iterator[tuple[bool, Any]]:
    """Bulk writes; a delete of a missing document, or a write older than the index holds, is success."""
    for ok, item in streaming_bulk(
        client, actions, chunk_size=BULK_CHUNK_SIZE, raise_on_error=False, raise_on_exception=True, **kwargs
    ):
        if ok:
            yield True, item
            continue
        outcome = next(iter(item.values()))
        status = outcome.get("status")
        is_missing_delete = "delete" in item and status == 404
        yield (is_missing_delete or status == 409), item


def new_index_name() -> str:
    return f"{index_alias()}-v{MAPPING_VERSION}-{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 1_000_000:06d}"


def create_index(client: Elasticsearch, *, for_bulk_load: bool = False) -> str:
    name = new_index_name()
    body = index_body()
    if for_bulk_load:
        body["settings"]["refresh_interval"] = "-1"
    client.indices.create(index=name, settings=body["settings"], mappings=body["mappings"])
    return name


def indices_behind_alias(client: Elasticsearch) -> list[str]:
    response = client.options(ignore_status=404).indices.get_alias(name=index_alias())
    return sorted(response.body) if response.meta.status == 200 else []


def ensure_index(client: Elasticsearch) -> None:
    """Create an empty index behind the alias on first use, so incremental writes have somewhere to go."""
    if not indices_behind_alias(client):
        name = create_index(client)
        client.indices.update_aliases(actions=[{"add": {"index": name, "alias": index_alias()}}])


def swap_alias(client: Elasticsearch, new_index: str) -> list[str]:
    """Point the alias at the new index in one atomic step; returns the indices it left."""
    old = [name for name in indices_behind_alias(client) if name != new_index]
    actions: list[dict[str, Any]] = [{"remove": {"index": name, "alias": index_alias()}} for name in old]
    actions.append({"add": {"index": new_index, "alias": index_alias()}})
    client.indices.update_aliases(actions=actions)
    return old


def rebuild_index(
    *,
    batch_size: int = BULK_CHUNK_SIZE,
    on_progress: Callable[[int], object] | None = None,
    keep_old: bool = False,
    client: Elasticsearch | None = None,
) -> dict[str, Any]:
    """Build a new versioned index from every published provider, then swap the alias to it.

    Searches keep using the old index until the swap. Changes made while the
    new index loads are written to the old one by the indexing tasks, so once
    the alias has moved, every provider changed since the load began is
    indexed again.
    """
    client = (client or get_client()).options(request_timeout=BULK_TIMEOUT_SECONDS)
    started_at = timezone.now()
    started = time.perf_counter()
    name = create_index(client, for_bulk_load=True)
    ids = list(Provider.objects.published().order_by("pk").values_list("pk", flat=True))

    def actions() -> Iterator[dict[str, Any]]:
        for start in range(0, len(ids), batch_size):
            for source in provider_documents(ids[start : start + batch_size]):
                yield index_action(source, name)

    indexed = 0
    failures: list[Any] = []
    for ok, item in bulk_results(client, actions()):
        indexed += 1
        if not ok:
            failures.append(item)
        if on_progress:
            on_progress(1)
    if failures:
        client.indices.delete(index=name)
        raise RuntimeError(f"{len(failures)} providers could not be indexed, e.g. {failures[:3]}; alias unchanged")
    client.indices.put_settings(index=name, settings={"refresh_interval": "1s"})
    client.indices.refresh(index=name)
    load_seconds = time.perf_counter() - started
    old = swap_alias(client, name)
    changed_since = list(Provider.objects.filter(updated_at__gte=started_at).values_list("pk", flat=True))
    if changed_since:
        ElasticsearchSearchBackend(client).index_providers(changed_since)
    if not keep_old and old:
        client.indices.delete(index=",".join(old))
    stats = client.indices.stats(index=name, metric="store")
    return {
        "index": name,
        "alias": index_alias(),
        "documents": indexed,
        "seconds": load_seconds,
        "size_bytes": stats["_all"]["primaries"]["store"]["size_in_bytes"],
        "replaced": old,
        "caught_up": len(changed_since),
    }


# Helpers ---------------------------------------------------------------------


def phrase_query(field: str, phrase: str) -> Query:
    """A phrase, analysed without synonyms: the words are already expanded by
    `expand_terms`, exactly as for the database backend (longest phrase wins)."""
    return Q("match_phrase", **{field: {"query": phrase, "analyzer": "care_text"}})


def geo_point(point: Point) -> dict[str, float]:
    return {"lat": point.latitude, "lon": point.longitude}


def distance_miles(provider: Provider, near: Point | None) -> float | None:
    """The same great-circle formula the database backend uses, so both show the same distance."""
    if near is None or provider.latitude is None or provider.longitude is None:
        return None
    lat1, lat2 = math.radians(near.latitude), math.radians(provider.latitude)
    cosine = math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(
        math.radians(provider.longitude) - math.radians(near.longitude)
    )
    return EARTH_RADIUS_MILES * math.acos(max(-1.0, min(1.0, cosine)))
