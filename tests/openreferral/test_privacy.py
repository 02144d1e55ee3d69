"""Only published listings appear, and nothing private about any listing ever does."""

from typing import cast

import pytest

from marketplace.providers.models import Provider, ProviderLocation
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

ENDPOINT_LISTS = ("services", "services?full=true", "service_at_locations")
UNPUBLISHED = [status for status in Provider.Status if status != Provider.Status.PUBLISHED]


def every_response(client, provider: Provider) -> list[bytes]:
    """The body of every endpoint that could mention this provider."""
    bodies = [client.get(f"/openreferral/{path}").content for path in ENDPOINT_LISTS]
    bodies.append(client.get(f"/openreferral/services/{provider.uuid}").content)
    for location in ProviderLocation.objects.filter(provider=provider):
        bodies.append(client.get(f"/openreferral/service_at_locations/{location.uuid}").content)
    return bodies


@pytest.mark.parametrize("status", UNPUBLISHED)
def test_unpublished_listings_appear_nowhere(client, day_service, status):
    Provider.objects.filter(pk=day_service.pk).update(status=status)
    location = ProviderLocation.objects.get(provider=day_service)

    for path in ENDPOINT_LISTS:
        assert client.get(f"/openreferral/{path}").json()["total_items"] == 0
    assert client.get(f"/openreferral/services/{day_service.uuid}").status_code == 404
    assert client.get(f"/openreferral/service_at_locations/{location.uuid}").status_code == 404
    for body in every_response(client, day_service):
        assert b"Riverside" not in body


@pytest.mark.parametrize("status", UNPUBLISHED)
def test_filters_never_reach_unpublished_listings(client, day_service, status):
    Provider.objects.filter(pk=day_service.pk).update(status=status)
    term = day_service.services.first()

    for query in (f"taxonomy_term_id={term.uuid}", "search=riverside", "day=MO", "modified_after=2000-01-01"):
        assert client.get(f"/openreferral/services?{query}").json()["total_items"] == 0


def test_contact_details_without_consent_never_appear(client, day_service):
    Provider.objects.filter(pk=day_service.pk).update(has_consented_to_publish_contact=False)

    for body in every_response(client, day_service):
        assert b"Pat Riley" not in body
        assert b"hello@riverside.example.org" not in body
        assert b"01632 960001" not in body
        assert b"riverside.example.org/" not in body
    assert client.get(f"/openreferral/services/{day_service.uuid}").json()["contacts"] == []


def test_consented_contact_details_are_published(client, day_service):
    body = client.get(f"/openreferral/services/{day_service.uuid}").json()

    assert body["contacts"][0]["name"] == "Pat Riley"
    assert body["contacts"][0]["phones"][0]["number"] == "01632 960001"
    assert body["email"] == "hello@riverside.example.org"
    assert body["organization"]["website"] == "https://riverside.example.org/"


def test_a_personal_assistants_home_postcode_and_coordinates_never_appear(client):
    assistant = cast(
        Provider,
        ProviderFactory(
            name="Sam Home", base_postcode="WE7 3QX", latitude=52.123456, longitude=-1.654321, travel_radius_miles=3
        ),
    )

    for body in every_response(client, assistant):
        assert b"WE7 3QX" not in body
        assert b"3QX" not in body
        assert b"52.123456" not in body
        assert b"1.654321" not in body
    areas = client.get(f"/openreferral/services/{assistant.uuid}").json()["service_areas"]
    assert [area["name"] for area in areas] == ["Within 3 miles of WE7"]


def test_internal_fields_never_appear(client, day_service):
    Provider.objects.filter(pk=day_service.pk).update(search_text="secret-search-text", slug="riverside-day")
    detail = client.get(f"/openreferral/services/{day_service.uuid}")
    text = detail.content.decode()

    for private in ("secret-search-text", "availability_mask", "search_vector", "reminder", "membership", "evidence"):
        assert private not in text
    assert str(day_service.pk) not in {str(value) for value in detail.json().values()}  # ids are UUIDs, not keys
