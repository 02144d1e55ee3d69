"""The Companies House Public Data API: a company's status, insolvency history and overdue accounts.

    GET {COMPANIES_HOUSE_API_URL}/company/{company_number}
    GET {COMPANIES_HOUSE_API_URL}/company/{company_number}/insolvency
    HTTP basic authentication: the API key as the user name, no password

The profile answers `company_name`, `company_status` ("active", "dissolved",
"liquidation", "administration", "receivership", "voluntary-arrangement",
"insolvency-proceedings", "converted-closed"...), `company_status_detail`
(for example "active-proposal-to-strike-off"), `has_insolvency_history`,
`accounts.overdue`, `accounts.next_due` and `confirmation_statement.overdue`.
The insolvency resource lists `cases`, each with a `type` and `dates`. A
company number Companies House does not know is a 404: `CompanyNotFound`.
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from django.conf import settings

from . import RegisterError, RegisterNotFound, missing_settings_phrase
from .http import http_get, iso_date, json_object, timeout_seconds

ACTIVE = "active"
DISSOLVED = "dissolved"
PROPOSAL_TO_STRIKE_OFF = "active-proposal-to-strike-off"
# Statuses that mean the company is in an insolvency procedure.
INSOLVENCY_STATUSES = frozenset(
    {"liquidation", "administration", "receivership", "voluntary-arrangement", "insolvency-proceedings"}
)
COMPANY_NUMBER = re.compile(r"^[A-Z0-9]{8}$")


class CompaniesHouseError(RegisterError):
    register = "Companies House"


class CompanyNotFound(CompaniesHouseError, RegisterNotFound):
    """Companies House has no company with that number."""


@dataclass(frozen=True)
class CompanyProfile:
    """What Companies House says about one company, as far as we use it."""

    company_number: str
    company_name: str
    company_status: str
    company_status_detail: str
    date_of_cessation: date | None
    has_insolvency_history: bool
    accounts_overdue: bool | None  # None when Companies House did not say
    accounts_next_due: date | None
    confirmation_statement_overdue: bool | None

    @property
    def is_active(self) -> bool:
        return self.company_status == ACTIVE

    @property
    def is_dissolved(self) -> bool:
        return self.company_status == DISSOLVED

    @property
    def is_proposed_for_strike_off(self) -> bool:
        return self.company_status_detail == PROPOSAL_TO_STRIKE_OFF

    @property
    def is_in_insolvency_procedure(self) -> bool:
        return self.company_status in INSOLVENCY_STATUSES

    def has_overdue_accounts(self, today: date) -> bool:
        """Companies House's own flag; when it is missing, whether the next accounts were due before today."""
        if self.accounts_overdue is not None:
            return self.accounts_overdue
        return self.accounts_next_due is not None and self.accounts_next_due < today


@dataclass(frozen=True)
class InsolvencyCase:
    case_type: str  # for example "creditors-voluntary-liquidation", "administration"
    number: str
    dates: tuple[tuple[str, date], ...]  # (what happened, when), for example ("wound-up-on", 2024-03-01)


def normalise_company_number(value: str) -> str:
    """Upper case, spaces removed, and all-digit numbers padded to eight digits (1234 -> 00001234)."""
    number = re.sub(r"\s+", "", value).upper()
    if number.isdigit() and len(number) < 8:
        number = number.zfill(8)
    if not COMPANY_NUMBER.match(number):
        raise CompaniesHouseError(f"“{value}” is not a Companies House company number (eight letters or digits).")
    return number


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _optional_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def parse_profile(body: dict[str, Any], *, company_number: str) -> CompanyProfile:
    status = body.get("company_status")
    if not isinstance(status, str) or not status:
        raise CompaniesHouseError(f"Companies House's answer for company {company_number} has no company status.")
    accounts = _object(body.get("accounts"))
    confirmation = _object(body.get("confirmation_statement"))
    return CompanyProfile(
        company_number=str(body.get("company_number") or company_number),
        company_name=str(body.get("company_name") or ""),
        company_status=status,
        company_status_detail=str(body.get("company_status_detail") or ""),
        date_of_cessation=iso_date(body.get("date_of_cessation")),
        has_insolvency_history=body.get("has_insolvency_history") is True,
        accounts_overdue=_optional_bool(accounts.get("overdue")),
        accounts_next_due=iso_date(accounts.get("next_due")),
        confirmation_statement_overdue=_optional_bool(confirmation.get("overdue")),
    )


def parse_insolvency(body: dict[str, Any]) -> tuple[InsolvencyCase, ...]:
    cases = body.get("cases")
    if not isinstance(cases, list):
        raise CompaniesHouseError("Companies House's insolvency answer has no list of cases.")
    parsed = []
    for case in cases:
        if not isinstance(case, dict):
            continue
        dates = tuple(
            (str(item.get("type") or ""), when)
            for item in case.get("dates") or []
            if isinstance(item, dict) and (when := iso_date(item.get("date"))) is not None
        )
        parsed.append(
            InsolvencyCase(case_type=str(case.get("type") or ""), number=str(case.get("number") or ""), dates=dates)
        )
    return tuple(parsed)


class CompaniesHouseClient:
    def __init__(self, *, base_url: str, api_key: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> "CompaniesHouseClient":
        missing = missing_settings()
        if missing:
            raise CompaniesHouseError(f"Companies House is not set up: {missing_settings_phrase(missing)}.")
        return cls(
            base_url=settings.COMPANIES_HOUSE_API_URL,
            api_key=settings.COMPANIES_HOUSE_API_KEY,
            timeout=timeout_seconds(),
        )

    def company(self, company_number: str) -> CompanyProfile:
        number = normalise_company_number(company_number)
        body = self._get(f"/company/{quote(number, safe='')}")
        return parse_profile(body, company_number=number)

    def insolvency(self, company_number: str) -> tuple[InsolvencyCase, ...]:
        """The company's insolvency cases; none when Companies House has no insolvency record (a 404)."""
        number = normalise_company_number(company_number)
        try:
            body = self._get(f"/company/{quote(number, safe='')}/insolvency")
        except CompanyNotFound:
            return ()
        return parse_insolvency(body)

    def _get(self, path: str) -> dict[str, Any]:
        response = http_get(
            f"{self.base_url}{path}",
            error=CompaniesHouseError,
            not_found=CompanyNotFound,
            timeout=self.timeout,
            auth=(self.api_key, ""),
            headers={"Accept": "application/json"},
        )
        return json_object(response, error=CompaniesHouseError)


def missing_settings() -> list[str]:
    return [name for name in ("COMPANIES_HOUSE_API_URL", "COMPANIES_HOUSE_API_KEY") if not getattr(settings, name, "")]
