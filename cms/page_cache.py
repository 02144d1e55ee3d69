"""Whole public pages cached for visitors without a session (decision 0042).

A visitor with no session cookie sees the same page as every other such
visitor: not signed in, no shortlist, no messages. For them, a page Wagtail
serves (home, advice, the directory's results and profiles) is rendered once
per address and listings version, on its second request, and then served
from the cache:

- The key is the full address (scheme, host, path, query), the listings
  version (search/versioning.py), the local date and the same-site page
  above this one the visitor came from (a profile's back link returns to the
  search they came from). Every write that changes
  what a public page shows gives the listings a new version: the service
  that writes it (providers, accreditation, reviews, payments), or for what
  Wagtail itself writes (pages, sites, settings, snippets) the receivers in
  `cms/invalidation.py` (decision 0045). So a change shows on
  the very next request in every worker and nothing has to be deleted.
- Only plain successful HTML is kept: status 200, no cookie set by the page,
  no session written, no message queued, nothing private (`Cache-Control`),
  no `Vary` beyond `Cookie` and `Accept-Encoding`.
- What differs per response is put back on every hit. The CSP nonce of the
  page's inline scripts is a fresh one each time (a nonce an attacker could
  read from the cache would defeat it), and the CSRF token of the page's POST
  forms (shortlist, saved search) is this visitor's own, masked afresh, with
  the cookie set when they have none. If a token appears anywhere other than
  a form's hidden input, the page is not cached.
- A signed-in visitor (or anyone with a session) never reads or fills the
  cache: their pages show who they are and what they have shortlisted.
- A page is kept when it is asked for a second time (`asked_before`): most
  searches are made once, and keeping them cost each a tenth of its time and
  pushed the pages many people ask for out of the cache (decision 0053).
  `X-Page-Cache` says "hit" for a page from the cache, "miss" for one rendered.

The open data API caches its own answers (marketplace/openreferral/http.py):
its rate limit, ETags and conditional answers must run on every request.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import (  # type: ignore[attr-defined]
    CSRF_ALLOWED_CHARS,
    CSRF_TOKEN_LENGTH,
    _unmask_cipher_token,
    get_token,
)
from django.utils import timezone
from django.utils.cache import cc_delim_re, patch_vary_headers  # type: ignore[attr-defined]

from search.versioning import CACHE_SECONDS, VersionMemo, asked_before, cache_key, listings_version

from .site_memo import wagtail_path

HEADER = "X-Page-Cache"
# Stand-ins kept in the cached body for what each response gets afresh. Neither can occur in a page:
# the characters are outside both a nonce's base64 and a token's letters and digits.
NONCE_MARK = b"\x00page-cache-nonce\x00"
CSRF_MARK = b"\x00page-cache-csrf\x00"
CACHEABLE_TYPES = ("text/html",)
ALLOWED_VARY = {"cookie", "accept-encoding"}
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')
# Every byte but a character of Django's CSRF tokens (ASCII letters and digits) made a space: the page's
# runs of such characters are then its words, and a token is one of CSRF_TOKEN_LENGTH. Three times
# quicker over a results page than a regular expression with lookarounds, which tries every position
# (decision 0052).
NOT_TOKEN_TO_SPACE = bytes(byte if chr(byte) in CSRF_ALLOWED_CHARS else 32 for byte in range(256))

# Whole pages in this process, without pickling, for the current version (a few dozen addresses
# take most visits; each entry is one page's bytes).
pages_memo = VersionMemo(entries=128)


@dataclass(frozen=True)
class CachedPage:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    varies_by_cookie: bool
    has_nonce: bool
    has_csrf: bool


def request_may_use_cache(request: HttpRequest) -> bool:
    """A GET from someone with no session and no messages waiting, for a page Wagtail serves."""
    if request.method != "GET":
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    return wagtail_path(request) is not None


def referrer_above(request: HttpRequest) -> str:
    """The same-site page above this one that the visitor came from ("" if none).

    A profile's back link returns to the search the visitor came from
    (`back_to_search_url`, read from the Referer), so pages are kept apart by a
    referrer on this host whose path is an ancestor of this page's path. Other
    referrers cannot change a page, so they do not split the cache.
    """
    referrer = urlsplit(request.META.get("HTTP_REFERER", ""))
    if referrer.netloc != request.get_host():
        return ""
    path = request.path
    if referrer.path == path or not path.startswith(referrer.path):
        return ""
    return f"{referrer.path}?{referrer.query}"


def page_key(request: HttpRequest) -> str:
    version = listings_version(request)
    return cache_key(
        "page", version, request.build_absolute_uri(), referrer_above(request), timezone.localdate().isoformat()
    )


def _vary_is_allowed(response: HttpResponseBase) -> bool:
    if not response.has_header("Vary"):
        return True
    return {field.strip().lower() for field in cc_delim_re.split(response["Vary"])} <= ALLOWED_VARY


def _is_private(response: HttpResponseBase) -> bool:
    control = response.get("Cache-Control", "").lower()
    return any(word in control for word in ("private", "no-store", "no-cache"))


def _wrote_state(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return True
    messages = getattr(request, "_messages", None)
    return bool(messages is not None and getattr(messages, "_queued_messages", None))


def possible_tokens(body: bytes) -> list[bytes]:
    """Every run of exactly 64 ASCII letters and digits in the body: where a CSRF token could be."""
    return [word for word in body.translate(NOT_TOKEN_TO_SPACE).split() if len(word) == CSRF_TOKEN_LENGTH]


def page_to_keep(request: HttpRequest, response: HttpResponseBase) -> CachedPage | None:
    """The response as it may be served to the next visitor, or None when it must not be kept."""
    if not isinstance(response, HttpResponse) or response.streaming or response.status_code != 200:
        return None
    if response.get("Content-Type", "").split(";")[0].strip().lower() not in CACHEABLE_TYPES:
        return None
    if response.cookies or _is_private(response) or not _vary_is_allowed(response) or _wrote_state(request):
        return None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return None
    body = response.content
    nonce = getattr(request, "_csp_nonce", None)
    has_nonce = isinstance(nonce, str) and bool(nonce)
    if has_nonce:
        body = body.replace(str(nonce).encode(), NONCE_MARK)
    # get_token() (the templates' {% csrf_token %}) marks the cookie for renewal; nothing else does.
    has_csrf = bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))
    if has_csrf:
        secret = request.META.get("CSRF_COOKIE", "")
        if not secret:
            return None

        def is_this_token(token: bytes) -> bool:
            return _unmask_cipher_token(token.decode()) == secret

        def to_mark(match: re.Match[bytes]) -> bytes:
            if not is_this_token(match.group(1)):
                return match.group(0)
            return match.group(0).replace(match.group(1), CSRF_MARK)

        body = CSRF_INPUT.sub(to_mark, body)
        if any(is_this_token(token) for token in possible_tokens(body)):
            return None  # the token is somewhere other than a form's hidden input
    session = getattr(request, "session", None)
    vary = response.get("Vary", "")
    return CachedPage(
        status=response.status_code,
        headers=tuple((name, value) for name, value in response.items() if name.lower() != "vary"),
        body=body,
        varies_by_cookie=bool(session is not None and session.accessed) or "cookie" in vary.lower(),
        has_nonce=has_nonce,
        has_csrf=has_csrf,
    )


def response_from(request: HttpRequest, page: CachedPage) -> HttpResponse:
    """The cached page for this visitor: their own nonce and CSRF token put back."""
    body = page.body
    if page.has_nonce:
        body = body.replace(NONCE_MARK, str(request.csp_nonce).encode())  # type: ignore[attr-defined]
    if page.has_csrf:
        body = body.replace(CSRF_MARK, get_token(request).encode())
    response = HttpResponse(body, status=page.status)
    for name, value in page.headers:
        response[name] = value
    if page.varies_by_cookie:
        patch_vary_headers(response, ("Cookie",))
    response[HEADER] = "hit"
    return response


class PublicPageCacheMiddleware:
    """Serve and keep whole public pages for visitors without a session (see the module's note).

    After the session, CSRF, authentication and messages middleware, so that on a
    hit the CSRF cookie is still set for a new visitor and the session and
    messages are known to be empty; inside the CSP middleware, which writes the
    header for the nonce each hit puts in the page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request_may_use_cache(request):
            return self.get_response(request)
        key = page_key(request)
        version = listings_version(request)
        page = pages_memo.get(version, key)
        if page is None:
            page = cache.get(key)
            if page is not None:
                pages_memo.set(version, key, page)
        if page is not None:
            return response_from(request, page)
        response = self.get_response(request)
        response[HEADER] = "miss"
        if not asked_before(key):
            return response  # kept on its second request only (decision 0053)
        kept = page_to_keep(request, response)
        if kept is not None:
            cache.set(key, kept, CACHE_SECONDS)
            pages_memo.set(version, key, kept)
        return response
