"""Signing up with a confirmed email address, signing in and out, resetting and changing a password."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse

from marketplace.accounts.models import User
from marketplace.accounts.roles import COMMISSIONERS
from marketplace.accounts.selectors import commissioner_email_addresses
from marketplace.accounts.services import account_email_mark_verified
from tests.factories import ProviderMembershipFactory, UserFactory

from .helpers import PASSWORD, link_in_last_email, page_text, sign_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a longer passphrase for the test"


def test_signing_up_sends_a_link_and_confirming_it_signs_the_person_in(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {"email": "New.Person@Example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("accounts:index")).status_code == 302, "not signed in before confirming"
    user = User.objects.get(email__iexact="new.person@example.org")
    assert not EmailAddress.objects.get(user=user).verified

    confirm_path = link_in_last_email("new.person@example.org")
    confirm_page = client.get(confirm_path)
    assert "Confirm your email address" in page_text(confirm_page)
    response = client.post(confirm_path)

    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.get(reverse("accounts:index")).status_code == 200


def test_joining_the_directory_keeps_the_thread_through_sign_up_and_confirmation_in_another_browser(
    client, django_capture_on_commit_callbacks
):
    join = reverse("providers:join")
    sign_in_page = client.get(join, follow=True)
    assert "Join the directory" in page_text(sign_in_page)
    assert f'href="{reverse("account_signup")}?next=%2Fprovider%2Fjoin%2F"' in sign_in_page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {"email": "pa@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "next": join},
        )
    messages = [message for message in mail.outbox if "pa@example.org" in message.to]
    assert "?next=%2Fprovider%2Fjoin%2F" in messages[-1].body

    # Opened on a phone: a different browser, so confirming does not sign the person in.
    phone = Client()
    link = re.search(r"https?://[^\s/]+(/\S+)", messages[-1].body).group(1)
    assert 'name="next" value="/provider/join/"' in phone.get(link).content.decode()
    confirmed = phone.post(link, {"next": join}, follow=True)
    assert confirmed.redirect_chain[0][0] == join
    assert "You have confirmed your email address, pa@example.org." in page_text(confirmed)
    assert "Join the directory" in page_text(confirmed)
    signed_in = phone.post(
        confirmed.redirect_chain[-1][0], {"login": "pa@example.org", "password": NEW_PASSWORD, "next": join}
    )
    assert signed_in["Location"] == join


def test_confirming_in_the_same_browser_signs_in_and_goes_on_to_the_listing(
    client, django_capture_on_commit_callbacks
):
    join = reverse("providers:join")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {"email": "pa@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "next": join},
        )
    link = link_in_last_email("pa@example.org") + "?next=%2Fprovider%2Fjoin%2F"

    landed = client.post(link, {"next": join}, follow=True)

    assert landed.redirect_chain[-1][0] == join
    assert "You have confirmed your email address, pa@example.org." in page_text(landed)


def test_a_confirmation_link_never_carries_another_site(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {
                "email": "pa@example.org",
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
                "next": "//evil.example/",
            },
        )
    assert "next=" not in [message for message in mail.outbox if "pa@example.org" in message.to][-1].body


def test_the_verification_page_says_where_the_email_went(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {"email": "kim@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
            follow=True,
        )

    text = page_text(response)
    assert "Check your email" in text
    assert "We have sent an email to kim@example.org" in text


def test_a_sign_up_with_mistakes_shows_an_error_summary_and_keeps_the_email(client):
    response = client.post(
        reverse("account_signup"), {"email": "kim@example.org", "password1": "12345678", "password2": "different"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Create an account" in html
    assert 'class="govuk-error-summary"' in html
    assert 'href="#password1"' in html
    assert 'value="kim@example.org"' in html
    assert not User.objects.filter(email="kim@example.org").exists()


def test_an_unconfirmed_account_cannot_sign_in(client):
    user = UserFactory(email="unconfirmed@example.org")
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)

    response = sign_in(client, user.email)

    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("accounts:index")).status_code == 302


def test_an_empty_sign_in_form_says_what_to_enter(client):
    response = client.post(reverse("account_login"), {"login": "", "password": ""})

    text = page_text(response)
    assert response.status_code == 200
    assert "There is a problem" in text
    assert "Enter your email address" in text
    assert "Enter your password" in text
    assert response.content.decode().count("govuk-form-group--error") == 2


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, person):
    response = sign_in(client, person.email, "not my password")

    html = response.content.decode()
    assert "Enter a correct email address and password" in html
    assert f'value="{person.email}"' in html, "the email address typed is kept"
    assert client.get(reverse("accounts:index")).status_code == 302


def test_an_email_address_in_the_wrong_format_is_explained(client):
    response = sign_in(client, "not-an-address")

    assert "Enter an email address in the correct format, like name@example.com" in page_text(response)


@pytest.mark.parametrize(
    ("who", "lands_on"),
    [("provider user", "/provider/"), ("direct payment holder", "/")],
)
def test_signing_in_lands_each_role_on_their_own_page(client, who, lands_on):
    user = ProviderMembershipFactory().user if who == "provider user" else UserFactory()
    account_email_mark_verified(user=user)

    response = sign_in(client, user.email)

    assert response.status_code == 302
    assert response["Location"] == lands_on


def test_signing_in_returns_to_the_page_asked_for_but_never_to_another_site(client, person):
    assert sign_in(client, person.email, next="/directory/?q=respite")["Location"] == "/directory/?q=respite"
    client.logout()
    assert sign_in(client, person.email, next="https://evil.example/")["Location"] == "/"


def test_signing_out_takes_a_post_not_a_link(client, person):
    client.force_login(person)

    confirm = client.get(reverse("account_logout"))
    assert confirm.status_code == 200
    assert "Are you sure you want to sign out?" in page_text(confirm)
    assert client.get(reverse("accounts:index")).status_code == 200, "a GET does not sign out"

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get(reverse("accounts:index")).status_code == 302


def test_resetting_a_forgotten_password_end_to_end(client, person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": person.email})
    assert response["Location"] == reverse("account_reset_password_done")

    link = client.get(link_in_last_email(person.email), follow=True)
    assert "Create a new password" in page_text(link)
    form_path = link.redirect_chain[-1][0] if link.redirect_chain else link.request["PATH_INFO"]
    response = client.post(form_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert "Your password has been changed" in page_text(client.get(response["Location"]))

    client.logout()
    assert sign_in(client, person.email, PASSWORD).status_code == 200, "the old password no longer works"
    assert sign_in(client, person.email, NEW_PASSWORD).status_code == 302


def test_a_used_reset_link_gives_a_clear_page(client, person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": person.email})
    path = link_in_last_email(person.email)
    form_path = client.get(path)["Location"]
    client.post(form_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    again = client.get(path, follow=True)

    assert again.status_code == 200
    assert "This link cannot be used" in page_text(again)


def test_asking_to_reset_an_unknown_address_looks_the_same_as_a_known_one(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})

    assert response["Location"] == reverse("account_reset_password_done")


def test_changing_a_password_needs_the_current_one(client, person):
    sign_in(client, person.email)
    url = reverse("account_change_password")

    wrong = client.post(url, {"oldpassword": "guess", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert "Your current password is not correct" in page_text(wrong)

    right = client.post(
        url, {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True
    )
    assert "Your password has been changed" in page_text(right)
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)


def test_changing_an_email_address_waits_for_the_new_one_to_be_confirmed(
    client, person, django_capture_on_commit_callbacks
):
    client.force_login(person)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_email"), {"action_add": "", "email": "asha.new@example.org"}, follow=True
        )

    text = page_text(response)
    assert "Changing to asha.new@example.org" in text
    assert mail.outbox[-1].to == ["asha.new@example.org"]
    person.refresh_from_db()
    assert person.email == "asha.patel@example.org", "still signs in with the old address until confirmed"


@pytest.mark.parametrize(
    "name",
    [
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_email_verification_sent",
        "account_inactive",
    ],
)
def test_account_pages_for_visitors_are_govuk_pages(client, name):
    response = client.get(reverse(name))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="govuk-heading-l"' in html
    assert "govuk-template__body" in html, "drawn inside the site's own page"


@pytest.mark.parametrize(
    "name",
    ["accounts:index", "account_email", "account_change_password", "account_logout", "mfa_index"],
)
def test_account_pages_for_signed_in_people_are_govuk_pages(client, person, name):
    sign_in(client, person.email)

    response = client.get(reverse(name))

    assert response.status_code == 200
    assert 'class="govuk-heading-l"' in response.content.decode()


def test_the_header_offers_sign_in_to_visitors(client):
    html = client.get(reverse("account_login")).content.decode()

    assert ">Sign in<" in html
    assert "Sign out" not in html


def test_the_header_shows_a_provider_user_their_listings_and_a_sign_out_button(client):
    membership = ProviderMembershipFactory()
    client.force_login(membership.user)

    html = client.get(reverse("accounts:index")).content.decode()

    assert 'href="/provider/"' in html
    assert "Your listings" in html
    assert 'href="/admin/"' not in html
    assert f'action="{reverse("account_logout")}"' in html
    assert 'class="govuk-service-navigation__link app-sign-out__button">Sign out</button>' in html


def test_the_header_shows_council_staff_the_admin(client, commissioner_user):
    client.force_login(commissioner_user)

    html = client.get(reverse("accounts:index")).content.decode()

    assert 'href="/admin/"' in html
    assert "Your listings" not in html


def test_commissioner_email_addresses_lists_active_commissioners_only(commissioner_user):
    retired = UserFactory(email="retired@example.org", is_active=False)
    retired.groups.add(Group.objects.get(name=COMMISSIONERS))
    UserFactory(email="someone@example.org")

    assert commissioner_email_addresses() == [commissioner_user.email]


def test_account_emails_are_plain_and_name_the_service(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {"email": "kim@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )

    message = mail.outbox[-1]
    assert message.subject == "Confirm your email address"
    assert message.body.startswith("Hello,")
    assert "Find care and support" in message.body
    assert "The link lasts 3 days" in message.body


def test_a_changed_password_is_reported_by_email(client, person, django_capture_on_commit_callbacks):
    sign_in(client, person.email)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )

    message = mail.outbox[-1]
    assert message.to == [person.email]
    assert message.subject == "Your password has been changed"
    assert "If it was not you, reset your password now" in message.body


def test_allauth_pages_we_did_not_rewrite_are_still_drawn_as_govuk(rf, person):
    from allauth.account.forms import AddEmailForm
    from django.template.loader import render_to_string

    request = rf.post("/accounts/email/")
    request.user = person
    form = AddEmailForm(user=person, data={"email": ""})
    form.is_valid()

    html = render_to_string(
        "account/email.html",  # allauth's own template: only its elements and layout are ours
        {"form": form, "emailaddresses": [], "can_add_email": True, "user": person},
        request=request,
    )

    assert 'class="govuk-heading-l"' in html
    assert 'class="govuk-error-summary"' in html
    assert 'class="govuk-input govuk-input--error"' in html
    assert 'class="govuk-button"' in html
