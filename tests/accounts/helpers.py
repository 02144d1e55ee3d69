"""Steps the account tests share: signing in as a person would, reading links from emails."""

import re
from typing import Any
from urllib.parse import urlparse

from django.core import mail
from django.test import Client
from django.urls import reverse

from marketplace.accounts.totp import totp_code
from tests.factories import TEST_TOTP_SECRET

PASSWORD = "correct horse battery staple"


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra: str) -> Any:
    """Post the sign-in form."""
    return client.post(reverse("account_login"), {"login": email, "password": password, **extra})


def enter_code(client: Client, code: str | None = None) -> Any:
    """Post the two-factor step with the authenticator app's current code (TEST_TOTP_SECRET)."""
    return client.post(reverse("mfa_authenticate"), {"code": code or totp_code(TEST_TOTP_SECRET)})


def link_in_last_email(to: str) -> str:
    """The path of the first link to this site in the newest email sent to `to`."""
    messages = [message for message in mail.outbox if to in message.to]
    assert messages, f"No email to {to}; sent: {[message.to for message in mail.outbox]}"
    match = re.search(r"https?://[^\s/]+(/\S+)", messages[-1].body)
    assert match, messages[-1].body
    return urlparse(match.group(0)).path


def page_text(response: Any) -> str:
    """The page's text with tags removed and spaces collapsed, for asserting on wording."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()
