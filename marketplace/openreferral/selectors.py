"""Reads for the Open Referral API.

Every list runs a fixed number of queries whatever the page size: one count,
one page, and a fixed set of prefetches for the nested parts.
"""

import uuid
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest

from cms.models import DirectoryPage
from marketplace.providers.models import Provider, ProviderLocation, ProviderPrice

from .taxonomies import KIND_TERMS, KIND_TERMS_BY_ID, TAXONOMIES, Taxonomy, Term, term_from_row

# What a fully nested service needs, fetched in one query each.
FULL_SERVICE_PREFETCHES = (
    "services",
    "client_groups",
    "specialisms",
    "languages",
    "localities_served",
    Prefetch("prices", queryset=ProviderPrice.objects.select_related("service")),
    Prefetch("locations", queryset=ProviderLocation.objects.order_by("name", "pk")),
)

# Internal columns no serializer reads; not worth carrying out of the database.
UNPUBLISHED_COLUMNS = ("search_text",)

# Crawls page through these in a stable order, so no listing is skipped or repeated.
SERVICE_ORDER = ("name", "pk")
LOCATION_ORDER = ("provider__name", "provider_id", "name", "pk")


T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    rows: list[T]
    total: int
    page: int
    per_page: int


def published_providers() -> QuerySet[Provider]:
    """The only providers the API ever reads: published listings."""
    return Provider.objects.published()


def service_page(providers: QuerySet[Provider], *, page: int, per_page: int, is_full: bool = False) -> Page[Provider]:
    """One page of services. The page's ids are chosen first, sorting only names and ids,
    then its rows are read by id: sorting whole rows (long descriptions, search text)
    made every page of a 14,000-listing crawl cost half a second on SQLite."""
    total = providers.count()
    offset = (page - 1) * per_page
    if offset >= total:
        return Page(rows=[], total=total, page=page, per_page=per_page)
    page_ids = list(providers.order_by(*SERVICE_ORDER).values_list("pk", flat=True)[offset : offset + per_page])
    rows = Provider.objects.filter(pk__in=page_ids).select_related("locality").defer(*UNPUBLISHED_COLUMNS)
    if is_full:
        rows = rows.prefetch_related(*FULL_SERVICE_PREFETCHES)
    by_id = {row.pk: row for row in rows}
    return Page(rows=[by_id[pk] for pk in page_ids], total=total, page=page, per_page=per_page)


def service_get(service_id: uuid.UUID) -> Provider | None:
    return (
        published_providers()
        .select_related("locality")
        .prefetch_related(*FULL_SERVICE_PREFETCHES)
        .filter(uuid=service_id)
        .first()
    )


def service_at_location_page(providers: QuerySet[Provider], *, page: int, per_page: int) -> Page[ProviderLocation]:
    locations = ProviderLocation.objects.filter(provider__in=providers.order_by().values("pk"))
    total = locations.count()
    offset = (page - 1) * per_page
    rows = (
        list(locations.order_by(*LOCATION_ORDER).select_related("provider")[offset : offset + per_page])
        if offset < total
        else []
    )
    return Page(rows=rows, total=total, page=page, per_page=per_page)


def service_at_location_get(location_id: uuid.UUID) -> ProviderLocation | None:
    """A location of a published provider, with everything its nested service needs."""
    location = (
        ProviderLocation.objects.filter(uuid=location_id, provider__in=published_providers().values("pk"))
        .select_related("provider")
        .first()
    )
    if location is None:
        return None
    provider = service_get(location.provider.uuid)
    if provider is None:
        return None
    location.provider = provider
    return location


def taxonomy_terms(taxonomy: Taxonomy) -> list[Term]:
    if taxonomy.model is None:
        return list(KIND_TERMS)
    return [
        term_from_row(row, taxonomy) for row in taxonomy.model._default_manager.order_by("sort_order", "name", "pk")
    ]


def all_taxonomy_terms() -> list[Term]:
    """Every term of every taxonomy, taxonomy by taxonomy (one query per vocabulary)."""
    return [term for taxonomy in TAXONOMIES for term in taxonomy_terms(taxonomy)]


def taxonomy_term_get(term_id: uuid.UUID) -> Term | None:
    if str(term_id) in KIND_TERMS_BY_ID:
        return KIND_TERMS_BY_ID[str(term_id)]
    for taxonomy in TAXONOMIES:
        if taxonomy.model is None:
            continue
        row = taxonomy.model._default_manager.filter(uuid=term_id).first()
        if row is not None:
            return term_from_row(row, taxonomy)
    return None


def directory_url(request: HttpRequest) -> str | None:
    """The public directory's address, for links to each listing's profile page."""
    page = DirectoryPage.objects.live().public().first()
    if page is None:
        return None
    parts = page.get_url_parts(request)
    if parts is None:
        return None
    path = parts[2] if parts[2].endswith("/") else f"{parts[2]}/"
    # The configured public address, else the one the request came to: the Wagtail Site's
    # hostname is often 'localhost' behind a proxy.
    base = settings.PUBLIC_BASE_URL
    return f"{base}{path}" if base else request.build_absolute_uri(path)
