"""The commissioners' change-of-status screen in the Wagtail admin."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from marketplace.accounts.roles import COMMISSIONERS
from marketplace.providers.models import Provider
from tests.factories import ProviderFactory, ProviderMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def commissioner(client):
    user = UserFactory(is_staff=True)
    group, _ = Group.objects.get_or_create(name=COMMISSIONERS)
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    group.permissions.add(*Permission.objects.filter(content_type__app_label="providers"))
    user.groups.add(group)
    client.force_login(user)
    return user


def status_url(provider: Provider) -> str:
    return reverse("wagtailsnippets_providers_provider:change_status", args=[provider.pk])


def test_commissioner_suspends_a_listing_with_a_reason(client, commissioner):
    provider = ProviderFactory()
    response = client.post(status_url(provider), {"to_status": "suspended", "reason": "Safeguarding concern raised"})
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.status == Provider.Status.SUSPENDED
    change = provider.status_changes.get()
    assert (change.changed_by, change.reason) == (commissioner, "Safeguarding concern raised")


def test_suspending_without_a_reason_keeps_the_listing_and_says_why(client, commissioner):
    provider = ProviderFactory()
    response = client.post(status_url(provider), {"to_status": "suspended", "reason": " "})
    assert response.status_code == 200
    assert "Give a reason" in response.content.decode()
    provider.refresh_from_db()
    assert provider.status == Provider.Status.PUBLISHED
    assert not provider.status_changes.exists()


def test_a_status_the_lifecycle_does_not_allow_is_refused(client, commissioner):
    provider = ProviderFactory(status=Provider.Status.DRAFT)
    response = client.post(status_url(provider), {"to_status": "published"})
    assert response.status_code == 200
    assert "Choose one of the statuses listed" in response.content.decode()
    provider.refresh_from_db()
    assert provider.status == Provider.Status.DRAFT


def test_provider_user_cannot_change_status_even_of_their_own_listing(client):
    membership = ProviderMembershipFactory()
    client.force_login(membership.user)
    response = client.post(status_url(membership.provider), {"to_status": "withdrawn", "reason": "x"})
    assert response.status_code in (302, 403)
    membership.provider.refresh_from_db()
    assert membership.provider.status == Provider.Status.PUBLISHED


def test_unpublished_profile_is_hidden_from_public_but_shown_to_its_owner(client, site):
    membership = ProviderMembershipFactory(provider=ProviderFactory(status=Provider.Status.DRAFT, slug="draft-pa"))
    assert client.get("/directory/draft-pa/").status_code == 404
    other = ProviderMembershipFactory()
    client.force_login(other.user)
    assert client.get("/directory/draft-pa/").status_code == 404
    client.force_login(membership.user)
    assert client.get("/directory/draft-pa/").status_code == 200
