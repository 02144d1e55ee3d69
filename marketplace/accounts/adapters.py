"""How django-allauth behaves here: where people land, our wording, queued email, encrypted secrets."""

import logging
import secrets
from typing import Any
from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from marketplace.core.encryption import decrypt_text, encrypt_text
from marketplace.core.outbox import outbox_enqueue

from . import throttle
from .hooks import run_after_sign_in
from .selectors import user_belongs_to_a_provider, user_must_use_multi_factor

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The client's address as allauth reads it (behind ALLAUTH_TRUSTED_PROXY_COUNT proxies), or 'unknown'."""
    try:
        return str(DefaultAccountAdapter(request).get_client_ip(request))
    except PermissionDenied:
        return "unknown"


def _login_of(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": "Enter a correct email address and password",
        # allauth's own login-failure limit is off; marketplace.accounts.throttle names the limit that applied.
        "too_many_login_attempts": "You have made too many attempts. Wait a few minutes, then try again.",
        "rate_limited": "You have made too many requests. Wait a minute, then try again.",
        "incorrect_code": "Enter the 6-digit code shown in your authenticator app",
        "incorrect_password": "Your password is not correct",
        "enter_current_password": "Your current password is not correct",
        "account_inactive": "This account has been closed",
        "email_taken": "An account already uses this email address",
        "duplicate_email": "This email address is already on your account",
        "same_as_current": "Enter a different email address from your current one",
    }

    def login(self, request: HttpRequest, user: Any) -> None:
        """Sign in, then run the sign-in hooks other apps registered (a shortlist kept while signed out)."""
        super().login(request, user)
        run_after_sign_in(request, user)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Where a person lands after signing in when no `next` was given.

        Provider users go to their listings, council staff to the admin, everyone else home.
        """
        user = request.user
        if user.has_perm("wagtailadmin.access_admin"):
            return "/admin/"
        if user_belongs_to_a_provider(user):
            return "/provider/"
        return super().get_login_redirect_url(request)

    def get_email_confirmation_url(self, request: HttpRequest, emailconfirmation: Any) -> str:
        """The link in the confirmation email, carrying the page the person was on their way to.

        Someone who follows "Join the directory" signs up with next=/provider/join/; the link
        keeps it, so confirming (in this browser or another) leads back to starting a listing.
        """
        url: str = super().get_email_confirmation_url(request, emailconfirmation)
        next_url = (request.POST.get("next") or request.GET.get("next") or "") if request is not None else ""
        if next_url.startswith("/") and not next_url.startswith("//") and self.is_safe_url(next_url):
            return f"{url}?{urlencode({'next': next_url})}"
        return url

    # Wrong passwords: growing delays per account and device/address, and a daily cap for unknown
    # devices (marketplace.accounts.throttle), instead of a lockout anyone could trigger.
    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        account = throttle.account_key(_login_of(credentials))
        refusal = throttle.throttle_refusal(
            policy=throttle.PASSWORDS,
            account=account,
            device=throttle.device_of(request, account),
            address=client_address(request),
        )
        if refusal:
            raise forms.ValidationError(refusal, code="throttled")
        super().pre_authenticate(request, **credentials)

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        account = throttle.account_key(_login_of(credentials))
        throttle.throttle_failed(
            policy=throttle.PASSWORDS,
            account=account,
            device=throttle.device_of(request, account),
            address=client_address(request),
        )

    def authenticate(self, request: HttpRequest, **credentials: Any) -> Any:
        user = super().authenticate(request, **credentials)
        if user is not None:
            account = throttle.account_key(_login_of(credentials))
            throttle.throttle_succeeded(
                policy=throttle.PASSWORDS,
                account=account,
                device=throttle.device_of(request, account),
                address=client_address(request),
            )
        return user

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse:
        """Signed in (password and any code): this browser becomes a known device for the account."""
        response: HttpResponse = super().post_login(request, user, **kwargs)
        account = throttle.account_key(user.email)
        device = throttle.device_of(request, account) or secrets.token_urlsafe(16)
        response.set_cookie(
            throttle.DEVICE_COOKIE, throttle.device_cookie_value(account, device), **throttle.device_cookie_settings()
        )
        return response

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials: Any) -> None:
        """A password reset: the daily count of unknown devices' failures starts again."""
        super()._delete_login_attempts_cached_email(request, **credentials)
        throttle.throttle_forget_account(
            account=throttle.account_key(_login_of(credentials)), address=client_address(request)
        )

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render allauth's email now and keep it in the outbox, sent after the transaction commits.

        The same path as marketplace.core.notifications.email_send: a mail
        service that is down delays the message (retried for two days), it does
        not fail the request nor lose the message.
        """
        from allauth.core import context as allauth_context
        from django.contrib.sites.shortcuts import get_current_site

        request = allauth_context.request
        full_context = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        message = self.render_mail(template_prefix, email, full_context)
        html_body = next(
            (str(content) for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), ""
        )
        outbox_enqueue(to=list(message.to), subject=message.subject, body=message.body, html_body=html_body)


class MultiFactorAdapter(DefaultMFAAdapter):
    """Our wording; council staff keep their authenticator app; secrets are encrypted at rest.

    Authenticator secrets and recovery-code seeds are encrypted with
    FIELD_ENCRYPTION_KEYS (allauth stores them in the clear by default).
    """

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": "Enter the 6-digit code shown in your authenticator app",
        "cannot_delete_authenticator": "Your role needs two-factor authentication, so you cannot turn it off",
        "unverified_email": "Confirm your email address before you set up two-factor authentication",
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type == Authenticator.Type.TOTP and user_must_use_multi_factor(authenticator.user):
            return False
        return bool(super().can_delete_authenticator(authenticator))

    def encrypt(self, text: str) -> str:
        return encrypt_text(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_text(encrypted_text)
