"""Commissioners and editors work with two-factor authentication or not at all."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .selectors import user_has_totp, user_must_use_multi_factor

# Pages a person may still reach before setting up an authenticator app: the
# allauth account and two-factor pages (set-up, sign-out, email confirmation).
ALLOWED_URL_NAME_PREFIXES = ("account_", "mfa_")
WAGTAIL_ADMIN_LOGIN_PATH = "/admin/login/"


class RequireMultiFactorMiddleware:
    """Send a commissioner or editor without an authenticator app to set one up.

    They may reach nothing but the account pages until they have, because
    their role opens every listing, the admin and the council's records.
    Wagtail's own sign-in page is also sent to allauth's, keeping `next`, so
    the admin cannot be entered around the second factor.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if request.path_info == WAGTAIL_ADMIN_LOGIN_PATH:
            query = {"next": request.GET["next"]} if request.GET.get("next") else {}
            location = reverse("account_login") + (f"?{urlencode(query)}" if query else "")
            return HttpResponseRedirect(location)
        if getattr(view_func, "serves_open_data", False):
            return None  # open data answers everyone alike: reading the user would add `Vary: Cookie`
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        url_name = request.resolver_match.url_name if request.resolver_match else None
        if url_name and url_name.startswith(ALLOWED_URL_NAME_PREFIXES):
            return None
        if not user_must_use_multi_factor(user) or user_has_totp(user):
            return None
        messages.warning(
            request,
            "Your role needs two-factor authentication. Set up an authenticator app to continue.",
        )
        return HttpResponseRedirect(reverse("mfa_activate_totp") + "?" + urlencode({"next": request.get_full_path()}))
