"""The cookies this site sets, read from the settings and code that set them.

The cookies page draws its table from here, so renaming a cookie in the
settings changes the page too; tests/cms/test_statements.py checks that every
cookie a visit to the site sets is in this list.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage

from marketplace.accounts import throttle


@dataclass(frozen=True)
class SiteCookie:
    name: str
    purpose: str
    expires: str


def _session_expiry() -> str:
    days = settings.SESSION_COOKIE_AGE // (60 * 60 * 24)
    return f"When you close your browser, or after {days} days if you choose to stay signed in"


def site_cookies() -> list[SiteCookie]:
    """Every cookie the site sets, all of them essential: none tracks you or measures use."""
    return [
        SiteCookie(
            name=settings.SESSION_COOKIE_NAME,
            purpose="Keeps you signed in, and remembers your shortlist and answers as you move between pages",
            expires=_session_expiry(),
        ),
        SiteCookie(
            name=settings.CSRF_COOKIE_NAME,
            purpose="Stops other websites sending forms to this one in your name",
            expires=f"After {settings.CSRF_COOKIE_AGE // (60 * 60 * 24 * 7)} weeks",
        ),
        SiteCookie(
            name=CookieStorage.cookie_name,
            purpose="Shows a message once after you do something, such as “Your changes have been saved”",
            expires="When the message has been shown",
        ),
        SiteCookie(
            name=throttle.DEVICE_COOKIE,
            purpose="Remembers that you have signed in on this device before, so we can slow down "
            "people guessing your password on other devices without locking you out",
            expires=f"After {throttle.DEVICE_COOKIE_DAYS} days",
        ),
    ]
