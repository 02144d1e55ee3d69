"""The CQC client against a local HTTP stub serving answers of the real shape, and the CQC sync."""

import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from marketplace.accreditation.models import RegisterAlert, RegisterRecord
from marketplace.accreditation.registers import RegisterError
from marketplace.accreditation.registers.cqc import CqcClient, CqcError, CqcNotFound
from marketplace.accreditation.registers.sync import cqc_sync_provider
from marketplace.contingency.models import ContingencyFlag
from marketplace.providers.models import Provider
from tests.factories import ProviderFactory

FIXTURES = Path(__file__).parent / "fixtures" / "registers"
KEY = "test-subscription-key"
LOCATION_ID = "1-1234567890"
PROVIDER_ID = "1-101234567"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def cqc_settings(settings: Any, httpserver: HTTPServer) -> Any:
    settings.CQC_API_URL = httpserver.url_for("/public/v1")
    settings.CQC_API_KEY = KEY
    settings.REGISTER_TIMEOUT_SECONDS = 2
    return settings


def serve_location(httpserver: HTTPServer, name: str, location_id: str = LOCATION_ID) -> None:
    httpserver.expect_request(
        f"/public/v1/locations/{location_id}", headers={"Ocp-Apim-Subscription-Key": KEY}
    ).respond_with_json(fixture(name))


def client(httpserver: HTTPServer, timeout: float = 2) -> CqcClient:
    return CqcClient(base_url=httpserver.url_for("/public/v1"), api_key=KEY, timeout=timeout)


# --- The client ---------------------------------------------------------------------------------------------


def test_a_location_is_read_with_the_subscription_key(httpserver: HTTPServer) -> None:
    serve_location(httpserver, "cqc_location_good.json")

    registration = client(httpserver).location(LOCATION_ID)

    assert registration.kind == "location"
    assert registration.cqc_id == LOCATION_ID
    assert registration.name == "Brightwater Home Care - Melton"
    assert registration.postal_code == "LE13 1DU"
    assert registration.registration_status == "Registered"
    assert registration.registration_date == date(2016, 3, 14)
    assert registration.deregistration_date is None
    assert registration.overall_rating == "Good"
    assert registration.provider_rating == "good"
    assert registration.report_date == date(2023, 10, 20)
    assert not registration.is_inadequate
    assert not registration.is_deregistered


def test_a_provider_without_current_ratings_reads_as_not_rated(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/public/v1/providers/{PROVIDER_ID}").respond_with_json(
        fixture("cqc_provider_registered.json")
    )

    registration = client(httpserver).provider(PROVIDER_ID)

    assert registration.kind == "provider"
    assert registration.name == "Brightwater Care Ltd"
    assert registration.overall_rating == ""
    assert registration.provider_rating == ""
    assert registration.report_date is None


def test_a_deregistered_location_says_so_with_its_date(httpserver: HTTPServer) -> None:
    serve_location(httpserver, "cqc_location_deregistered.json")

    registration = client(httpserver).location(LOCATION_ID)

    assert registration.is_deregistered
    assert registration.deregistration_date == date(2024, 8, 30)


def test_an_unknown_id_is_not_found(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/public/v1/locations/1-999999999").respond_with_json(
        fixture("cqc_not_found.json"), status=404
    )

    with pytest.raises(CqcNotFound):
        client(httpserver).location("1-999999999")


def test_a_server_error_is_a_temporary_cqc_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/public/v1/locations/{LOCATION_ID}").respond_with_data("upstream broke", status=500)

    with pytest.raises(CqcError) as raised:
        client(httpserver).location(LOCATION_ID)

    assert raised.value.is_temporary
    assert "HTTP 500" in str(raised.value)
    assert not isinstance(raised.value, CqcNotFound)


def test_a_refused_key_is_a_lasting_error_naming_the_settings(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/public/v1/locations/{LOCATION_ID}").respond_with_json(
        {"statusCode": 401, "message": "Access denied due to invalid subscription key."}, status=401
    )

    with pytest.raises(CqcError) as raised:
        client(httpserver).location(LOCATION_ID)

    assert not raised.value.is_temporary
    assert "API key" in str(raised.value)


def test_a_register_slower_than_the_timeout_is_a_temporary_error(httpserver: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return Response(json.dumps(fixture("cqc_location_good.json")), content_type="application/json")

    httpserver.expect_request(f"/public/v1/locations/{LOCATION_ID}").respond_with_handler(slow)

    with pytest.raises(CqcError) as raised:
        client(httpserver, timeout=0.1).location(LOCATION_ID)

    assert raised.value.is_temporary
    assert "did not answer within 0.1 seconds" in str(raised.value)


def test_an_answer_that_is_not_json_is_an_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/public/v1/locations/{LOCATION_ID}").respond_with_data(
        "<html>Service unavailable</html>", content_type="text/html"
    )

    with pytest.raises(CqcError, match="not JSON"):
        client(httpserver).location(LOCATION_ID)


def test_json_without_a_registration_status_is_an_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/public/v1/locations/{LOCATION_ID}").respond_with_json({"name": "Somewhere"})

    with pytest.raises(CqcError, match="no registration status"):
        client(httpserver).location(LOCATION_ID)


def test_a_register_that_cannot_be_reached_is_a_temporary_error() -> None:
    unused = CqcClient(base_url="http://127.0.0.1:9/public/v1", api_key=KEY, timeout=1)

    with pytest.raises(CqcError) as raised:
        unused.location(LOCATION_ID)

    assert raised.value.is_temporary
    assert "127.0.0.1" not in str(raised.value)


def test_the_client_needs_its_settings(settings: Any) -> None:
    settings.CQC_API_KEY = ""

    with pytest.raises(CqcError, match="CQC_API_KEY not set"):
        CqcClient.from_settings()


def test_every_cqc_error_is_a_register_error() -> None:
    assert issubclass(CqcNotFound, CqcError)
    assert issubclass(CqcError, RegisterError)


# --- The sync -----------------------------------------------------------------------------------------------


def cqc_provider(**fields: Any) -> Provider:
    defaults = {
        "kind": Provider.Kind.HOME_CARE_AGENCY,
        "name": "Brightwater Home Care",
        "cqc_location_id": LOCATION_ID,
    }
    return ProviderFactory.create(**{**defaults, **fields})


@pytest.mark.django_db
def test_a_good_rating_is_copied_to_the_listing_and_kept_on_the_record(
    httpserver: HTTPServer, cqc_settings: Any
) -> None:
    serve_location(httpserver, "cqc_location_good.json")
    provider = cqc_provider()

    result = cqc_sync_provider(provider=provider)

    provider.refresh_from_db()
    assert (provider.cqc_rating, provider.cqc_rating_date) == ("good", date(2023, 10, 20))
    record = RegisterRecord.objects.get(provider=provider, source="cqc")
    assert record.status == "Registered"
    assert record.data["overall_rating"] == "Good"
    assert record.data["report_date"] == "2023-10-20"
    assert result.record == record
    assert result.alerts == []
    assert not RegisterAlert.objects.exists()


@pytest.mark.django_db
def test_a_rating_that_becomes_inadequate_alerts_commissioners_once(
    httpserver: HTTPServer, cqc_settings: Any, commissioner_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    provider = cqc_provider()
    serve_location(httpserver, "cqc_location_good.json")
    cqc_sync_provider(provider=provider)
    httpserver.clear()
    serve_location(httpserver, "cqc_location_inadequate.json")

    with django_capture_on_commit_callbacks(execute=True):
        first = cqc_sync_provider(provider=provider)
    with django_capture_on_commit_callbacks(execute=True):
        second = cqc_sync_provider(provider=provider)

    alert = RegisterAlert.objects.get(provider=provider)
    assert first.alerts == [alert]
    assert second.alerts == []
    assert (alert.source, alert.code) == ("cqc", "inadequate")
    assert "Inadequate" in alert.message
    assert "5 June 2024" in alert.message
    provider.refresh_from_db()
    assert (provider.cqc_rating, provider.cqc_rating_date) == ("inadequate", date(2024, 6, 5))
    alert_emails = [message for message in mail.outbox if message.subject == f"CQC: {provider.name}"]
    assert [message.to for message in alert_emails] == [[commissioner_user.email]]
    assert alert.message in alert_emails[0].body
    flag = ContingencyFlag.objects.get(provider=provider)
    assert flag.level == "at_risk"
    assert list(flag.triggers.values_list("kind", flat=True)) == ["cqc_inadequate"]


@pytest.mark.django_db
def test_an_inadequate_rating_seen_for_the_first_time_alerts(httpserver: HTTPServer, cqc_settings: Any) -> None:
    serve_location(httpserver, "cqc_location_inadequate.json")
    provider = cqc_provider()

    result = cqc_sync_provider(provider=provider)

    assert [alert.code for alert in result.alerts] == ["inadequate"]


@pytest.mark.django_db
def test_inadequate_again_after_an_improvement_alerts_again(httpserver: HTTPServer, cqc_settings: Any) -> None:
    provider = cqc_provider()
    for name in ("cqc_location_inadequate.json", "cqc_location_good.json", "cqc_location_inadequate.json"):
        httpserver.clear()
        serve_location(httpserver, name)
        cqc_sync_provider(provider=provider)

    assert RegisterAlert.objects.filter(provider=provider, code="inadequate").count() == 2


@pytest.mark.django_db
def test_deregistration_alerts_once_and_signals_contingency(httpserver: HTTPServer, cqc_settings: Any) -> None:
    provider = cqc_provider()
    serve_location(httpserver, "cqc_location_deregistered.json")

    first = cqc_sync_provider(provider=provider)
    second = cqc_sync_provider(provider=provider)

    assert [alert.code for alert in first.alerts] == ["deregistered"]
    assert "30 August 2024" in first.alerts[0].message
    assert second.alerts == []
    assert RegisterRecord.objects.get(provider=provider, source="cqc").status == "Deregistered"
    flag = ContingencyFlag.objects.get(provider=provider)
    assert flag.level == "failing"


@pytest.mark.django_db
def test_a_listing_with_only_a_provider_id_is_read_from_the_provider(
    httpserver: HTTPServer, cqc_settings: Any
) -> None:
    httpserver.expect_request(f"/public/v1/providers/{PROVIDER_ID}").respond_with_json(
        fixture("cqc_provider_registered.json")
    )
    provider = cqc_provider(cqc_location_id="", cqc_provider_id=PROVIDER_ID, cqc_rating="good")

    result = cqc_sync_provider(provider=provider)

    assert result.record.data["kind"] == "provider"
    provider.refresh_from_db()
    assert provider.cqc_rating == ""


@pytest.mark.django_db
def test_an_id_the_cqc_does_not_know_alerts_once_and_keeps_what_we_knew(
    httpserver: HTTPServer, cqc_settings: Any
) -> None:
    provider = cqc_provider()
    serve_location(httpserver, "cqc_location_good.json")
    cqc_sync_provider(provider=provider)
    httpserver.clear()
    httpserver.expect_request(f"/public/v1/locations/{LOCATION_ID}").respond_with_json(
        fixture("cqc_not_found.json"), status=404
    )

    first = cqc_sync_provider(provider=provider)
    second = cqc_sync_provider(provider=provider)

    assert [alert.code for alert in first.alerts] == ["not_found"]
    assert LOCATION_ID in first.alerts[0].message
    assert second.alerts == []
    record = RegisterRecord.objects.get(provider=provider, source="cqc")
    assert record.status == "Not found"
    assert record.data["overall_rating"] == "Good"
    assert not ContingencyFlag.objects.filter(provider=provider).exists()


@pytest.mark.django_db
def test_a_failed_request_writes_nothing(httpserver: HTTPServer, cqc_settings: Any) -> None:
    httpserver.expect_request(f"/public/v1/locations/{LOCATION_ID}").respond_with_data("", status=503)
    provider = cqc_provider(cqc_rating="good", cqc_rating_date=date(2023, 10, 20))

    with pytest.raises(CqcError):
        cqc_sync_provider(provider=provider)

    assert not RegisterRecord.objects.exists()
    provider.refresh_from_db()
    assert provider.cqc_rating == "good"


@pytest.mark.django_db
def test_a_listing_without_cqc_ids_cannot_be_synced(cqc_settings: Any) -> None:
    provider = ProviderFactory.create()

    with pytest.raises(CqcError, match="no CQC location or provider ID"):
        cqc_sync_provider(provider=provider)


@pytest.mark.django_db
def test_another_unknown_id_on_the_listing_alerts_again(httpserver: HTTPServer, cqc_settings: Any) -> None:
    httpserver.expect_request("/public/v1/locations/1-999999991").respond_with_data("", status=404)
    httpserver.expect_request("/public/v1/locations/1-999999992").respond_with_data("", status=404)
    provider = cqc_provider(cqc_location_id="1-999999991")
    cqc_sync_provider(provider=provider)
    provider.cqc_location_id = "1-999999992"

    result = cqc_sync_provider(provider=provider)

    assert [alert.code for alert in result.alerts] == ["not_found"]
    assert "1-999999992" in result.alerts[0].message


@pytest.mark.django_db
def test_the_listing_keeps_only_ratings_it_knows() -> None:
    from marketplace.providers.services import ProviderError, provider_set_cqc_rating

    provider = cqc_provider(cqc_rating="good")

    with pytest.raises(ProviderError, match="not a CQC rating"):
        provider_set_cqc_rating(provider=provider, rating="Good", rating_date=date(2024, 6, 5))

    provider.refresh_from_db()
    assert provider.cqc_rating == "good"
