"""Repeated failed sign-ins are rate-limited, then the account is locked for a while."""

import time

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from marketplace.accounts.adapters import lockout_message
from marketplace.accounts.services import account_email_mark_verified
from tests.factories import UserFactory

from .helpers import PASSWORD, enter_code, link_in_last_email, page_text, sign_in

pytestmark = pytest.mark.django_db

LIMIT = settings.ACCOUNTS_LOGIN_FAILED_LIMIT
LOCKOUT_SECONDS = settings.ACCOUNTS_LOCKOUT_MINUTES * 60


def fail_to_sign_in(client, email: str, times: int) -> None:
    for _ in range(times):
        response = sign_in(client, email, "wrong password")
        assert "Enter a correct email address and password" in page_text(response)


def test_after_five_wrong_passwords_even_the_right_one_is_refused_with_a_clear_message(client, person):
    fail_to_sign_in(client, person.email, LIMIT)

    response = sign_in(client, person.email, PASSWORD)

    text = page_text(response)
    assert response.status_code == 200
    assert "There is a problem" in text
    assert "this account is locked for 15 minutes" in text
    assert "reset your password to unlock it now" in text
    assert lockout_message() in response.content.decode()
    assert client.get(reverse("accounts:index")).status_code == 302


def test_the_lock_lifts_once_the_period_has_passed(client, person):
    with time_machine.travel(time.time(), tick=False) as clock:
        fail_to_sign_in(client, person.email, LIMIT)
        clock.shift(LOCKOUT_SECONDS - 60)
        assert lockout_message() in sign_in(client, person.email).content.decode(), "still locked"

        clock.shift(61)
        response = sign_in(client, person.email)

    assert response.status_code == 302
    assert client.get(reverse("accounts:index")).status_code == 200


def test_four_wrong_passwords_then_the_right_one_signs_in(client, person):
    fail_to_sign_in(client, person.email, LIMIT - 1)

    assert sign_in(client, person.email).status_code == 302


def test_the_lock_is_per_account_so_other_people_can_still_sign_in(client, person):
    other = UserFactory(email="other@example.org")
    account_email_mark_verified(user=other)
    fail_to_sign_in(client, person.email, LIMIT)

    assert sign_in(client, other.email).status_code == 302


def test_resetting_the_password_unlocks_the_account(client, person, django_capture_on_commit_callbacks):
    fail_to_sign_in(client, person.email, LIMIT)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": person.email})
    form_path = client.get(link_in_last_email(person.email))["Location"]
    client.post(form_path, {"password1": "a brand new passphrase", "password2": "a brand new passphrase"})

    assert sign_in(client, person.email, "a brand new passphrase").status_code == 302


def test_one_address_trying_many_accounts_is_slowed_down(client):
    emails = [f"person{index}@example.org" for index in range(11)]

    responses = [sign_in(client, email, "guess") for email in emails]

    assert "Enter a correct email address and password" in page_text(responses[9])
    assert lockout_message() in responses[10].content.decode(), "ten failures a minute from one address"


def test_wrong_authenticator_codes_lock_the_account_too(client, commissioner_user):
    account_email_mark_verified(user=commissioner_user)
    sign_in(client, commissioner_user.email)
    for _ in range(LIMIT):
        assert "Enter the 6-digit code" in page_text(enter_code(client, "000000"))

    response = enter_code(client)

    assert lockout_message() in response.content.decode()
    assert client.get("/admin/").status_code == 302
