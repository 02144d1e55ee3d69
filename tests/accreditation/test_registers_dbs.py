"""The DBS Update Service client against a local HTTP stub serving real-shaped XML, and the status check sync."""

import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from marketplace.accreditation.models import CheckDecision, ProviderCheck, RegisterAlert, RegisterRecord
from marketplace.accreditation.registers.dbs_update_service import (
    DbsStatus,
    DbsUpdateServiceClient,
    DbsUpdateServiceError,
)
from marketplace.accreditation.registers.sync import dbs_update_check
from marketplace.providers.models import Provider
from tests.factories import ProviderCheckFactory, ProviderFactory, WorkerFactory

FIXTURES = Path(__file__).parent / "fixtures" / "registers"
CERTIFICATE = "001234567890"
PATH = f"/crsc/api/status/{CERTIFICATE}"
QUERY = {
    "dateOfBirth": "02/04/1980",
    "surname": "Smith",
    "hasAgreedTermsAndConditions": "true",
    "organisationName": "Example County Council",
    "employeeSurname": "Officer",
    "employeeForename": "Pat",
}


def xml(name: str) -> str:
    return (FIXTURES / name).read_text()


def serve(httpserver: HTTPServer, name: str) -> None:
    httpserver.expect_request(PATH, query_string=QUERY).respond_with_data(xml(name), content_type="application/xml")


def client(httpserver: HTTPServer, timeout: float = 2) -> DbsUpdateServiceClient:
    return DbsUpdateServiceClient(
        base_url=httpserver.url_for("/crsc/api/status"),
        organisation="Example County Council",
        checker_forename="Pat",
        checker_surname="Officer",
        timeout=timeout,
    )


def status(httpserver: HTTPServer, timeout: float = 2) -> Any:
    return client(httpserver, timeout).status(
        certificate_number=CERTIFICATE, surname="Smith", date_of_birth=date(1980, 4, 2)
    )


@pytest.fixture
def dbs_settings(settings: Any, httpserver: HTTPServer) -> Any:
    settings.DBS_UPDATE_SERVICE_URL = httpserver.url_for("/crsc/api/status")
    settings.DBS_UPDATE_SERVICE_ORGANISATION = "Example County Council"
    settings.DBS_UPDATE_SERVICE_CHECKER_FORENAME = "Pat"
    settings.DBS_UPDATE_SERVICE_CHECKER_SURNAME = "Officer"
    settings.REGISTER_TIMEOUT_SECONDS = 2
    return settings


# --- The client ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected", "has_new_information", "is_match"),
    [
        ("dbs_blank_no_new_info.xml", DbsStatus.BLANK_NO_NEW_INFO, False, True),
        ("dbs_non_blank_no_new_info.xml", DbsStatus.NON_BLANK_NO_NEW_INFO, False, True),
        ("dbs_new_info.xml", DbsStatus.NEW_INFO, True, True),
        ("dbs_no_match_found.xml", DbsStatus.NO_MATCH_FOUND, False, False),
    ],
)
def test_each_status_is_read_from_a_request_carrying_what_the_dbs_asks_for(
    httpserver: HTTPServer, name: str, expected: DbsStatus, has_new_information: bool, is_match: bool
) -> None:
    serve(httpserver, name)

    result = status(httpserver)

    assert result.status == expected
    assert result.has_new_information is has_new_information
    assert result.is_match is is_match


def test_the_print_date_is_kept(httpserver: HTTPServer) -> None:
    serve(httpserver, "dbs_blank_no_new_info.xml")

    assert status(httpserver).print_date == date(2023, 5, 9)


def test_an_answer_in_a_namespace_reads_the_same(httpserver: HTTPServer) -> None:
    body = xml("dbs_new_info.xml").replace("<statusCheckResult>", '<statusCheckResult xmlns="urn:example:crsc">')
    httpserver.expect_request(PATH).respond_with_data(body, content_type="application/xml")

    assert status(httpserver).status == DbsStatus.NEW_INFO


def test_a_failed_check_is_an_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_data(xml("dbs_failure.xml"), content_type="application/xml")

    with pytest.raises(DbsUpdateServiceError, match="could not make the check"):
        status(httpserver)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<html><body>Maintenance</body>", "not XML"),
        ("<error>no</error>", "not a status check result"),
        (
            "<statusCheckResult><statusCheckResultType>SUCCESS</statusCheckResultType>"
            "<status>CLEAR</status></statusCheckResult>",
            "status we do not know",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]>'
            "<statusCheckResult><status>&lol;</status></statusCheckResult>",
            "declares a document type",
        ),
    ],
)
def test_malformed_answers_are_errors(httpserver: HTTPServer, body: str, message: str) -> None:
    httpserver.expect_request(PATH).respond_with_data(body, content_type="application/xml")

    with pytest.raises(DbsUpdateServiceError, match=message) as raised:
        status(httpserver)

    assert not raised.value.is_temporary


def test_a_server_error_is_temporary_and_never_repeats_the_personal_details(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_data("", status=500)

    with pytest.raises(DbsUpdateServiceError) as raised:
        status(httpserver)

    assert raised.value.is_temporary
    assert raised.value.__cause__ is None
    assert "1980" not in str(raised.value)
    assert "Smith" not in str(raised.value)


def test_a_404_is_an_error_not_a_missing_certificate(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_data("", status=404)

    with pytest.raises(DbsUpdateServiceError, match="HTTP 404"):
        status(httpserver)


def test_a_slow_answer_times_out_without_naming_the_url(httpserver: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return Response(xml("dbs_blank_no_new_info.xml"), content_type="application/xml")

    httpserver.expect_request(PATH).respond_with_handler(slow)

    with pytest.raises(DbsUpdateServiceError, match="did not answer") as raised:
        status(httpserver, timeout=0.1)

    assert raised.value.is_temporary
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


@pytest.mark.parametrize("number", ["12345", "00123456789A", ""])
def test_a_certificate_number_that_is_not_twelve_digits_is_not_sent(httpserver: HTTPServer, number: str) -> None:
    with pytest.raises(DbsUpdateServiceError, match="twelve digits"):
        client(httpserver).status(certificate_number=number, surname="Smith", date_of_birth=date(1980, 4, 2))

    assert httpserver.log == []


def test_the_client_needs_the_checkers_details(settings: Any) -> None:
    settings.DBS_UPDATE_SERVICE_ORGANISATION = "Example County Council"
    settings.DBS_UPDATE_SERVICE_CHECKER_FORENAME = ""
    settings.DBS_UPDATE_SERVICE_CHECKER_SURNAME = ""

    with pytest.raises(
        DbsUpdateServiceError,
        match="DBS_UPDATE_SERVICE_CHECKER_FORENAME and DBS_UPDATE_SERVICE_CHECKER_SURNAME not set",
    ):
        DbsUpdateServiceClient.from_settings()


# --- The sync -----------------------------------------------------------------------------------------------


def dbs_check(**fields: Any) -> ProviderCheck:
    defaults: dict[str, Any] = {
        "code": "enhanced-dbs",
        "provider": ProviderFactory.create(name="Jane Smith"),
        "status": ProviderCheck.Status.VERIFIED,
        "certificate_number": CERTIFICATE,
        "certificate_number_last_digits": "7890",
        "is_on_update_service": True,
        "holder_surname": "Smith",
        "holder_date_of_birth": "1980-04-02",
    }
    return ProviderCheckFactory.create(**{**defaults, **fields})


@pytest.mark.django_db
def test_no_new_information_records_the_check_and_its_time(httpserver: HTTPServer, dbs_settings: Any) -> None:
    serve(httpserver, "dbs_non_blank_no_new_info.xml")
    check = dbs_check()

    result = dbs_update_check(provider_check=check)

    assert result.alerts == []
    check.refresh_from_db()
    assert check.status == ProviderCheck.Status.VERIFIED
    assert check.last_external_check_at is not None
    record = RegisterRecord.objects.get(provider=check.provider, source="dbs_update_service")
    assert record.status == "NON_BLANK_NO_NEW_INFO"
    entry = record.data["checks"][str(check.uuid)]
    assert entry["status"] == "NON_BLANK_NO_NEW_INFO"
    assert entry["print_date"] == "2023-05-09"


@pytest.mark.django_db
def test_the_record_keeps_no_names_dates_of_birth_or_certificate_numbers(
    httpserver: HTTPServer, dbs_settings: Any
) -> None:
    serve(httpserver, "dbs_blank_no_new_info.xml")
    check = dbs_check()

    record = dbs_update_check(provider_check=check).record

    kept = str(record.data).upper()
    for personal in ("JANE", "SMITH", "1980", CERTIFICATE):
        assert personal not in kept


@pytest.mark.django_db
def test_new_information_sends_the_check_back_to_review_and_alerts(
    httpserver: HTTPServer, dbs_settings: Any, commissioner_user: Any
) -> None:
    serve(httpserver, "dbs_new_info.xml")
    check = dbs_check()

    result = dbs_update_check(provider_check=check)

    check.refresh_from_db()
    assert check.status == ProviderCheck.Status.SUBMITTED
    decision = check.decisions.get()
    assert decision.outcome == CheckDecision.Outcome.RETURNED
    assert "new information" in decision.reason
    (alert,) = result.alerts
    assert (alert.source, alert.code) == ("dbs_update_service", "new_info")
    assert "ending 7890 for Jane Smith" in alert.message
    assert "returned for review" in alert.message
    assert CERTIFICATE not in alert.message


@pytest.mark.django_db
def test_new_information_on_a_check_already_under_review_alerts_once(
    httpserver: HTTPServer, dbs_settings: Any
) -> None:
    serve(httpserver, "dbs_new_info.xml")
    check = dbs_check(status=ProviderCheck.Status.SUBMITTED)

    first = dbs_update_check(provider_check=check)
    second = dbs_update_check(provider_check=check)

    assert [alert.code for alert in first.alerts] == ["new_info"]
    assert "Ask to see a new certificate" in first.alerts[0].message
    assert second.alerts == []
    assert not CheckDecision.objects.filter(provider_check=check).exists()


@pytest.mark.django_db
def test_details_that_do_not_match_alert_once(httpserver: HTTPServer, dbs_settings: Any) -> None:
    serve(httpserver, "dbs_no_match_found.xml")
    worker = WorkerFactory.create(full_name="Sam Carter", provider__name="Brightwater Care")
    check = dbs_check(provider=worker.provider, worker=worker)

    first = dbs_update_check(provider_check=check)
    second = dbs_update_check(provider_check=check)

    assert [alert.code for alert in first.alerts] == ["no_match"]
    assert "Sam Carter at Brightwater Care" in first.alerts[0].message
    assert "do not match" in first.alerts[0].message
    assert second.alerts == []
    check.refresh_from_db()
    assert check.status == ProviderCheck.Status.VERIFIED


@pytest.mark.django_db
def test_the_record_shows_the_most_serious_status_of_a_providers_checks(
    httpserver: HTTPServer, dbs_settings: Any
) -> None:
    provider = ProviderFactory.create(kind=Provider.Kind.MICRO_PROVIDER)
    first_worker, second_worker = WorkerFactory.create_batch(2, provider=provider)
    serve(httpserver, "dbs_blank_no_new_info.xml")
    dbs_update_check(provider_check=dbs_check(provider=provider, worker=first_worker))
    httpserver.clear()
    serve(httpserver, "dbs_no_match_found.xml")
    dbs_update_check(provider_check=dbs_check(provider=provider, worker=second_worker))

    record = RegisterRecord.objects.get(provider=provider, source="dbs_update_service")
    assert record.status == "NO_MATCH_FOUND"
    assert len(record.data["checks"]) == 2


@pytest.mark.django_db
def test_a_check_not_on_the_update_service_is_not_checked(httpserver: HTTPServer, dbs_settings: Any) -> None:
    check = dbs_check(is_on_update_service=False)

    with pytest.raises(DbsUpdateServiceError, match="not a DBS certificate on the Update Service"):
        dbs_update_check(provider_check=check)

    assert httpserver.log == []


@pytest.mark.django_db
def test_a_check_without_a_readable_date_of_birth_is_not_checked(httpserver: HTTPServer, dbs_settings: Any) -> None:
    check = dbs_check(holder_date_of_birth="2 April 1980")

    with pytest.raises(DbsUpdateServiceError, match="date of birth"):
        dbs_update_check(provider_check=check)

    assert httpserver.log == []


@pytest.mark.django_db
def test_a_failed_check_writes_nothing(httpserver: HTTPServer, dbs_settings: Any) -> None:
    httpserver.expect_request(PATH).respond_with_data("", status=503)
    check = dbs_check()

    with pytest.raises(DbsUpdateServiceError):
        dbs_update_check(provider_check=check)

    check.refresh_from_db()
    assert check.last_external_check_at is None
    assert not RegisterRecord.objects.exists()
    assert not RegisterAlert.objects.exists()
