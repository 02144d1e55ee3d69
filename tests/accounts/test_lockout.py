"""Wrong passwords and codes are throttled per account and source: a stranger cannot lock anyone out.

See marketplace/accounts/throttle.py and docs/decisions/0027-throttling-not-lockout.md.
"""

import time
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from marketplace.accounts.services import account_email_mark_verified
from marketplace.accounts.throttle import (
    CODES,
    DEVICE_COOKIE,
    PASSWORDS,
    account_key,
    delay_seconds,
    throttle_failed,
    throttle_refusal,
)
from marketplace.accounts.totp import totp_code
from tests.factories import TEST_TOTP_SECRET

from .helpers import PASSWORD, link_in_last_email, page_text

pytestmark = pytest.mark.django_db

STRANGER = "198.51.100.7"
OWNER = "203.0.113.20"


def attempt(client: Client, email: str, password: str, address: str = OWNER):
    return client.post(reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=address)


def fail(client: Client, email: str, times: int, address: str = OWNER) -> None:
    for _ in range(times):
        assert "Enter a correct email address and password" in page_text(attempt(client, email, "wrong", address))


def test_delays_grow_from_one_minute_to_an_hour():
    minutes = [delay_seconds(PASSWORDS, failures) / 60 for failures in range(4, 13)]
    assert minutes == [0, 1, 2, 4, 8, 16, 32, 60, 60]


def test_after_five_wrong_passwords_the_next_try_waits_a_minute_and_the_message_says_so(client, person):
    with time_machine.travel(time.time(), tick=False) as clock:
        fail(client, person.email, 5)

        refused = attempt(client, person.email, PASSWORD)
        text = page_text(refused)
        assert refused.status_code == 200
        assert "There is a problem" in text
        assert "There have been 5 wrong passwords for this account from your internet connection" in text
        assert "Try again in 1 minute" in text
        assert "locked" not in text

        clock.shift(61)
        assert attempt(client, person.email, PASSWORD).status_code == 302


def test_each_further_failure_doubles_the_wait(client, person):
    with time_machine.travel(time.time(), tick=False) as clock:
        fail(client, person.email, 5)
        clock.shift(61)
        fail(client, person.email, 1)

        assert "Try again in 2 minutes" in page_text(attempt(client, person.email, PASSWORD))
        clock.shift(121)
        assert attempt(client, person.email, PASSWORD).status_code == 302


def test_a_strangers_failures_do_not_stop_the_owner_from_signing_in(client, person):
    stranger = Client()
    with time_machine.travel(time.time(), tick=False) as clock:
        for _ in range(40):  # as fast as the delays allow, for hours
            attempt(stranger, person.email, "guess", STRANGER)
            clock.shift(timedelta(hours=1))
        attempt(stranger, person.email, "guess", STRANGER)
        assert "Try again in 60 minutes" in page_text(attempt(stranger, person.email, "guess", STRANGER))

        assert attempt(client, person.email, PASSWORD, OWNER).status_code == 302


def test_the_owner_on_a_known_device_gets_in_even_after_many_addresses_used_up_the_days_guesses(client, person):
    assert attempt(client, person.email, PASSWORD).status_code == 302  # this browser becomes known
    assert client.cookies[DEVICE_COOKIE].value
    client.post(reverse("account_logout"))
    with time_machine.travel(time.time(), tick=False):
        for number in range(PASSWORDS.daily_limit):
            attempt(Client(), person.email, "guess", f"192.0.2.{number + 1}")

        new_device = page_text(attempt(Client(), person.email, PASSWORD, "192.0.2.200"))
        assert "This account has had 50 wrong passwords today from devices it has not been signed in on" in new_device
        assert "reset your password" in new_device

        assert attempt(client, person.email, PASSWORD, "192.0.2.201").status_code == 302


def test_a_password_reset_lets_a_new_device_in_again(client, person, django_capture_on_commit_callbacks):
    for number in range(PASSWORDS.daily_limit):
        attempt(Client(), person.email, "guess", f"192.0.2.{number + 1}")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": person.email})
    form_path = client.get(link_in_last_email(person.email))["Location"]
    client.post(form_path, {"password1": "a brand new passphrase", "password2": "a brand new passphrase"})

    assert attempt(Client(), person.email, "a brand new passphrase", "192.0.2.250").status_code == 302


def test_a_forged_or_other_accounts_device_cookie_counts_as_unknown(client, person):
    account = account_key(person.email)
    for number in range(PASSWORDS.daily_limit):
        throttle_failed(policy=PASSWORDS, account=account, device="", address=f"192.0.2.{number}")
    client.cookies[DEVICE_COOKIE] = "forged"

    assert "This account has had 50" in page_text(attempt(client, person.email, PASSWORD, "192.0.2.251"))


def test_brute_force_from_any_number_of_addresses_gets_at_most_fifty_guesses_a_day():
    account = account_key("commissioner@council.example")
    guesses = 0
    with time_machine.travel(time.time(), tick=False) as clock:
        for minute in range(24 * 60):  # a botnet: every minute, from ten new addresses
            for bot in range(10):
                address = f"10.{minute // 250}.{minute % 250}.{bot}"
                if not throttle_refusal(policy=PASSWORDS, account=account, device="", address=address):
                    guesses += 1
                    throttle_failed(policy=PASSWORDS, account=account, device="", address=address)
            clock.shift(60)

    assert guesses == PASSWORDS.daily_limit


def test_one_address_alone_gets_about_thirty_guesses_a_day():
    account = account_key("someone@example.org")
    guesses = 0
    with time_machine.travel(time.time(), tick=False) as clock:
        for _minute in range(24 * 60):
            if not throttle_refusal(policy=PASSWORDS, account=account, device="", address=STRANGER):
                guesses += 1
                throttle_failed(policy=PASSWORDS, account=account, device="", address=STRANGER)
            clock.shift(60)

    assert 25 <= guesses <= 35


def test_wrong_authenticator_codes_are_throttled_and_name_the_limit(client, commissioner_user):
    account_email_mark_verified(user=commissioner_user)
    with time_machine.travel(time.time(), tick=False) as clock:
        attempt(client, commissioner_user.email, PASSWORD)
        for _ in range(CODES.free_failures):
            response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
            assert "Enter the 6-digit code" in page_text(response)

        refused = page_text(client.post(reverse("mfa_authenticate"), {"code": totp_code(TEST_TOTP_SECRET)}))
        assert "There have been 5 wrong codes for this account" in refused
        assert "Try again in 1 minute" in refused
        assert client.get("/admin/").status_code == 302

        clock.shift(61)
        assert client.post(reverse("mfa_authenticate"), {"code": totp_code(TEST_TOTP_SECRET)}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_strangers_wrong_codes_do_not_stop_the_owner(client, commissioner_user):
    """Someone who has the password but not the phone cannot keep the owner out either."""
    account_email_mark_verified(user=commissioner_user)
    stranger = Client()
    attempt(stranger, commissioner_user.email, PASSWORD, STRANGER)
    for _ in range(CODES.free_failures + 3):
        stranger.post(reverse("mfa_authenticate"), {"code": "000000"}, REMOTE_ADDR=STRANGER)

    attempt(client, commissioner_user.email, PASSWORD, OWNER)
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(TEST_TOTP_SECRET)}, REMOTE_ADDR=OWNER)

    assert response.status_code == 302
