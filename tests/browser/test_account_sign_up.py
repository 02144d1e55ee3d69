"""A personal assistant creates an account and protects it with an authenticator app.

They sign up from the header, confirm their email address from the message
they receive, set up two-factor authentication, sign out, and sign in again
with their password and a code. Every page they see must be free of axe-core
violations; the forms work without JavaScript (plain posts), and the header's
sign-out is a form button.
"""

import re
import time
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import Page, expect

from marketplace.accounts.totp import totp_code
from tests.browser.helpers import link_in_email_to

pytestmark = pytest.mark.browser

EMAIL = "priya.shah@example.org"
PASSWORD = "a long and memorable passphrase"


def test_sign_up_confirm_set_up_two_factor_and_sign_in_with_a_code(page: Page, live_site, axe_check, screenshot):
    cache.clear()  # sign-in counters from other tests in this process
    mail.outbox.clear()

    page.goto(live_site.url("/"))
    page.get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    axe_check(page)
    page.get_by_role("link", name="create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    axe_check(page)

    # Mistakes first: an error summary that links to each field, and the email kept.
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("button", name="Create account").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Create a password")
    expect(page.get_by_label("Email address")).to_have_value(EMAIL)
    expect(page).to_have_title(re.compile(r"^Error: Create an account"))
    axe_check(page)
    screenshot(page, "sign-up-errors")

    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"We have sent an email to {EMAIL}")
    axe_check(page)
    screenshot(page, "check-your-email")

    page.goto(live_site.url(link_in_email_to(EMAIL)))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    axe_check(page)
    page.get_by_role("button", name="Confirm email address").click()

    # Confirming signs them in: the header now offers their account and signing out.
    navigation = page.get_by_role("navigation", name="Your account")
    expect(navigation.get_by_role("link", name="Account")).to_be_visible()
    expect(navigation.get_by_role("button", name="Sign out")).to_be_visible()
    axe_check(page)

    navigation.get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    axe_check(page)
    screenshot(page, "your-account")
    page.get_by_role("link", name="Set up two-factor authentication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor authentication")
    axe_check(page)
    page.get_by_role("button", name="Set up an authenticator app").click()

    # allauth asks for the password again before a security change.
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    axe_check(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    page.get_by_text("I cannot scan the QR code").click()
    secret = page.locator("#authenticator-secret").inner_text().strip()
    axe_check(page)
    screenshot(page, "set-up-authenticator")
    page.get_by_label("Enter the 6-digit code the app shows").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on two-factor authentication").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Two-factor authentication is on")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    axe_check(page)
    screenshot(page, "recovery-codes")

    page.get_by_role("navigation", name="Your account").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("navigation", name="Your account").get_by_role("link", name="Sign in")).to_be_visible()

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code from your authenticator app")
    axe_check(page)
    screenshot(page, "enter-code")

    page.get_by_label("Enter the code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the 6-digit code shown in your authenticator app"
    )
    axe_check(page)

    # The next time step's code: the one used to turn the app on may not be used twice.
    page.get_by_label("Enter the code from your authenticator app").fill(totp_code(secret, at=time.time() + 30))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("navigation", name="Your account").get_by_role("button", name="Sign out")).to_be_visible()
    assert urlparse(page.url).path == "/"


def test_an_owner_invites_a_member_of_staff_who_joins(page: Page, live_site, axe_check, screenshot):
    from marketplace.accounts.services import account_email_mark_verified
    from marketplace.providers.models import ProviderMembership
    from tests.factories import ProviderFactory, ProviderMembershipFactory, UserFactory

    cache.clear()
    mail.outbox.clear()
    provider = ProviderFactory(name="Brightside Support")
    owner = UserFactory(email="owner@brightside.example", password=PASSWORD)
    account_email_mark_verified(user=owner)
    ProviderMembershipFactory(provider=provider, user=owner, role=ProviderMembership.Role.OWNER)

    page.goto(live_site.url("/accounts/login/"))
    page.get_by_label("Email address").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_site.url("/accounts/"))
    page.get_by_role("link", name="Manage team for Brightside Support").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Team")
    axe_check(page)

    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose whether they will be an owner or staff")
    axe_check(page)
    page.get_by_label("Email address").fill("sam.new@example.org")
    page.get_by_label("Staff").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "We have sent an invitation to sam.new@example.org"
    )
    axe_check(page)
    screenshot(page, "team")
    page.get_by_role("navigation", name="Your account").get_by_role("button", name="Sign out").click()

    page.goto(live_site.url(link_in_email_to("sam.new@example.org")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Join the team for Brightside Support")
    axe_check(page)
    page.get_by_role("button", name="Create an account").click()
    page.get_by_label("Email address").fill("sam.new@example.org")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    # The invitation link proved the address, so no confirmation email: straight back to accept.
    page.get_by_role("button", name="Accept invitation").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "You have joined the team for Brightside Support"
    )
    expect(
        page.get_by_role("navigation", name="Your account").get_by_role("link", name="Your listings")
    ).to_be_visible()
    axe_check(page)
    screenshot(page, "joined")
    assert provider.memberships.filter(user__email="sam.new@example.org", role="staff").exists()
