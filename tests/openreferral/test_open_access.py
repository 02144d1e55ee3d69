"""Open access: no key, CORS everywhere, JSON errors, caching headers, a rate limit."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.providers.models import ProviderLocation
from marketplace.providers.services import provider_saved_in_admin
from tests.factories import ProviderFactory, ProviderPriceFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = (
    "/openreferral/",
    "/openreferral/services",
    "/openreferral/service_at_locations",
    "/openreferral/taxonomies",
    "/openreferral/taxonomy_terms",
    "/openreferral/openapi.json",
)


@pytest.mark.parametrize(
    "path", [*ENDPOINTS, "/openreferral/services?page=0", "/openreferral/services/nope", "/openreferral/no-such-thing"]
)
def test_every_response_allows_any_origin(client, path):
    response = client.get(path)

    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Type"] == "application/json"


def test_details_404_as_json_and_bad_ids_400(client):
    for kind in ("services", "service_at_locations", "taxonomies", "taxonomy_terms"):
        missing = client.get(f"/openreferral/{kind}/3f7b145d-84af-42d7-8fae-eaca714b02b2")
        malformed = client.get(f"/openreferral/{kind}/12345")
        assert missing.status_code == 404
        assert missing.json()["status"] == 404
        assert malformed.status_code == 400


def test_preflight_and_writes(client):
    preflight = client.options("/openreferral/services")
    write = client.post("/openreferral/services", {})

    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert write.status_code == 405
    assert write.json()["status"] == 405
    assert write["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_get_a_json_405_with_cors_even_with_csrf_checks_on(method):
    """A browser or validator is not the test client: the CSRF check is on, as in production."""
    from django.test import Client

    response = getattr(Client(enforce_csrf_checks=True), method)("/openreferral/services", {})

    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": 405, "message": "Only GET is supported: this API is read-only."}
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_reads_are_cacheable_and_conditional_gets_answer_304(client, day_service):
    path = f"/openreferral/services/{day_service.uuid}"
    first = client.get(path)

    assert "public" in first["Cache-Control"]
    assert "max-age=300" in first["Cache-Control"]
    assert first["Last-Modified"]
    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["Access-Control-Allow-Origin"] == "*"
    assert client.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert client.get(path, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_the_etag_changes_when_the_listing_changes(client, day_service):
    before = client.get("/openreferral/services")["ETag"]
    day_service.name = "Riverside Centre"  # as a commissioner renames it in the admin, whose hook reports it
    day_service.save()
    provider_saved_in_admin(provider=day_service)

    assert client.get("/openreferral/services")["ETag"] != before


def test_errors_are_not_cached(client):
    assert "no-store" in client.get("/openreferral/services?page=0")["Cache-Control"]


def test_the_rate_limit_answers_429_with_retry_after(client, settings):
    settings.OPENREFERRAL_RATE_LIMIT_PER_MINUTE = 3
    statuses = [client.get("/openreferral/taxonomies").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    refused = client.get("/openreferral/taxonomies")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["status"] == 429
    assert refused["Access-Control-Allow-Origin"] == "*"
    assert refused["RateLimit-Remaining"] == "0"


def test_the_rate_limit_counts_each_client_address_apart(client, settings):
    settings.OPENREFERRAL_RATE_LIMIT_PER_MINUTE = 1

    assert client.get("/openreferral/", REMOTE_ADDR="192.0.2.1").status_code == 200
    assert client.get("/openreferral/", REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.get("/openreferral/", REMOTE_ADDR="192.0.2.2").status_code == 200


def test_forwarded_addresses_are_trusted_only_behind_our_own_proxies(client, settings):
    settings.OPENREFERRAL_RATE_LIMIT_PER_MINUTE = 1
    settings.OPENREFERRAL_TRUSTED_PROXY_COUNT = 1

    assert client.get("/openreferral/", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200
    # A client cannot dodge the limit by prepending addresses: only the last hop, added by our proxy, counts.
    assert client.get("/openreferral/", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1").status_code == 429
    assert client.get("/openreferral/", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200


def make_listings(count: int) -> None:
    for _ in range(count):
        provider = ProviderFactory()
        ProviderPriceFactory(provider=provider)
        ProviderLocation.objects.create(
            provider=provider, name="Office", address_line_1="1 Street", town="Wendle", postcode="WE1 1AA"
        )


@pytest.mark.parametrize(
    "path", ["/openreferral/services", "/openreferral/services?full=true", "/openreferral/service_at_locations"]
)
def test_lists_run_a_fixed_number_of_queries_whatever_the_page_size(client, path, day_service):
    make_listings(2)
    separator = "&" if "?" in path else "?"
    client.get(path)  # Wagtail caches where the directory page lives; count queries with the cache warm
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"{path}{separator}per_page=2").status_code == 200
    make_listings(8)
    client.get(path)
    with CaptureQueriesContext(connection) as large:
        assert client.get(f"{path}{separator}per_page=11").json()["size"] == 11

    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_service_links_to_its_profile_at_the_public_address(client, day_service, settings):
    path = f"/openreferral/services/{day_service.uuid}"
    assert client.get(path).json()["url"] == f"http://testserver/directory/{day_service.slug}/"

    settings.PUBLIC_BASE_URL = "https://directory.council.example"
    url = client.get(path, HTTP_HOST="internal-proxy:8000").json()["url"]
    assert url == f"https://directory.council.example/directory/{day_service.slug}/"


def test_total_pages_never_advertises_a_page_past_the_limit():
    from marketplace.openreferral.serializers import page
    from search.filters import MAX_PAGE

    body = page([{}], total=MAX_PAGE * 3, page_number=MAX_PAGE, per_page=1)
    assert body["total_items"] == MAX_PAGE * 3
    assert body["total_pages"] == MAX_PAGE
    assert body["last_page"] is True
    assert page([], total=0, page_number=1, per_page=50)["total_pages"] == 0


def test_data_answers_come_from_the_cache_until_the_listings_change(client):
    """Kept by address and listings version (decision 0042); the rate limit and ETags still run every time."""
    provider = ProviderFactory(name="Wendle Home Care")
    path = f"/openreferral/services/{provider.uuid}"
    first = client.get(path)

    with CaptureQueriesContext(connection) as captured:
        second = client.get(path)
    assert len(captured) == 1  # the listings version
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    provider.name = "Wendle Care at Home"  # renamed in the admin, whose hook reports the change
    provider.save()
    provider_saved_in_admin(provider=provider)
    assert client.get(path).json()["name"] == "Wendle Care at Home"


def test_cached_answers_still_count_against_the_rate_limit(client, settings):
    settings.OPENREFERRAL_RATE_LIMIT_PER_MINUTE = 2
    ProviderFactory()

    with time_machine.travel(datetime.datetime(2026, 3, 4, 10, 0, 5, tzinfo=datetime.UTC), tick=False):
        statuses = [client.get("/openreferral/services").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
