"""People sign in with their email address; the manager makes users and superusers that way."""

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError

from marketplace.accounts import rules
from marketplace.accounts.models import ActingFor, User
from marketplace.accounts.roles import COMMISSIONERS, EDITORS
from tests.factories import DirectPaymentHolderFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_custom_user_is_the_auth_user_model():
    assert get_user_model() is User
    assert User.USERNAME_FIELD == "email"
    assert User.REQUIRED_FIELDS == []
    assert "username" not in {field.name for field in User._meta.get_fields()}


def test_create_user_lowercases_the_email_and_hashes_the_password():
    user = User.objects.create_user("Sam.Jones@Example.ORG", "a long enough password")
    assert user.email == "sam.jones@example.org"
    assert user.password != "a long enough password"
    assert user.check_password("a long enough password")
    assert (user.is_staff, user.is_superuser, user.is_active) == (False, False, True)


def test_create_user_without_a_password_cannot_sign_in_with_one():
    user = User.objects.create_user("nopass@example.org")
    assert not user.has_usable_password()


def test_create_superuser_is_staff_and_superuser():
    admin = User.objects.create_superuser("admin@example.org", "another long password")
    assert (admin.is_staff, admin.is_superuser) == (True, True)


def test_an_email_address_is_required():
    with pytest.raises(ValueError, match="An email address is required"):
        User.objects.create_user("", "password")


def test_email_addresses_are_unique_whatever_the_case():
    User.objects.create_user("dup@example.org", "pw-one-two-three")
    with pytest.raises(IntegrityError):
        User.objects.create_user("DUP@example.org", "pw-one-two-three")


def test_people_sign_in_with_their_email_address():
    User.objects.create_user("pa@example.org", "correct horse battery staple")
    assert authenticate(username="pa@example.org", password="correct horse battery staple") is not None
    assert authenticate(username="pa@example.org", password="wrong") is None


def test_a_user_is_named_by_full_name_or_else_email():
    assert str(UserFactory(first_name="Priya", last_name="Shah")) == "Priya Shah"
    assert str(UserFactory(first_name="", last_name="", email="anon@example.org")) == "anon@example.org"


def test_acting_for_describes_the_relationship():
    holder = DirectPaymentHolderFactory(display_name="Mr Ahmed")
    agent = UserFactory(first_name="Nadia", last_name="Ahmed")
    link = ActingFor.objects.create(
        agent=agent, holder=holder, relationship=ActingFor.Relationship.AUTHORISED_PERSON, started_on="2026-01-01"
    )
    assert str(link) == "Nadia Ahmed acts for Mr Ahmed (Authorised person)"
    with pytest.raises(IntegrityError):
        ActingFor.objects.create(
            agent=agent, holder=holder, relationship=ActingFor.Relationship.AUTHORISED_PERSON, started_on="2026-02-01"
        )


def test_commissioners_are_the_active_commissioners_group_and_superusers(commissioner_user):
    """The one rule for "all commissioners" is the permission rule's: the group or a superuser, if active."""
    superuser = UserFactory(email="chief@example.org", is_superuser=True)
    retired = UserFactory(email="retired@example.org", is_active=False)
    retired.groups.add(Group.objects.get(name=COMMISSIONERS))
    retired_superuser = UserFactory(email="gone@example.org", is_superuser=True, is_active=False)
    editor = UserFactory(email="editor@example.org")
    editor.groups.add(Group.objects.get_or_create(name=EDITORS)[0])
    UserFactory(email="someone@example.org")

    commissioners = list(User.objects.commissioners().order_by("email"))

    assert commissioners == [superuser, commissioner_user]
    assert all(rules.is_commissioner(user) for user in commissioners)
    assert not rules.is_commissioner(editor)
    assert retired_superuser not in commissioners


def test_a_commissioner_in_the_group_is_counted_once(commissioner_user):
    commissioner_user.is_superuser = True
    commissioner_user.save(update_fields=["is_superuser"])

    assert list(User.objects.commissioners()) == [commissioner_user]
