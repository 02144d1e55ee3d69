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


def results(client, query: str) -> str:
    return client.get(reverse("wagtailsnippetchoosers_providers_provider:choose_results") + query).content.decode()


def test_the_chooser_searches_names_postcodes_and_emails(client, commissioner_user, providers):
    ProviderFactory(name="Postcode Polly", base_postcode="WD3 9ZZ")
    client.force_login(commissioner_user)

    by_name = results(client, "?q=dana")
    by_postcode = results(client, "?q=wd3+9z")

    assert "Draft Dana" in by_name
    assert "Published Pat" not in by_name
    assert "Postcode Polly" in by_postcode
    assert "Draft Dana" not in by_postcode


def test_the_chooser_filters_by_status_and_kind_and_says_which_is_which(client, commissioner_user, providers):
    ProviderFactory(name="Agency Alpha", kind=Provider.Kind.HOME_CARE_AGENCY)
    client.force_login(commissioner_user)

    suspended = results(client, "?status=suspended")
    agencies = results(client, "?kind=home_care_agency")
    page = chooser(client)

    assert "Suspended Sam" in suspended
    assert "Published Pat" not in suspended
    assert "Agency Alpha" in agencies
    assert "Published Pat" not in agencies
    for label in ("Search providers", "Any kind", "Any status", "Home care agency", "Suspended"):
        assert label in page


def test_editors_cannot_filter_their_way_to_drafts(client, editor_user, providers):
    client.force_login(editor_user)

    assert "Draft Dana" not in results(client, "?status=draft&q=dana")


def test_the_chooser_runs_a_fixed_number_of_queries(client, commissioner_user, django_assert_max_num_queries):
    client.force_login(commissioner_user)
    ProviderFactory.create_batch(2)
    client.get(reverse("wagtailsnippetchoosers_providers_provider:choose"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        chooser(client)
    ProviderFactory.create_batch(8)
    with django_assert_max_num_queries(len(few)):
        chooser(client)


def test_choosing_several_treats_nonsense_ids_as_nothing_chosen(client, commissioner_user, providers):
    client.force_login(commissioner_user)

    response = client.get(
        reverse("wagtailsnippetchoosers_providers_provider:chosen_multiple")
        + f"?id=x&id=99999999999999999999&id={providers['draft'].pk}"
    )

    assert response.status_code == 200
    assert "Draft Dana" in response.content.decode()
