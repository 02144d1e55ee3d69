"""Who is emailed about a provider: one selector every app uses."""

import pytest
from django.core import mail

from marketplace.providers.selectors import provider_email_addresses
from marketplace.providers.services import provider_send_availability_reminders
from tests.factories import ProviderFactory, ProviderMembershipFactory, UserFactory, days_ago

pytestmark = pytest.mark.django_db


def test_the_active_team_is_emailed_each_address_once_in_order():
    provider = ProviderFactory(contact_email="public@example.org")
    ProviderMembershipFactory(provider=provider, user=UserFactory(email="b-owner@example.org"), role="owner")
    ProviderMembershipFactory(provider=provider, user=UserFactory(email="a-staff@example.org"), role="staff")

    assert provider_email_addresses(provider) == ["a-staff@example.org", "b-owner@example.org"]
    assert provider_email_addresses(provider, owners_only=True) == ["b-owner@example.org"]


def test_a_deactivated_user_is_not_emailed():
    provider = ProviderFactory(contact_email="public@example.org")
    ProviderMembershipFactory(provider=provider, user=UserFactory(email="here@example.org"))
    ProviderMembershipFactory(provider=provider, user=UserFactory(email="left@example.org", is_active=False))

    assert provider_email_addresses(provider) == ["here@example.org"]


def test_with_no_active_user_the_contact_address_is_used_unless_signing_in_is_needed():
    provider = ProviderFactory(contact_email="public@example.org")
    ProviderMembershipFactory(provider=provider, user=UserFactory(email="left@example.org", is_active=False))

    assert provider_email_addresses(provider) == ["public@example.org"]
    assert provider_email_addresses(provider, or_contact_address=False) == []


def test_the_availability_reminder_skips_a_deactivated_member(django_capture_on_commit_callbacks):
    provider = ProviderFactory(availability_confirmed_on=days_ago(31), contact_email="public@example.org")
    ProviderMembershipFactory(provider=provider, user=UserFactory(email="here@example.org"))
    ProviderMembershipFactory(provider=provider, user=UserFactory(email="left@example.org", is_active=False))

    with django_capture_on_commit_callbacks(execute=True):
        assert provider_send_availability_reminders() == 1

    assert [message.to for message in mail.outbox] == [["here@example.org"]]
