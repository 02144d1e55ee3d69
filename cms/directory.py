"""What the directory page shows: search results and provider profiles.

Thin: validation is the FilterSet's, searching the search API's, reading the
providers selectors'.
"""

from typing import Any

from django.http import HttpRequest, QueryDict

from marketplace.accreditation.public import accredited_suppliers_by_kind_and_locality, public_check_summary
from marketplace.payments.selectors import provider_can_be_paid_online, provider_uuids_paid_online
from marketplace.providers.models import Provider
from marketplace.providers.selectors import provider_profile_prices
from marketplace.reviews.selectors import published_reviews
from search.api import search_providers
from search.filters import ProviderSearchFilterSet
from search.query import SearchResults
from search.versioning import listings_version

# Form fields in page order, so the error summary lists errors as the form shows them.
ERROR_ORDER = [
    "q",
    "near",
    "radius",
    "kind",
    "service",
    "client_group",
    "language",
    "gender",
    "day",
    "time",
    "max_price",
    "new_clients",
    "accredited",
    "sort",
    "page",
]


# The fields inside the folding filter panel, to say on its summary how many are chosen.
FILTER_FIELDS = ["kind", "service", "client_group", "language", "gender", "day", "time", "max_price"]
FILTER_FIELDS += ["new_clients", "accredited"]


def chosen_filter_count(query: QueryDict) -> int:
    return sum(len([value for value in query.getlist(name) if value.strip()]) for name in FILTER_FIELDS)


def filter_panel_key(query: QueryDict, *, has_results: bool) -> str:
    """What the rendered filter panel depends on besides the listings version: the choices in the
    query string (not the page or the sort, which the panel does not show) and whether there are counts."""
    chosen = sorted((name, values) for name, values in query.lists() if name not in ("page", "sort"))
    return f"{has_results}:{chosen!r}"


def search_context(request: HttpRequest) -> dict[str, Any]:
    filterset = ProviderSearchFilterSet(request.GET, queryset=Provider.objects.published())
    form = filterset.form
    version = listings_version(request)
    context: dict[str, Any] = {
        "filterset": filterset,
        "form": form,
        "results": None,
        "chosen_filter_count": chosen_filter_count(request.GET),
        # The rendered filter panel is cached by these two (templates/cms/directory_results.html).
        "listings_version": version,
        "filter_panel_key": filter_panel_key(request.GET, has_results=False),
    }
    if not form.is_valid():
        context["error_list"] = [
            (name, message) for name in [*ERROR_ORDER, "__all__"] for message in form.errors.get(name, [])
        ]
        return context
    search = filterset.search_query()
    results = search_providers(search, version=version)
    context["filter_panel_key"] = filter_panel_key(request.GET, has_results=True)
    context["search"] = search
    context["results"] = results
    # One query for the page of results, whatever its length.
    context["paid_online"] = provider_uuids_paid_online(provider_ids=[hit.provider.pk for hit in results.hits])
    context["page_links"] = page_links(request.GET, results)
    if results.total and search.page > results.page_count:
        context["page_out_of_range"] = True
    return context


def page_links(query: QueryDict, results: SearchResults) -> dict[str, Any]:
    """GOV.UK pagination: previous, next and a window of numbered pages."""

    def url_for(page: int) -> str:
        params = query.copy()
        params["page"] = str(page)
        return "?" + params.urlencode()

    current, last = results.page, results.page_count
    window = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    items: list[dict[str, Any]] = []
    previous_number = 0
    for number in window:
        if number - previous_number > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": url_for(number), "current": number == current})
        previous_number = number
    return {
        "items": items if last > 1 else [],
        "previous": url_for(current - 1) if 1 < current <= last else None,
        "next": url_for(current + 1) if current < last else None,
        "first": url_for(1),
    }


def profile_context(request: HttpRequest, provider: Provider) -> dict[str, Any]:
    return {
        "provider": provider,
        # The settings as the page's context processor reads them: once per request, not twice.
        "prices": provider_profile_prices(provider=provider, council=_council_settings(request)),
        "availability_grid": provider.availability.grid(),
        # What the council checked and when, for an accredited provider (None otherwise).
        "accreditation_summary": public_check_summary(provider=provider),
        "show_contact": provider.has_consented_to_publish_contact,
        "can_be_paid_online": provider_can_be_paid_online(provider=provider),
        # Its own users and commissioners may look at a listing before it is published.
        "is_unpublished_preview": not provider.is_published,
        # Published reviews with their count and average, all from one list (marketplace.reviews).
        "reviews": published_reviews(provider=provider),
    }


def accredited_list_context(request: HttpRequest) -> dict[str, Any]:
    groups = accredited_suppliers_by_kind_and_locality()
    return {"kind_groups": groups, "accredited_count": sum(group.count for group in groups)}


def _council_settings(request: HttpRequest) -> Any:
    from .models import CouncilSettings

    return CouncilSettings.for_request(request)
