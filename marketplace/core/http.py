"""Facts about the HTTP request that every web edge reads the same way."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address, trusting X-Forwarded-For only as far as our own proxies."""
    trusted_proxies = settings.OPENREFERRAL_TRUSTED_PROXY_COUNT
    if trusted_proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= trusted_proxies:
            return forwarded[-trusted_proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
