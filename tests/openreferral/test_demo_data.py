"""The API on the demo county: every page of every endpoint validates against the official schemas."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from marketplace.openreferral.taxonomies import TAXONOMIES
from marketplace.places.models import Place
from marketplace.providers.models import Provider

from .schemas import assert_valid, assert_valid_page

DEMO_SCALE = "0.03"  # about 50 listings of every kind


@pytest.fixture(scope="module")
def demo_county(django_db_setup, django_db_blocker):
    """The demo county for this module only: loaded in a transaction that is
    rolled back afterwards, so none of it (terms, places, people) leaks into
    other tests. Each test's own transaction nests inside it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_demo_data", "--scale", DEMO_SCALE, "--seed", "7", verbosity=0, stdout=StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def crawl(client, endpoint: str, item_schema: str) -> list[dict]:
    """Every page of a list endpoint, each validated; the items of all pages."""
    items: list[dict] = []
    page = 1
    while True:
        body = client.get(f"/openreferral/{endpoint}", {"page": page, "per_page": 20}).json()
        assert_valid_page(item_schema, body)
        items += body["contents"]
        if body["last_page"]:
            return items
        page += 1


@pytest.mark.django_db
def test_every_service_on_the_demo_county_validates(client, demo_county):
    services = crawl(client, "services", "service_list.json")

    assert len(services) == Provider.objects.published().count() > 20
    assert len({service["id"] for service in services}) == len(services)
    for service in services:
        assert_valid("service.json", client.get(f"/openreferral/services/{service['id']}").json())
    full = client.get("/openreferral/services", {"full": "true", "per_page": 500}).json()
    assert_valid_page("service.json", full)


@pytest.mark.django_db
def test_every_service_at_location_on_the_demo_county_validates(client, demo_county):
    rows = crawl(client, "service_at_locations", "service_at_location_list.json")

    assert rows, "the demo county has day services with premises"
    for row in rows:
        assert_valid("service_at_location.json", client.get(f"/openreferral/service_at_locations/{row['id']}").json())


@pytest.mark.django_db
def test_every_taxonomy_and_term_on_the_demo_county_validates(client, demo_county):
    terms = crawl(client, "taxonomy_terms", "taxonomy_term.json")
    crawl(client, "taxonomies", "taxonomy.json")

    assert len(terms) > len(TAXONOMIES)
    for taxonomy in TAXONOMIES:
        assert_valid("taxonomy.json", client.get(f"/openreferral/taxonomies/{taxonomy.id}").json())
    for term in terms:
        assert_valid("taxonomy_term.json", client.get(f"/openreferral/taxonomy_terms/{term['id']}").json())


@pytest.mark.django_db
def test_every_documented_parameter_answers_on_the_demo_county(client, demo_county):
    term = client.get("/openreferral/taxonomy_terms").json()["contents"][0]
    postcode = Place.objects.filter(kind=Place.Kind.POSTCODE).values_list("name", flat=True).first()
    assert postcode
    queries = [
        {"search": "care"},
        {"taxonomy_term_id": term["id"]},
        {"taxonomy_id": term["taxonomy_id"]},
        {"minimum_age": "65"},
        {"maximum_age": "90"},
        {"day": "MO"},
        {"start_time": "08:00", "end_time": "17:00"},
        {"postcode": postcode},
        {"postcode": postcode, "proximity": "8000"},
        {"modified_after": "2000-01-01T00:00:00Z"},
        {"page": "2", "per_page": "5"},
    ]
    for query in queries:
        response = client.get("/openreferral/services", query)
        assert response.status_code == 200, (query, response.content)
        assert_valid_page("service_list.json", response.json())
        response = client.get("/openreferral/service_at_locations", query)
        assert response.status_code == 200, (query, response.content)
        assert_valid_page("service_at_location_list.json", response.json())
