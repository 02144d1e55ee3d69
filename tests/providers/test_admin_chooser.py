"""The admin's provider chooser: editors see only published providers; commissioners see all."""

import pytest
from django.urls import reverse

from marketplace.providers.models import Provider
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def providers():
    return {
        "published": ProviderFactory(name="Published Pat"),
        "draft": ProviderFactory(name="Draft Dana", status=Provider.Status.DRAFT),
        "suspended": ProviderFactory(name="Suspended Sam", status=Provider.Status.SUSPENDED),
    }


def chooser(client) -> str:
    return client.get(reverse("wagtailsnippetchoosers_providers_provider:choose")).content.decode()


def test_editors_choose_only_published_providers(client, editor_user, providers):
    client.force_login(editor_user)

    page = chooser(client)
    results = client.get(reverse("wagtailsnippetchoosers_providers_provider:choose_results") + "?q=a").content.decode()

    assert "Published Pat" in page
    assert "Draft Dana" not in page + results
    assert "Suspended Sam" not in page + results
    chosen = client.get(reverse("wagtailsnippetchoosers_providers_provider:chosen", args=[providers["draft"].pk]))
    assert chosen.status_code == 404
    many = client.get(
        reverse("wagtailsnippetchoosers_providers_provider:chosen_multiple")
        + f"?id={providers['draft'].pk}&id={providers['published'].pk}"
    ).content.decode()
    assert "Draft Dana" not in many
    assert "Published Pat" in many


def test_commissioners_choose_any_provider(client, commissioner_user, providers):
    client.force_login(commissioner_user)

    page = chooser(client)

    assert all(name in page for name in ("Published Pat", "Draft Dana", "Suspended Sam"))


def test_the_page_chooser_treats_nonsense_ids_as_nothing_chosen(client, editor_user):
    from wagtail.models import Page

    client.force_login(editor_user)
    home = Page.objects.get(depth=2)

    response = client.get(
        reverse("wagtailadmin_choose_page_chosen_multiple") + f"?id=x&id=99999999999999999999&id={home.pk}"
    )

    assert response.status_code == 200
    assert f'"id": {home.pk}' in response.content.decode()


def test_the_provider_chooser_treats_nonsense_ids_as_nothing_chosen(client, editor_user, providers):
    client.force_login(editor_user)

    response = client.get(
        reverse("wagtailsnippetchoosers_providers_provider:chosen_multiple")
        + f"?id={'x' * 500}&id=99999999999999999999&id={providers['published'].pk}"
    )

    assert response.status_code == 200
    assert "Published Pat" in response.content.decode()


def test_the_provider_chooser_treats_ids_no_column_holds_as_nothing_chosen(client, commissioner_user, providers):
    client.force_login(commissioner_user)

    response = client.get(
        reverse("wagtailsnippetchoosers_providers_provider:chosen_multiple")
        + f"?id=x&id=99999999999999999999&id={providers['draft'].pk}"
    )

    assert response.status_code == 200
    assert "Draft Dana" in response.content.decode()
