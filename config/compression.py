"""Compress HTML and JSON where it is safe (decision 0036).

gzip over TLS leaks secrets in a page to anyone who can both inject text into
it and watch its size (BREACH). So only two kinds of response are compressed:

- JSON and HTML for a visitor without a session cookie: what they are shown is
  public (the directory, advice pages, the open data), and the one secret on
  such a page, the CSRF token, is masked afresh on every response;
- never a response to a signed-in session (its pages carry personal data),
  never the admin, never a response that is already encoded or not text
  (whitenoise serves static files pre-compressed, brotli first).

Django's GZipMiddleware also pads each response with random bytes (its own
BREACH mitigation); this subclass only decides which responses it may touch.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

COMPRESSIBLE_TYPES = ("text/html", "application/json", "application/schema+json", "application/geo+json")


def may_compress(request: HttpRequest, response: HttpResponseBase) -> bool:
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type not in COMPRESSIBLE_TYPES:
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    return not request.path_info.startswith("/admin/")


class SafeGZipMiddleware(GZipMiddleware):
    """gzip for public HTML and JSON only (see the module's note)."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not may_compress(request, response):
            return response
        return super().process_response(request, response)
