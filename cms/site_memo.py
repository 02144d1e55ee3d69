"""What Wagtail looks up on every page, kept per listings version in each process (decision 0048).

A page served by Wagtail for someone with a session (signed in, or with a
shortlist) is rendered every time: the whole-page cache (cms/page_cache.py)
is only for visitors without one. Before its own work, every such page asked
the database for the same things: the site for the host, the page for the
path (one query per level of the tree), the council's settings and the
footer's links (the directory and the statement pages). None of them depends
on the visitor, and every write to them gives the listings a new version
(`cms/invalidation.py`: sites, pages, settings), so each process keeps them
for the current version, like the search results:

- `WagtailRouteMemoMiddleware` puts the site and the route for a GET on the
  request, where Wagtail's `serve` view and `Site.find_for_request` look for
  them first (`request._wagtail_site`, `request._wagtail_route_for_request`),
  and the council's settings where `CouncilSettings.for_request` looks (a
  copy per request: Wagtail stores the request on the instance).
- `footer_links` keeps the footer's addresses as plain strings.

Page view restrictions are still checked on every request by Wagtail's own
hook (whether a visitor passes one is theirs), but which restrictions the
page and its ancestors have is kept with the route (a restriction's writes
change the version too). What is kept is shared by the threads of a worker
and only read: the page objects are Wagtail's, routed once, and used only to
serve.
"""

import copy
import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, get_urlconf, resolve
from wagtail.models import Page, Site
from wagtail.views import serve as wagtail_serve

from search.versioning import VersionMemo, listings_version

# Routes, sites and settings for the current version: one entry per address asked for (a profile each).
route_memo = VersionMemo(entries=512)
# The footer's links per site root for the current version.
footer_memo = VersionMemo(entries=16)


def wagtail_path(request: HttpRequest) -> str | None:
    """The page path Wagtail's `serve` is given for this request, or None when Wagtail does not serve it."""
    return _wagtail_path(get_urlconf() or settings.ROOT_URLCONF, request.path_info)


@functools.lru_cache(maxsize=1024)
def _wagtail_path(urlconf: str, path_info: str) -> str | None:
    """Asked once per address: walking the URL patterns to Wagtail's catch-all at their end is a tenth of a
    millisecond, and the handler walks them again for the view (decision 0053)."""
    try:
        match = resolve(path_info, urlconf)
    except Resolver404:
        return None
    if match.func is not wagtail_serve:
        return None
    return str(match.args[0] if match.args else match.kwargs.get("path", ""))


def _site_root(request: HttpRequest) -> str:
    """The scheme, host and port the request came in on: what a site and its page addresses depend on."""
    return f"{request.scheme}://{request._get_raw_host()}"  # type: ignore[attr-defined]


def prime_wagtail_request(request: HttpRequest, path: str) -> None:
    """Put this version's site, route and council settings for this address on the request (look them up once)."""
    from .models import CouncilSettings

    version = listings_version(request)
    key = f"{_site_root(request)}|{path}"
    kept = route_memo.get(version, key)
    if kept is None:
        site = Site.find_for_request(request)
        route = Page.route_for_request(request, path)
        if site is None or route is None:
            return  # no site, or a 404: Wagtail answers it as usual
        council = CouncilSettings.for_site(site)
        page = route[0]
        # Wagtail's own hook checks the page's view restrictions on every request (whether this visitor
        # passes them is theirs); which restrictions there are is kept with the route. The page object
        # is this memo's own, used only to serve, so the admin still asks the database.
        restrictions = list(page.get_view_restrictions())
        page.get_view_restrictions = lambda: restrictions
        kept = (site, route, getattr(request, "routable_resolver_match", None), council)
        route_memo.set(version, key, kept)
    site, route, resolver_match, council = kept
    request._wagtail_site = site  # type: ignore[attr-defined]
    request._wagtail_route_for_request = route  # type: ignore[attr-defined]
    if resolver_match is not None:
        request.routable_resolver_match = resolver_match  # type: ignore[attr-defined]
    # Wagtail keeps the request on the settings it returns, so each request gets its own copy.
    own = copy.copy(council)
    own._request = request
    setattr(request, CouncilSettings.get_cache_attr_name(), own)


def footer_links(request: HttpRequest | None, name: str, compute: Callable[[], Any]) -> Any:
    """A footer value (its addresses and titles as plain data) for this version and site root, computed once."""
    if request is None:
        return compute()
    version = listings_version(request)
    return footer_memo.get_or_set(version, f"{_site_root(request)}|{name}", compute)


class WagtailRouteMemoMiddleware:
    """For a GET that Wagtail serves, its site, route and settings from this version's memo (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # Not for the request Wagtail makes up to preview a draft (it serves the draft, not the route).
        if request.method in ("GET", "HEAD") and not getattr(request, "is_dummy", False):
            path = wagtail_path(request)
            if path is not None:
                prime_wagtail_request(request, path)
        return self.get_response(request)
