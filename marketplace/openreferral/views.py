"""The ORUK 3.0 endpoints. Parsing is the FilterSet's, reads are selectors', shapes are serializers'."""

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from . import selectors, serializers
from .documentation import api_reference
from .filters import OpenReferralFilterSet
from .http import ApiError, cached_by_listings_version, json_response, open_data_view
from .openapi import HSDS_VERSION, PROFILE_URL, document_for, schema_file
from .taxonomies import TAXONOMIES, TAXONOMIES_BY_ID


def parse_id(value: str, noun: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise ApiError(400, f"The {noun} id must be a UUID, like 3f7b145d-84af-42d7-8fae-eaca714b02b2.") from error


def valid_filterset(request: HttpRequest) -> OpenReferralFilterSet:
    filterset = OpenReferralFilterSet(data=request.GET)
    if not filterset.is_valid():
        errors = {name: [str(message) for message in messages] for name, messages in filterset.errors.items()}
        raise ApiError(400, "Some query parameters were not understood.", errors)
    return filterset


def context_for(request: HttpRequest) -> serializers.Context:
    return serializers.Context(directory_url=selectors.directory_url(request))


def paging(request: HttpRequest) -> tuple[int, int]:
    """page and per_page for the endpoints that take no search parameters."""
    filterset = valid_filterset(request)
    return filterset.page_number, filterset.page_size


@open_data_view
def api_metadata(request: HttpRequest) -> HttpResponse:
    return json_response(
        {
            "version": HSDS_VERSION,
            "profile": PROFILE_URL,
            "openapi_url": request.build_absolute_uri(reverse("openreferral:openapi")),
        }
    )


@open_data_view
def openapi_document(request: HttpRequest) -> HttpResponse:
    return json_response(document_for(_server_url(request)))


@open_data_view
def schema(request: HttpRequest, name: str) -> HttpResponse:
    """The official JSON schemas the OpenAPI document refers to, served from our copy."""
    document = schema_file(name)
    if document is None:
        raise ApiError(404, "There is no schema with that name.")
    return json_response(document)


def _server_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("openreferral:metadata")).rstrip("/")


@require_safe
def documentation(request: HttpRequest) -> HttpResponse:
    """The API's reference, drawn in GOV.UK styles from the OpenAPI document the API serves."""
    return render(
        request,
        "openreferral/docs.html",
        {
            "api": api_reference(document_for(_server_url(request))),
            "openapi_url": reverse("openreferral:openapi"),
            "profile_url": PROFILE_URL,
        },
    )


@open_data_view
@cached_by_listings_version
def service_list(request: HttpRequest) -> HttpResponse:
    filterset = valid_filterset(request)
    page = selectors.service_page(
        filterset.qs, page=filterset.page_number, per_page=filterset.page_size, is_full=filterset.is_full
    )
    context = context_for(request)
    contents = [serializers.service(provider, context, is_full=filterset.is_full) for provider in page.rows]
    return json_response(serializers.page(contents, total=page.total, page_number=page.page, per_page=page.per_page))


@open_data_view
@cached_by_listings_version
def service_detail(request: HttpRequest, id: str) -> HttpResponse:
    provider = selectors.service_get(parse_id(id, "service"))
    if provider is None:
        raise ApiError(404, "There is no published service with this id.")
    data = serializers.service(provider, context_for(request), is_full=True)
    return json_response(data, last_modified=provider.updated_at)


@open_data_view
@cached_by_listings_version
def service_at_location_list(request: HttpRequest) -> HttpResponse:
    filterset = valid_filterset(request)
    page = selectors.service_at_location_page(filterset.qs, page=filterset.page_number, per_page=filterset.page_size)
    context = context_for(request)
    contents = [serializers.service_at_location(location, context) for location in page.rows]
    return json_response(serializers.page(contents, total=page.total, page_number=page.page, per_page=page.per_page))


@open_data_view
@cached_by_listings_version
def service_at_location_detail(request: HttpRequest, id: str) -> HttpResponse:
    location = selectors.service_at_location_get(parse_id(id, "service_at_location"))
    if location is None:
        raise ApiError(404, "There is no published service_at_location with this id.")
    data = serializers.service_at_location_detail(location, context_for(request))
    return json_response(data, last_modified=location.provider.updated_at)


@open_data_view
@cached_by_listings_version
def taxonomy_list(request: HttpRequest) -> HttpResponse:
    page_number, per_page = paging(request)
    return json_response(paged([serializers.taxonomy(item) for item in TAXONOMIES], page_number, per_page))


@open_data_view
@cached_by_listings_version
def taxonomy_detail(request: HttpRequest, id: str) -> HttpResponse:
    item = TAXONOMIES_BY_ID.get(str(parse_id(id, "taxonomy")))
    if item is None:
        raise ApiError(404, "There is no taxonomy with this id.")
    return json_response(serializers.taxonomy(item, selectors.taxonomy_terms(item)))


@open_data_view
@cached_by_listings_version
def taxonomy_term_list(request: HttpRequest) -> HttpResponse:
    page_number, per_page = paging(request)
    terms = [serializers.taxonomy_term(term) for term in selectors.all_taxonomy_terms()]
    return json_response(paged(terms, page_number, per_page))


@open_data_view
@cached_by_listings_version
def taxonomy_term_detail(request: HttpRequest, id: str) -> HttpResponse:
    term = selectors.taxonomy_term_get(parse_id(id, "taxonomy term"))
    if term is None:
        raise ApiError(404, "There is no taxonomy term with this id.")
    return json_response(serializers.taxonomy_term(term))


@open_data_view
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    raise ApiError(404, "There is no such endpoint. The OpenAPI document lists them all.")


def paged(items: list[dict[str, Any]], page_number: int, per_page: int) -> dict[str, Any]:
    """A page of a short list held in memory (the vocabularies are small)."""
    start = (page_number - 1) * per_page
    return serializers.page(
        items[start : start + per_page], total=len(items), page_number=page_number, per_page=per_page
    )
