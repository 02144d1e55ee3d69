"""Steps more than one browser journey takes: signing in (council staff with their authenticator app),
reading a link from an email, GOV.UK date inputs, and axe on Wagtail's admin pages.
"""

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from allauth.mfa import app_settings as mfa_settings
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from fakestripe.testing import TEST_SECRET_KEY, FakeStripeProcess
from marketplace.accounts.totp import totp_code
from tests.browser.conftest import format_violations
from tests.factories import TEST_TOTP_SECRET

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
_last_code_period: dict[str, int] = {}


def fresh_totp_code(email: str) -> str:
    """The authenticator's code for a sign-in, waiting for the next one if this person just used it.

    The site takes each code once (as it should), so a journey that signs the
    same person in twice within one 30-second period must wait for a new code.
    """
    period = int(time.time()) // mfa_settings.TOTP_PERIOD
    if _last_code_period.get(email) == period:
        time.sleep((period + 1) * mfa_settings.TOTP_PERIOD - time.time() + 0.2)
        period += 1
    _last_code_period[email] = period
    return totp_code(TEST_TOTP_SECRET)


def link_in_email_to(address: str) -> str:
    """The path of the first link in the latest email sent to `address` (the locmem outbox)."""
    messages = [message for message in mail.outbox if address in message.to]
    assert messages, "no email was sent"
    match = re.search(r"https?://\S+", str(messages[-1].body))
    assert match, messages[-1].body
    return urlparse(match.group(0)).path


def fill_date(page: Page, legend: str, day: date) -> None:
    """Type a date into the GOV.UK date input whose fieldset has this legend."""
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def sign_in(page: Page, live_site: Any, email: str, next_path: str = "/", *, with_code: bool = False) -> None:
    """Through the site's sign-in page: email and password, then for council staff the authenticator app's
    code; returns once the browser has left the sign-in pages (so the next step cannot cut the sign-in short)."""
    page.goto(live_site.url(f"/accounts/login/?next={next_path}"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if with_code:
        page.get_by_label("Enter the code from your authenticator app").fill(fresh_totp_code(email))
        page.get_by_role("button", name="Continue").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/(login|2fa)/"))


def signed_in_window(browser: Browser, live_site: Any, email: str, next_path: str) -> Page:
    """A new browser window of its own (its own cookies), signed in as `email` and on `next_path`: for a journey
    that several people take turns in."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_site, email, next_path)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page


def sign_in_to_admin(page: Page, live_site: Any, email: str, password: str = PASSWORD) -> None:
    """Through the real sign-in: email, password, then the authenticator app's code; lands on the admin."""
    page.goto(live_site.url("/admin/"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Enter the code from your authenticator app").fill(fresh_totp_code(email))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(live_site.url("/admin/"))


def settled(page: Page) -> Page:
    """The page with its animations (Wagtail's messages fade in) run to their end, so axe sees the final colours.

    Finished at once rather than waited for: Wagtail's "what's new" badge pings for 25 seconds (5 times 5s),
    which waiting would add to every admin page. Endless animations (none at present) are left running.
    """
    page.evaluate(
        """() => document.getAnimations()
            .filter((animation) => Number.isFinite(animation.effect?.getComputedTiming().endTime))
            .forEach((animation) => animation.finish())"""
    )
    return page


def report_admin_violations(page: Page, axe_source: str, where: str) -> None:
    """Run axe on a whole admin page and print what it finds (Wagtail's own markup: reported, not failed)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)  # not a script tag: the Content-Security-Policy would block it
    violations = page.evaluate(
        "async () => (await window.axe.run(document, {resultTypes: ['violations']})).violations"
    )
    print(f"\n[axe, admin page: {where}] " + (format_violations(violations) if violations else "no violations"))


def sign_in_with_session(page: Page, live_site: Any, user: Any) -> None:
    """Sign the browser in as `user` (replacing whoever was) with a session made on the server."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_site.url("/")}]
    )


PLATFORM_WEBHOOK_SECRET = "whsec_browser_platform"
CONNECT_WEBHOOK_SECRET = "whsec_browser_connect"
WEBHOOKS_SETTLE_SECONDS = 20.0


@contextmanager
def fake_stripe_for(
    live_site: Any, tmp_path: Path, settings: Any, *, connect: bool = True
) -> Iterator[FakeStripeProcess]:
    """The project's fake Stripe, sending signed webhooks to the live site, and the site's settings pointed at it.

    `connect=False` sends only platform events (a journey that does not onboard an account needs no Connect
    events, and fewer deliveries means fewer writes racing the test on SQLite's one shared connection).
    """
    hooks = ["--webhook", f"{live_site.url('/payments/webhooks/stripe/')}={PLATFORM_WEBHOOK_SECRET}"]
    if connect:
        hooks += [
            "--connect-webhook",
            f"{live_site.url('/payments/webhooks/stripe/connect/')}={CONNECT_WEBHOOK_SECRET}",
        ]
    with FakeStripeProcess.start(tmp_path, *hooks, "--retry-base-seconds", "0.2") as running:
        settings.STRIPE_API_BASE = running.base_url
        settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
        settings.STRIPE_WEBHOOK_SECRET = PLATFORM_WEBHOOK_SECRET
        settings.STRIPE_CONNECT_WEBHOOK_SECRET = CONNECT_WEBHOOK_SECRET
        settings.PAYMENTS_ENABLED = True
        yield running


def webhooks_settled(fake: FakeStripeProcess) -> None:
    """Wait until the fake has delivered (or given up) every webhook, so the site has processed them.

    The live server shares the test's SQLite connection: touch the database only after this."""
    deadline = time.monotonic() + WEBHOOKS_SETTLE_SECONDS
    while time.monotonic() < deadline:
        log = fake.helper("/_fake/deliveries", method="GET")["data"]
        if all(item["delivered"] or item["abandoned"] for item in log):
            return
        time.sleep(0.1)
    raise AssertionError("the fake Stripe still has webhooks to deliver")
