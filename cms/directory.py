"""What the directory page shows: search results and provider profiles.

Thin: validation is the FilterSet's, searching the search API's, reading the
providers selectors'.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, QueryDict
from django.template import Context
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from marketplace.accounts.templatetags.account_tags import account_navigation
from marketplace.accreditation.public import accredited_suppliers_by_kind_and_locality, public_check_summary
from marketplace.payments.selectors import provider_can_be_paid_online, provider_ids_paid_online
from marketplace.providers.models import Provider
from marketplace.providers.selectors import provider_profile_prices
from marketplace.reviews.selectors import published_reviews
from search.api import search_providers
from search.filters import ProviderSearchFilterSet
from search.query import SearchResults
from search.versioning import (
    CACHE_SECONDS,
    VersionMemo,
    asked_before,
    cache_key,
    listings_version,
)

from .holes import Holes
from .templatetags.govuk import miles_away, pounds

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


@dataclass(frozen=True)
class RenderedResults:
    """The directory's results page as every visitor sees it, with a hole where each result's shortlist button goes.

    `segments` is the rendered body cut at the holes: the HTML before the first
    result's button, then for each result its listing's uuid, the button for a
    visitor whose shortlist has it ("On your shortlist", Remove), the button
    for one whose shortlist does not (Add to shortlist), and the HTML up to the
    next hole. Nothing in it depends on who is looking (decision 0048).
    """

    title: SafeString
    segments: tuple[str, ...]
    has_results: bool
    # False when the search answered with a notice (the search server was down): like the results
    # themselves (search/api.py), such a page is not kept, so the next request tries the server again.
    may_be_kept: bool = True

    @property
    def shortlist_holes(self) -> int:
        return (len(self.segments) - 1) // 4

    def html_for(self, shortlisted: set[str]) -> SafeString:
        """The body with this visitor's own buttons: theirs for the listings on their shortlist, "Add" for the rest."""
        parts = [self.segments[0]]
        for start in range(1, len(self.segments), 4):
            listing, on_shortlist, not_on_shortlist, after = self.segments[start : start + 4]
            parts.append(on_shortlist if listing in shortlisted else not_on_shortlist)
            parts.append(after)
        return mark_safe("".join(parts))


# The results pages this process rendered for the current listings version, as objects (no unpickling).
results_memo = VersionMemo(entries=128)


def results_key(request: HttpRequest, page: Any) -> str:
    """What the results page shows besides the listings version: the page, the full address (the search, its
    sort and page, the host its links use) and the day (the order and "not confirmed recently" depend on it)."""
    return cache_key(
        "directory-results",
        listings_version(request),
        page.pk,
        request.build_absolute_uri(),
        timezone.localdate().isoformat(),
    )


def rendered_results(request: HttpRequest, page: Any) -> RenderedResults:
    """The results page for this address, from this process's memo, then the shared cache, else rendered.

    An editor's preview of a draft comes at the live page's address with the draft's words: it is
    rendered afresh and never kept.
    """
    if getattr(request, "is_preview", False):
        return render_results(request, page)
    version = listings_version(request)
    key = results_key(request, page)
    rendered: RenderedResults | None = results_memo.get(version, key)
    if rendered is None:
        rendered = cache.get(key)
        if rendered is None:
            rendered = render_results(request, page)
            if not rendered.may_be_kept:
                return rendered
            if asked_before(key):  # shared from its second request on, as whole pages are (decision 0053)
                cache.set(key, rendered, CACHE_SECONDS)
        results_memo.set(version, key, rendered)
    return rendered


def render_results(request: HttpRequest, page: Any) -> RenderedResults:
    """Search and render the results for everyone: the templates get the query, never the request or the visitor."""
    context = search_context(request)
    # A new random mark each render: no listing, search words or page text can contain it.
    hole = f"\x00{secrets.token_hex(16)}\x00"
    context.update(
        {
            "page": page,
            # The page's address, asked of Wagtail once: the form, its "clear" link and each card use it.
            "page_url": page.url,
            "hole": hole,
            "first_page_query": query_without(request.GET, "page"),
            "words_query": query_with(request.GET, "match", "words"),
        }
    )
    context["cards"] = result_cards(context, page_url=context["page_url"], hole=hole)
    # No request given: a plain context, without the context processors' user, session, CSRF token or nonce.
    body = render_to_string("cms/includes/directory_results_body.html", context)
    title = render_to_string("cms/includes/directory_results_title.html", context)
    segments = tuple(body.split(hole))
    if len(segments) % 4 != 1:
        raise ValueError("Each result's shortlist hole needs its uuid and both of its buttons")
    return RenderedResults(
        title=mark_safe(title.strip()),
        segments=segments,
        has_results=context["results"] is not None,
        may_be_kept=not (context["results"] is not None and context["results"].notices),
    )


CARD_TEMPLATE = "cms/includes/directory_result.html"


class Card(NamedTuple):
    """What one result card shows, as the text it shows, and nothing else: the template draws it from these alone.

    Its booleans, and which of its texts are empty, are the card's shape: the
    template is drawn once a shape in each process, with holes for the texts,
    and each card is that drawing filled with its own texts (`card_html`,
    decision 0067).
    """

    page_url: str
    remove_url: str
    uuid: str
    slug: str
    name: str
    kind: str
    locality: str
    is_accredited: bool
    accredited_since: str  # "March 2021", or ""
    is_taking_new_clients: bool
    availability_is_stale: bool
    availability_confirmed_on: str  # "4 December 2026", or "" when never confirmed
    paid_online: bool
    summary: str
    distance: str  # "2.4 miles away", or "" for a search from no place
    matched_price: str  # "£18.00", or ""


KIND_LABELS = dict(Provider.Kind.choices)


def result_cards(context: dict[str, Any], *, page_url: str, hole: str) -> list[SafeString]:
    """The results' cards, each with this render's shortlist holes (`hole`) in it."""
    results: SearchResults | None = context["results"]
    if results is None:
        return []
    today = timezone.localdate()
    language = get_language()
    remove_url = reverse("engagement:shortlist_remove")
    cards = []
    for hit in results.hits:
        provider = hit.provider
        card = Card(
            page_url=page_url,
            remove_url=remove_url,
            uuid=str(provider.uuid),
            slug=provider.slug,
            name=provider.name,
            kind=str(KIND_LABELS.get(provider.kind, provider.kind)),
            locality=provider.locality.name if provider.locality else "",
            is_accredited=provider.is_accredited,
            accredited_since=day_text(provider.accredited_since, "F Y", language),
            is_taking_new_clients=provider.is_taking_new_clients,
            availability_is_stale=provider.availability_is_stale(today),
            availability_confirmed_on=day_text(provider.availability_confirmed_on, "j F Y", language),
            paid_online=provider.pk in context["paid_online"],
            summary=provider.summary,
            distance=miles_away(hit.distance_miles),
            matched_price=pounds(hit.matched_price) if hit.matched_price else "",
        )
        cards.append(card_html(card, hole))
    return cards


@lru_cache(maxsize=4096)
def day_text(day: date | None, format_string: str, language: str | None) -> str:
    """A day as the `date` filter writes it in this language ("" for none), worked out once a day and format:
    Django's formatting took about 15 µs, and a card shows two days (decision 0067)."""
    return date_format(day, format_string) if day else ""


CARD_HOLES = Holes()
# Each shape of card drawn, cut at its holes (`Card`): a few dozen shapes at most, as the template stands.
card_shapes: dict[tuple[bool, ...], tuple[str, ...]] = {}


def card_html(card: Card, hole: str) -> SafeString:
    """The card as its template draws it, from its shape's drawing filled with its texts escaped.

    Drawing the template took about 0.1 ms a card, most of a new search's
    time where few of its cards had been drawn before; filling a drawn shape
    takes a tenth of that, whatever the card (decision 0067).
    """
    shape = tuple(bool(value) for value in card)
    parts = card_shapes.get(shape)
    if parts is None:
        # The card with a hole's mark for each text that is not empty: the template sees the same shape.
        marked = Card._make(
            (CARD_HOLES.mark(name) if value else "") if isinstance(value, str) else value
            for name, value in zip(Card._fields, card, strict=True)
        )
        drawn = render_to_string(CARD_TEMPLATE, {"card": marked, "hole": CARD_HOLES.mark("hole")})
        parts = card_shapes.setdefault(shape, CARD_HOLES.cut(drawn))
    values = {
        name: Holes.escaped(value) for name, value in zip(Card._fields, card, strict=True) if isinstance(value, str)
    }
    values["hole"] = hole
    return mark_safe(CARD_HOLES.fill(parts, values))


# The ids of the listings that can be paid online, read once a listings version in each process (one query of
# the payable accounts alone): an account that becomes payable, or stops being, names its listing in a new
# version (marketplace.payments.services). Read whole rather than kept by listing (a `ListingMemo`), so a new
# search after a change that may be to every listing asks nothing more of the database (decision 0059).
paid_online_memo = VersionMemo(entries=1)


def listings_paid_online(version: str) -> frozenset[int]:
    """The ids of the listings that can be paid online, at this listings version."""
    return paid_online_memo.get_or_set(version, "all", lambda: frozenset(provider_ids_paid_online()))


RESULTS_TEMPLATE = "cms/directory_results.html"
# What each visitor sees of the results page as their own: the results with their shortlist buttons, and the forms.
RESULTS_CONTENT_TEMPLATE = "cms/includes/directory_results_content.html"
# The results page around its title and content, drawn once a listings version for visitors not signed in.
shells_memo = VersionMemo(entries=64)
SHELL_HOLES = Holes()


def results_page(request: HttpRequest, page: Any, context: dict[str, Any]) -> HttpResponse:
    """The results page: its title and this visitor's own part put into the page around them.

    The page around them (the header, the account links, the footer) is the
    same for every visitor who is not signed in but for the CSP nonce, and
    drawing it was a sixth of a new search's time. So for them it is drawn
    once a listings version, address and set of account links, with holes
    for the title, the content and the nonce (decision 0053). A signed-in
    visitor, or an editor's preview, gets it drawn whole.
    """
    directory: RenderedResults = context["directory"]
    context["directory_title"] = directory.title
    # The search to save, as hidden fields of the save-search form: the query without its page and sort.
    context["saved_search_fields"] = format_html_join(
        "",
        '<input type="hidden" name="{}" value="{}">',
        ((name, value) for name, values in request.GET.lists() if name not in ("page", "sort") for value in values),
    )
    context["directory_content"] = render_to_string(RESULTS_CONTENT_TEMPLATE, context, request)
    if request.user.is_authenticated or getattr(request, "is_preview", False):
        return TemplateResponse(request, RESULTS_TEMPLATE, context)
    holes = ("directory_title", "directory_content")
    return HttpResponse(page_around(request, RESULTS_TEMPLATE, context, holes=holes, page_pk=page.pk))


def page_around(
    request: HttpRequest, template_name: str, context: dict[str, Any], *, holes: tuple[str, ...], page_pk: int
) -> str:
    """The template drawn for this request with the context's values of `holes`, its surround kept per version."""
    version = listings_version(request)
    links = account_navigation(Context({"request": request}))
    key = cache_key("shell", version, template_name, holes, page_pk, request.build_absolute_uri(request.path), links)
    nonce = str(request.csp_nonce)  # type: ignore[attr-defined]

    def draw() -> tuple[str, ...]:
        marks = {name: SHELL_HOLES.mark(name) for name in holes}
        html = render_to_string(template_name, {**context, **marks}, request)
        return SHELL_HOLES.cut(html.replace(nonce, SHELL_HOLES.mark("nonce")))

    parts = shells_memo.get_or_set(version, key, draw)
    # The nonce is a hole too.
    return Holes.fill(parts, {**{name: str(context[name]) for name in holes}, "nonce": nonce})


def query_without(query: QueryDict, *names: str) -> str:
    """The query string without some parameters, for links like 'go to the first page'."""
    encoded = _encoded((name, values) for name, values in query.lists() if name not in names)
    return f"?{encoded}" if encoded else "?"


def query_with(query: QueryDict, name: str, value: str) -> str:
    """The query string with one parameter set, where it was or else last (and back to the first page)."""
    lists = [(each, [value] if each == name else values) for each, values in query.lists() if each != "page"]
    if name not in query:
        lists.append((name, [value]))
    return f"?{_encoded(lists)}"


def search_context(request: HttpRequest) -> dict[str, Any]:
    version = listings_version(request)
    filterset = ProviderSearchFilterSet(request.GET, queryset=Provider.objects.published(), version=version)
    form = filterset.form
    context: dict[str, Any] = {
        "filterset": filterset,
        "form": form,
        "results": None,
        "chosen_filter_count": chosen_filter_count(request.GET),
        # Named whatever the search, so the templates never look up a name that is not there (Django's lookup of
        # a missing name raises and catches three exceptions: about a tenth of the results body's time).
        "error_list": [],
        "page_out_of_range": False,
        # The terms' own version, which the kept form fields belong to (govuk's search_field).
        "terms_version": filterset.catalogue.version,
    }
    if not form.is_valid():
        context["error_list"] = [
            (name, message) for name in [*ERROR_ORDER, "__all__"] for message in form.errors.get(name, [])
        ]
        return context
    search = filterset.search_query()
    results = search_providers(search, version=version)
    context["search"] = search
    context["results"] = results
    # The ids of the listings that can be paid online: at most one query a version, whatever the page's length.
    context["paid_online"] = listings_paid_online(version)
    context["page_links"] = page_links(request.GET, results)
    if results.total and search.page > results.page_count:
        context["page_out_of_range"] = True
    return context


def page_links(query: QueryDict, results: SearchResults) -> dict[str, Any]:
    """GOV.UK pagination: previous, next and a window of numbered pages."""

    # The query around its page number encoded once, not once a link: each link is the same query with
    # its own page, where the address had one (else last).
    names = list(query)
    at = names.index("page") if "page" in query else len(names)
    before = _encoded((name, query.getlist(name)) for name in names[:at])
    after = _encoded((name, query.getlist(name)) for name in names[at + 1 :])

    def url_for(page: int) -> str:
        return "?" + "&".join(part for part in (before, f"page={page}", after) if part)

    current, last = results.page, results.page_count
    window = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    items: list[dict[str, Any]] = []
    previous_number = 0
    for number in window:
        if number - previous_number > 1:
            items.append({"ellipsis": True, "number": None, "href": "", "current": False})
        items.append({"ellipsis": False, "number": number, "href": url_for(number), "current": number == current})
        previous_number = number
    return {
        "items": items if last > 1 else [],
        "previous": url_for(current - 1) if 1 < current <= last else None,
        "next": url_for(current + 1) if current < last else None,
        "first": url_for(1),
    }


def _encoded(lists: Iterable[tuple[str, list[str]]]) -> str:
    """Parameters and their values as a query string, encoded as `QueryDict.urlencode` does without copying one."""
    return urlencode([(name, value) for name, values in lists for value in values])


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
