"""The Companies House client against a local HTTP stub serving answers of the real shape, and its sync."""

import base64
import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from marketplace.accreditation.models import RegisterAlert, RegisterRecord
from marketplace.accreditation.registers.companies_house import (
    CompaniesHouseClient,
    CompaniesHouseError,
    CompanyNotFound,
    normalise_company_number,
)
from marketplace.accreditation.registers.sync import companies_house_sync_provider
from marketplace.contingency.models import ContingencyFlag
from marketplace.providers.models import Provider
from tests.factories import ProviderFactory

FIXTURES = Path(__file__).parent / "fixtures" / "registers"
KEY = "test-companies-house-key"
NUMBER = "09876543"
BASIC_AUTH = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
TODAY = date(2025, 3, 3)


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def serve_company(httpserver: HTTPServer, name: str, *, status: int = 200) -> None:
    httpserver.expect_request(f"/company/{NUMBER}", headers={"Authorization": BASIC_AUTH}).respond_with_json(
        fixture(name), status=status
    )


def client(httpserver: HTTPServer, timeout: float = 2) -> CompaniesHouseClient:
    return CompaniesHouseClient(base_url=httpserver.url_for("/"), api_key=KEY, timeout=timeout)


@pytest.fixture
def companies_house_settings(settings: Any, httpserver: HTTPServer) -> Any:
    settings.COMPANIES_HOUSE_API_URL = httpserver.url_for("/")
    settings.COMPANIES_HOUSE_API_KEY = KEY
    settings.REGISTER_TIMEOUT_SECONDS = 2
    return settings


# --- The client ---------------------------------------------------------------------------------------------


def test_a_company_is_read_with_the_key_as_basic_auth_user(httpserver: HTTPServer) -> None:
    serve_company(httpserver, "companies_house_company_active.json")

    profile = client(httpserver).company(NUMBER)

    assert profile.company_number == NUMBER
    assert profile.company_name == "BRIGHTWATER CARE LTD"
    assert profile.is_active
    assert not profile.has_insolvency_history
    assert profile.accounts_overdue is False
    assert profile.accounts_next_due == date(2025, 12, 31)
    assert profile.confirmation_statement_overdue is False
    assert not profile.has_overdue_accounts(TODAY)


def test_a_company_in_liquidation_reads_as_insolvent_with_overdue_accounts(httpserver: HTTPServer) -> None:
    serve_company(httpserver, "companies_house_company_liquidation.json")

    profile = client(httpserver).company(NUMBER)

    assert profile.company_status == "liquidation"
    assert profile.is_in_insolvency_procedure
    assert profile.has_insolvency_history
    assert profile.has_overdue_accounts(TODAY)


def test_when_the_overdue_flag_is_missing_the_due_date_decides(httpserver: HTTPServer) -> None:
    body = fixture("companies_house_company_active.json")
    del body["accounts"]["overdue"]
    body["accounts"]["next_due"] = "2025-03-02"
    httpserver.expect_request(f"/company/{NUMBER}").respond_with_json(body)

    profile = client(httpserver).company(NUMBER)

    assert profile.accounts_overdue is None
    assert profile.has_overdue_accounts(date(2025, 3, 3))
    assert not profile.has_overdue_accounts(date(2025, 3, 2))


def test_the_insolvency_cases_are_read(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/company/{NUMBER}/insolvency").respond_with_json(
        fixture("companies_house_insolvency.json")
    )

    (case,) = client(httpserver).insolvency(NUMBER)

    assert case.case_type == "creditors-voluntary-liquidation"
    assert case.number == "1"
    assert case.dates == (("wound-up-on", date(2025, 1, 27)),)


def test_no_insolvency_record_is_no_cases(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/company/{NUMBER}/insolvency").respond_with_data("", status=404)

    assert client(httpserver).insolvency(NUMBER) == ()


@pytest.mark.parametrize(
    ("typed", "number"), [("9876543", NUMBER), (" sc 123456 ", "SC123456"), ("OC301234", "OC301234")]
)
def test_company_numbers_are_normalised(typed: str, number: str) -> None:
    assert normalise_company_number(typed) == number


def test_a_number_that_cannot_be_a_company_number_is_refused_before_asking(httpserver: HTTPServer) -> None:
    with pytest.raises(CompaniesHouseError, match="not a Companies House company number"):
        client(httpserver).company("../../oauth")

    assert httpserver.log == []


def test_an_unknown_company_is_not_found(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/company/{NUMBER}").respond_with_json(
        fixture("companies_house_not_found.json"), status=404
    )

    with pytest.raises(CompanyNotFound):
        client(httpserver).company(NUMBER)


def test_a_server_error_is_temporary(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/company/{NUMBER}").respond_with_data("", status=502)

    with pytest.raises(CompaniesHouseError) as raised:
        client(httpserver).company(NUMBER)

    assert raised.value.is_temporary


def test_a_rate_limit_is_temporary(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/company/{NUMBER}").respond_with_json({"error": "rate-limited"}, status=429)

    with pytest.raises(CompaniesHouseError, match="slow down") as raised:
        client(httpserver).company(NUMBER)

    assert raised.value.is_temporary


def test_a_slow_answer_times_out(httpserver: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return Response("{}", content_type="application/json")

    httpserver.expect_request(f"/company/{NUMBER}").respond_with_handler(slow)

    with pytest.raises(CompaniesHouseError, match="did not answer") as raised:
        client(httpserver, timeout=0.1).company(NUMBER)

    assert raised.value.is_temporary


@pytest.mark.parametrize(
    ("body", "message"),
    [("not json at all", "not JSON"), ("[1, 2]", "unexpected shape"), ('{"company_name": "X"}', "no company status")],
)
def test_malformed_answers_are_errors(httpserver: HTTPServer, body: str, message: str) -> None:
    httpserver.expect_request(f"/company/{NUMBER}").respond_with_data(body, content_type="application/json")

    with pytest.raises(CompaniesHouseError, match=message) as raised:
        client(httpserver).company(NUMBER)

    assert not raised.value.is_temporary


def test_the_client_needs_its_key(settings: Any) -> None:
    settings.COMPANIES_HOUSE_API_KEY = ""

    with pytest.raises(CompaniesHouseError, match="COMPANIES_HOUSE_API_KEY not set"):
        CompaniesHouseClient.from_settings()


# --- The sync -----------------------------------------------------------------------------------------------


def company_provider() -> Provider:
    return ProviderFactory.create(kind=Provider.Kind.MICRO_PROVIDER, name="Brightwater Care", company_number=NUMBER)


@pytest.mark.django_db
def test_an_active_company_is_recorded_without_alerts(httpserver: HTTPServer, companies_house_settings: Any) -> None:
    serve_company(httpserver, "companies_house_company_active.json")
    provider = company_provider()

    result = companies_house_sync_provider(provider=provider, today=TODAY)

    assert result.alerts == []
    record = RegisterRecord.objects.get(provider=provider, source="companies_house")
    assert record.status == "active"
    assert record.data["company_name"] == "BRIGHTWATER CARE LTD"
    assert record.data["accounts_overdue"] is False
    assert record.data["has_insolvency_history"] is False


@pytest.mark.django_db
def test_liquidation_alerts_insolvency_and_overdue_accounts_once_each(
    httpserver: HTTPServer, companies_house_settings: Any
) -> None:
    provider = company_provider()
    serve_company(httpserver, "companies_house_company_active.json")
    companies_house_sync_provider(provider=provider, today=TODAY)
    httpserver.clear()
    serve_company(httpserver, "companies_house_company_liquidation.json")
    httpserver.expect_oneshot_request(f"/company/{NUMBER}/insolvency").respond_with_json(
        fixture("companies_house_insolvency.json")
    )

    first = companies_house_sync_provider(provider=provider, today=TODAY)
    second = companies_house_sync_provider(provider=provider, today=TODAY)

    assert sorted(alert.code for alert in first.alerts) == ["accounts_overdue", "insolvency"]
    assert second.alerts == []
    insolvency = RegisterAlert.objects.get(provider=provider, code="insolvency")
    assert "in liquidation" in insolvency.message
    assert "insolvency history" in insolvency.message
    assert "creditors voluntary liquidation" in insolvency.message
    overdue = RegisterAlert.objects.get(provider=provider, code="accounts_overdue")
    assert "31 December 2024" in overdue.message
    record = RegisterRecord.objects.get(provider=provider, source="companies_house")
    assert record.data["insolvency_cases"] == [{"type": "creditors-voluntary-liquidation", "number": "1"}]
    # The insolvency cases are read only when the history is first seen.
    assert [entry[0].path for entry in httpserver.log].count(f"/company/{NUMBER}/insolvency") == 1
    flag = ContingencyFlag.objects.get(provider=provider)
    assert flag.level == "at_risk"
    assert sorted(flag.triggers.values_list("kind", flat=True)) == ["insolvency", "overdue_accounts"]


@pytest.mark.django_db
def test_dissolution_signals_struck_off(httpserver: HTTPServer, companies_house_settings: Any) -> None:
    serve_company(httpserver, "companies_house_company_dissolved.json")
    provider = company_provider()

    result = companies_house_sync_provider(provider=provider, today=TODAY)

    assert [alert.code for alert in result.alerts] == ["dissolved"]
    assert "18 February 2025" in result.alerts[0].message
    flag = ContingencyFlag.objects.get(provider=provider)
    assert flag.level == "failing"
    assert list(flag.triggers.values_list("kind", flat=True)) == ["struck_off"]


@pytest.mark.django_db
def test_a_proposal_to_strike_off_alerts_once(httpserver: HTTPServer, companies_house_settings: Any) -> None:
    serve_company(httpserver, "companies_house_company_strike_off_proposed.json")
    provider = company_provider()

    first = companies_house_sync_provider(provider=provider, today=TODAY)
    second = companies_house_sync_provider(provider=provider, today=TODAY)

    assert [alert.code for alert in first.alerts] == ["strike_off_proposed"]
    assert second.alerts == []


@pytest.mark.django_db
def test_overdue_accounts_alert_again_only_after_they_were_filed(
    httpserver: HTTPServer, companies_house_settings: Any
) -> None:
    provider = company_provider()
    for name in (
        "companies_house_company_accounts_overdue.json",
        "companies_house_company_accounts_overdue.json",
        "companies_house_company_active.json",
        "companies_house_company_accounts_overdue.json",
    ):
        httpserver.clear()
        serve_company(httpserver, name)
        companies_house_sync_provider(provider=provider, today=TODAY)

    assert RegisterAlert.objects.filter(provider=provider, code="accounts_overdue").count() == 2
    assert ContingencyFlag.objects.get(provider=provider).level == "watch"


@pytest.mark.django_db
def test_another_inactive_status_alerts_without_a_contingency_signal(
    httpserver: HTTPServer, companies_house_settings: Any
) -> None:
    body = fixture("companies_house_company_active.json")
    body["company_status"] = "converted-closed"
    httpserver.expect_request(f"/company/{NUMBER}").respond_with_json(body)
    provider = company_provider()

    result = companies_house_sync_provider(provider=provider, today=TODAY)

    assert [alert.code for alert in result.alerts] == ["not_active"]
    assert "converted closed" in result.alerts[0].message
    assert not ContingencyFlag.objects.filter(provider=provider).exists()


@pytest.mark.django_db
def test_insolvency_cases_that_cannot_be_read_do_not_stop_the_sync(
    httpserver: HTTPServer, companies_house_settings: Any
) -> None:
    serve_company(httpserver, "companies_house_company_liquidation.json")
    httpserver.expect_request(f"/company/{NUMBER}/insolvency").respond_with_data("", status=500)
    provider = company_provider()

    result = companies_house_sync_provider(provider=provider, today=TODAY)

    assert "insolvency" in [alert.code for alert in result.alerts]
    assert result.record.data["insolvency_cases"] == []


@pytest.mark.django_db
def test_an_unknown_company_number_alerts_once(httpserver: HTTPServer, companies_house_settings: Any) -> None:
    httpserver.expect_request(f"/company/{NUMBER}").respond_with_json(
        fixture("companies_house_not_found.json"), status=404
    )
    provider = company_provider()

    first = companies_house_sync_provider(provider=provider, today=TODAY)
    second = companies_house_sync_provider(provider=provider, today=TODAY)

    assert [alert.code for alert in first.alerts] == ["not_found"]
    assert NUMBER in first.alerts[0].message
    assert second.alerts == []


@pytest.mark.django_db
def test_a_provider_without_a_company_number_cannot_be_synced(companies_house_settings: Any) -> None:
    with pytest.raises(CompaniesHouseError, match="no company number"):
        companies_house_sync_provider(provider=ProviderFactory.create(), today=TODAY)
