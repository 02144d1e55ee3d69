"""The Content-Security-Policy: what a page may load and run (django-csp).

Public pages: scripts only from this site, and the two inline scripts of
templates/base.html by nonce (GOV.UK Frontend's "js-enabled" class and its
module import). The Wagtail admin still has inline scripts of its own, so
under /admin/ scripts from this site and inline scripts are allowed, nothing
from elsewhere. Styles allow 'unsafe-inline' everywhere: the admin and the
charts use style attributes, which nonces cannot cover, and injected styles
cannot run code. See docs/decisions/0025-never-a-500.md.
"""

from typing import cast

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

ADMIN_PREFIX = "/admin/"


class SitePolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(ADMIN_PREFIX) and not report_only:
            directives = cast(dict[str, list[str]], settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
            script_sources = list(directives["script-src"])
            admin_sources = [source for source in script_sources if "nonce" not in str(source)] + [UNSAFE_INLINE]
            parts.replace = {**(parts.replace or {}), "script-src": admin_sources}
            parts.nonce = None
        return parts
