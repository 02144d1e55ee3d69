"""Every endpoint's responses validate against the official ORUK 3.0 schemas."""

import pytest

from marketplace.openreferral.taxonomies import SERVICES
from marketplace.providers.models import ProviderLocation
from tests.factories import ProviderFactory

from .schemas import assert_valid, assert_valid_page, errors_for

pytestmark = pytest.mark.django_db


def test_api_metadata_has_version_profile_and_openapi_url(client):
    body = client.get("/openreferral/").json()

    assert body["version"] == "3.0"
    assert body["profile"].startswith("https://")
    assert body["openapi_url"] == "http://testserver/openreferral/openapi.json"


def test_service_list_validates(client, day_service):
    ProviderFactory()  # a personal assistant with no premises

    body = client.get("/openreferral/services").json()

    assert body["total_items"] == 2
    assert_valid_page("service_list.json", body)


def test_full_service_list_validates_against_the_full_service_schema(client, day_service):
    body = client.get("/openreferral/services?full=true").json()

    assert body["contents"][0]["schedules"]
    assert_valid_page("service.json", body)


def test_service_detail_validates(client, day_service):
    body = client.get(f"/openreferral/services/{day_service.uuid}").json()

    assert_valid("service.json", body)
    for part in ("schedules", "service_areas", "service_at_locations", "languages", "cost_options", "contacts"):
        assert body[part], part


def test_service_at_location_list_validates(client, day_service):
    body = client.get("/openreferral/service_at_locations").json()

    assert body["total_items"] == 1
    assert_valid_page("service_at_location_list.json", body)


def test_service_at_location_detail_validates(client, day_service):
    location = ProviderLocation.objects.get(provider=day_service)

    body = client.get(f"/openreferral/service_at_locations/{location.uuid}").json()

    assert_valid("service_at_location.json", body)
    # The official OpenAPI document names the service schema for this endpoint (the ORUK validator checks it).
    assert_valid("service.json", body)
    assert (body["name"], body["status"]) == (day_service.name, "active")
    assert body["location"]["addresses"][0]["postal_code"] == "WE1 2AB"


def test_taxonomy_list_and_detail_validate(client, day_service):
    listing = client.get("/openreferral/taxonomies").json()
    detail = client.get(f"/openreferral/taxonomies/{SERVICES.id}").json()

    assert_valid_page("taxonomy.json", listing)
    assert_valid("taxonomy.json", detail)
    assert {term["name"] for term in detail["taxonomy_terms"]} == {"Personal care", "Day opportunities"}


def test_taxonomy_term_list_and_detail_validate(client, day_service):
    listing = client.get("/openreferral/taxonomy_terms?per_page=500").json()
    term_id = listing["contents"][0]["id"]
    detail = client.get(f"/openreferral/taxonomy_terms/{term_id}").json()

    assert_valid_page("taxonomy_term.json", listing)
    assert_valid("taxonomy_term.json", detail)


def test_the_validator_rejects_what_the_schema_forbids():
    """The schemas really are applied: a service without a status or with a bad id fails."""
    assert errors_for("service.json", {"id": "not-a-uuid", "name": "x"})
    assert not errors_for(
        "service.json", {"id": "ac148810-d857-441c-9679-408f346de14b", "name": "x", "status": "active"}
    )


def test_openapi_document_names_this_site_and_every_official_path(client):
    document = client.get("/openreferral/openapi.json").json()

    assert document["servers"] == [
        {"url": "http://testserver/openreferral", "description": "This directory's Open Referral UK API"}
    ]
    assert set(document["paths"]) == {
        "/",
        "/services",
        "/services/{id}",
        "/service_at_locations",
        "/service_at_locations/{id}",
        "/taxonomies",
        "/taxonomies/{id}",
        "/taxonomy_terms",
        "/taxonomy_terms/{id}",
    }


def test_documentation_page_is_drawn_from_our_openapi_document_without_javascript(client):
    document = client.get("/openreferral/openapi.json").json()
    response = client.get("/openreferral/docs")

    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger" not in page.lower()
    assert '<a class="govuk-link" href="/openreferral/openapi.json">' in page
    parameters = document["components"]["parameters"]
    for path, item in document["paths"].items():
        assert f"<code>GET {path}</code></h2>" in page
        for reference in item["get"].get("parameters", []):
            assert f"<code>{parameters[reference['$ref'].rsplit('/', 1)[1]]['name']}</code>" in page
    # Our own limits, added to the official document, reach the page.
    assert "Pages 1 to 1000" in page
    assert "<code>modified_after</code> for a feed of changes" in page
    assert 'href="http://testserver/openreferral/schema/service.json"' in page
