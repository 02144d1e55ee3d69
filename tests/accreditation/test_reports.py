"""The commissioners' vetting reports and their spreadsheet downloads."""

import csv
import datetime
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from marketplace.accreditation.models import ProviderCheck
from marketplace.providers.models import Provider
from tests.factories import LocalityFactory, ProviderCheckFactory, ProviderFactory, WorkerFactory

pytestmark = pytest.mark.django_db

EXPIRING = reverse("accreditation_expiring_report:index")
ACCREDITED = reverse("accreditation_accredited_report:index")


@pytest.fixture
def commissioner(client: Client, commissioner_user: Any) -> Any:
    client.force_login(commissioner_user)
    return commissioner_user


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def csv_rows(client: Client, url: str) -> list[dict[str, str]]:
    response = client.get(url, {"export": "csv"} if "?" not in url else None)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def verified(provider: Provider, code: str, expires_in: int | None, **values: Any) -> ProviderCheck:
    expiry = in_days(expires_in) if expires_in is not None else None
    return ProviderCheckFactory(
        provider=provider,
        code=code,
        status=ProviderCheck.Status.VERIFIED,
        expires_on=expiry,
        verified_expires_on=expiry,
        verified_at=timezone.now(),
        **values,
    )


# Checks expiring in the next 30 days -----------------------------------------------------------------------


def test_expiring_report_lists_checks_due_within_30_days_soonest_first(client: Client, commissioner: Any) -> None:
    north = LocalityFactory(name="Northfold")
    asha = ProviderFactory(name="Asha Patel", locality=north, contact_email="asha@example.org")
    verified(asha, "public-liability-insurance", 25)
    verified(asha, "enhanced-dbs", 3, certificate_number="001234567890", certificate_number_last_digits="7890")
    verified(asha, "first-aid-training", 45)  # not yet
    verified(asha, "right-to-work", -2)  # already expired: the sweep's business, not this report's
    ProviderCheckFactory(provider=asha, code="safeguarding-adults-training", status="rejected", expires_on=in_days(5))
    team = ProviderFactory(name="Brook Team", kind=Provider.Kind.MICRO_PROVIDER)
    verified(team, "enhanced-dbs", 10, worker=WorkerFactory(provider=team, full_name="Sam Lee"))

    rows = csv_rows(client, EXPIRING)

    assert [(row["Provider"], row["Check"], row["Days left"]) for row in rows] == [
        ("Asha Patel", "Enhanced DBS check with adults' barred list", "3"),
        ("Brook Team", "Enhanced DBS check with adults' barred list (Sam Lee)", "10"),
        ("Asha Patel", "Public liability insurance", "25"),
    ]
    assert rows[0]["Locality"] == "Northfold"
    assert rows[0]["Expires"] == in_days(3).isoformat()
    assert rows[0]["Provider's email"] == "asha@example.org"
    assert list(rows[0]) == [
        "Provider",
        "Kind",
        "Locality",
        "Check",
        "Status",
        "Expires",
        "Days left",
        "Provider's email",
    ]


def test_expiring_report_page_and_filters(client: Client, commissioner: Any) -> None:
    verified(ProviderFactory(name="Asha Patel"), "public-liability-insurance", 25)
    day_service = ProviderFactory(name="Cedar Day Centre", kind=Provider.Kind.DAY_SERVICE)
    verified(day_service, "fire-risk-assessment", 12)

    page = client.get(EXPIRING)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Checks expiring in the next 30 days" in html
    assert "<strong>2</strong> checks" in html
    assert "?export=csv" in html
    assert "?export=xlsx" in html

    rows = csv_rows(client, f"{EXPIRING}?kind=day_service&export=csv")
    assert [row["Provider"] for row in rows] == ["Cedar Day Centre"]


def test_expiring_report_downloads_as_excel(client: Client, commissioner: Any) -> None:
    verified(ProviderFactory(name="Asha Patel"), "public-liability-insurance", 25)

    response = client.get(EXPIRING, {"export": "xlsx"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.values)
    assert values[0][:4] == ("Provider", "Kind", "Locality", "Check")
    assert values[1][0] == "Asha Patel"


# The accredited supplier list --------------------------------------------------------------------------------


def test_accredited_list_report_has_each_provider_with_its_checks_and_expiry_never_a_dbs_number(
    client: Client, commissioner: Any
) -> None:
    asha = ProviderFactory(
        name="Asha Patel", is_accredited=True, accredited_since=datetime.date(2025, 4, 1), locality=LocalityFactory()
    )
    verified(asha, "enhanced-dbs", 400, certificate_number="001234567890", certificate_number_last_digits="7890")
    verified(asha, "reference-1", None, reference="Mrs Hester Referee")
    verified(asha, "public-liability-insurance", 20)
    ProviderCheckFactory(provider=asha, code="first-aid-training", status=ProviderCheck.Status.SUBMITTED)
    ProviderFactory(name="Ben Unaccredited", is_accredited=False)

    response = client.get(ACCREDITED, {"export": "csv"})
    text = b"".join(response.streaming_content).decode()
    [row] = list(csv.DictReader(io.StringIO(text)))

    assert row["Provider"] == "Asha Patel"
    assert row["Accredited since"] == "2025-04-01"
    assert row["First expiry"] == in_days(20).isoformat()
    assert "Public liability insurance until" in row["Verified checks and expiry"]
    assert "First reference (does not expire)" in row["Verified checks and expiry"]
    assert "First aid" not in row["Verified checks and expiry"]
    for secret in ("001234567890", "7890", "Hester"):
        assert secret not in text


def test_accredited_list_report_filters_by_kind_and_locality(client: Client, commissioner: Any) -> None:
    north = LocalityFactory(name="Northfold")
    ProviderFactory(name="North PA", locality=north, is_accredited=True)
    ProviderFactory(name="North Day", locality=north, kind=Provider.Kind.DAY_SERVICE, is_accredited=True)
    ProviderFactory(name="South PA", locality=LocalityFactory(name="Southmere"), is_accredited=True)

    rows = csv_rows(client, f"{ACCREDITED}?locality={north.pk}&kind=personal_assistant&export=csv")

    assert [row["Provider"] for row in rows] == ["North PA"]
    html = client.get(ACCREDITED).content.decode()
    assert "<strong>3</strong> accredited providers" in html


def test_a_name_that_looks_like_a_formula_is_not_run_by_a_spreadsheet(client: Client, commissioner: Any) -> None:
    ProviderFactory(name='=HYPERLINK("http://evil.example","Click")', is_accredited=True)

    [row] = csv_rows(client, ACCREDITED)

    assert row["Provider"] == '\'=HYPERLINK("http://evil.example","Click")'


def test_reports_are_for_commissioners_only(client: Client, editor_user: Any) -> None:
    client.force_login(editor_user)

    for url in (EXPIRING, f"{EXPIRING}?export=csv", ACCREDITED, f"{ACCREDITED}?export=xlsx"):
        response = client.get(url)
        assert (response.status_code, response.get("Location")) == (302, "/admin/"), url
