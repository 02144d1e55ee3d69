"""What every ORUK response shares: open CORS, JSON errors, caching, a rate limit.

`open_data_view` wraps each view. Requests are counted per client address in
fixed one-minute windows in Django's cache (see the decision record for why
not a library); a client over the limit gets 429 with Retry-After. Responses
carry Cache-Control, an ETag of the body and Last-Modified where known, and
a matching If-None-Match or If-Modified-Since gets 304.

`cached_by_listings_version` keeps the answers of the views that read the
listings by address and listings version (decision 0042), under the rate
limit and the conditional answers, which still run on every request.
"""

import functools
import hashlib
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.csrf import csrf_exempt

from marketplace.core.http import client_address
from search.versioning import CACHE_SECONDS, VersionMemo, cache_key, listings_version

ALLOWED_METHODS = ("GET", "HEAD", "OPTIONS")
RATE_LIMIT_WINDOW_SECONDS = 60
# This process's latest answers as bytes, for the current listings version (no unpickling).
answers_memo = VersionMemo(entries=128)


class ApiError(Exception):
    """A request the API cannot answer; the message is for the person writing the client."""

    def __init__(self, status: int, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or {}


def error_response(status: int, message: str, errors: dict[str, list[str]] | None = None) -> JsonResponse:
    body: dict[str, Any] = {"status": status, "message": message}
    if errors:
        body["errors"] = errors
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def rate_limit_check(request: HttpRequest) -> tuple[bool, int, int]:
    """Count this request. Returns (allowed, remaining, seconds until the window resets)."""
    limit = settings.OPENREFERRAL_RATE_LIMIT_PER_MINUTE
    now = time.time()
    window = int(now // RATE_LIMIT_WINDOW_SECONDS)
    reset = RATE_LIMIT_WINDOW_SECONDS - int(now % RATE_LIMIT_WINDOW_SECONDS)
    if not limit:
        return True, 0, reset
    key = f"openreferral:rate:{window}:{hashlib.sha256(client_address(request).encode()).hexdigest()[:32]}"
    # add() then incr() is atomic on Redis and Memcached and per process on the local-memory cache.
    cache.add(key, 0, timeout=RATE_LIMIT_WINDOW_SECONDS + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=RATE_LIMIT_WINDOW_SECONDS + 5)
        count = 1
    return count <= limit, max(0, limit - count), reset


def add_open_headers(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = ", ".join(ALLOWED_METHODS)
    response["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
    response["Access-Control-Expose-Headers"] = (
        "ETag, Last-Modified, Retry-After, RateLimit-Limit, RateLimit-Remaining"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def json_response(data: Any, *, last_modified: datetime | None = None) -> JsonResponse:
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    return response


def _finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Caching headers on successful reads, and 304 when the client already has this body."""
    if response.status_code == 200 and request.method in ("GET", "HEAD"):
        patch_cache_control(response, public=True, max_age=settings.OPENREFERRAL_CACHE_SECONDS)
        patch_vary_headers(response, ["Accept-Encoding"])
        response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
        last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
        conditional = get_conditional_response(
            request, etag=response["ETag"], last_modified=last_modified, response=response
        )
        if conditional is not None:
            response = conditional
    elif response.status_code >= 400:
        patch_cache_control(response, no_store=True)
    return add_open_headers(response)


def open_data_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Open access for one ORUK endpoint: methods, rate limit, errors as JSON, CORS and caching."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "OPTIONS":
            preflight = HttpResponse(status=204)
            preflight["Access-Control-Max-Age"] = "86400"
            return add_open_headers(preflight)
        if request.method not in ("GET", "HEAD"):
            response: HttpResponse = error_response(405, "Only GET is supported: this API is read-only.")
            response["Allow"] = ", ".join(ALLOWED_METHODS)
            return add_open_headers(response)
        allowed, remaining, reset = rate_limit_check(request)
        if not allowed:
            response = error_response(
                429,
                f"Too many requests: the limit is {settings.OPENREFERRAL_RATE_LIMIT_PER_MINUTE} a minute. "
                f"Try again in {reset} seconds.",
            )
            response["Retry-After"] = str(reset)
        else:
            try:
                response = view(request, *args, **kwargs)
            except ApiError as error:
                response = error_response(error.status, error.message, error.errors)
        if settings.OPENREFERRAL_RATE_LIMIT_PER_MINUTE:
            response["RateLimit-Limit"] = str(settings.OPENREFERRAL_RATE_LIMIT_PER_MINUTE)
            response["RateLimit-Remaining"] = str(remaining)
        return _finish(request, response)

    # Read-only, and every other method is answered 405 above: the CSRF check would
    # otherwise answer a POST with Django's HTML 403 page before this view ran.
    exempt = csrf_exempt(wrapped)
    # The same for everyone: nothing may read the session (it would add `Vary: Cookie` and spoil shared
    # caches of open data). The two-factor middleware reads this mark and leaves the user alone.
    exempt.serves_open_data = True  # type: ignore[attr-defined]
    return exempt


def cached_by_listings_version(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Keep a data view's successful GET answers by full address, listings version and date.

    Goes inside `open_data_view`, so each request is still counted against the
    rate limit and gets its ETag and 304. Errors (ApiError) are never kept.
    """

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "GET":
            return view(request, *args, **kwargs)
        version = listings_version(request)
        key = cache_key("openreferral", version, request.build_absolute_uri(), timezone.localdate().isoformat())
        kept = answers_memo.get(version, key)
        if kept is None:
            kept = cache.get(key)
            if kept is not None:
                answers_memo.set(version, key, kept)
        if kept is not None:
            content, headers = kept
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            kept = (response.content, tuple(response.items()))
            cache.set(key, kept, CACHE_SECONDS)
            answers_memo.set(version, key, kept)
        return response

    return wrapped
