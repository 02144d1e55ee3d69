"""The DBS Update Service status check: has anything changed on a DBS certificate since it was issued?

    GET {DBS_UPDATE_SERVICE_URL}/{certificateNumber}
        ?dateOfBirth=DD/MM/YYYY&surname=<holder's surname>&hasAgreedTermsAndConditions=true
        &organisationName=<who checks>&employeeSurname=<checker>&employeeForename=<checker>

It answers XML:

    <statusCheckResult>
        <statusCheckResultType>SUCCESS</statusCheckResultType>
        <status>BLANK_NO_NEW_INFO</status>
        <forename>...</forename><surname>...</surname>
        <printDate class="sql-date">2024-04-22</printDate>
    </statusCheckResult>

`status` is BLANK_NO_NEW_INFO (nothing on the certificate, nothing new),
NON_BLANK_NO_NEW_INFO (information on it, nothing new), NEW_INFO (apply for a
new certificate and look at it) or NO_MATCH_FOUND (the details we sent do not
match a certificate on the Update Service). We keep only the status and the
print date: never names, never anything about what the information is.

The checks need no key, but the DBS asks who is making them: the
organisation and a named person (the settings), and that the certificate
holder has agreed (the provider confirms that when recording the check).
"""

import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from urllib.parse import quote

from django.conf import settings

from . import RegisterError, missing_settings_phrase
from .http import http_get, iso_date, timeout_seconds

CERTIFICATE_NUMBER = re.compile(r"^\d{12}$")
# A status check answer is a few hundred bytes; anything far larger is not one.
MAX_ANSWER_BYTES = 64 * 1024


class DbsUpdateServiceError(RegisterError):
    register = "The DBS Update Service"


class DbsStatus(StrEnum):
    BLANK_NO_NEW_INFO = "BLANK_NO_NEW_INFO"
    NON_BLANK_NO_NEW_INFO = "NON_BLANK_NO_NEW_INFO"
    NEW_INFO = "NEW_INFO"
    NO_MATCH_FOUND = "NO_MATCH_FOUND"


@dataclass(frozen=True)
class DbsStatusResult:
    status: DbsStatus
    print_date: date | None

    @property
    def has_new_information(self) -> bool:
        return self.status == DbsStatus.NEW_INFO

    @property
    def is_match(self) -> bool:
        return self.status != DbsStatus.NO_MATCH_FOUND


def normalise_certificate_number(value: str) -> str:
    number = re.sub(r"\s+", "", value)
    if not CERTIFICATE_NUMBER.match(number):
        raise DbsUpdateServiceError("The DBS certificate number is not twelve digits.")
    return number


def parse_status_xml(body: bytes) -> DbsStatusResult:
    """Read a status check answer; `DbsUpdateServiceError` when it is not one we understand."""
    if len(body) > MAX_ANSWER_BYTES:
        raise DbsUpdateServiceError("The DBS Update Service sent an answer far larger than a status check.")
    # The answer never needs a document type; refusing one rules out entity tricks.
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise DbsUpdateServiceError("The DBS Update Service sent XML we do not accept (it declares a document type).")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise DbsUpdateServiceError("The DBS Update Service sent an answer that is not XML.") from None
    if _local_name(root.tag) != "statusCheckResult":
        raise DbsUpdateServiceError("The DBS Update Service sent XML that is not a status check result.")
    result_type = _child_text(root, "statusCheckResultType")
    if result_type != "SUCCESS":
        raise DbsUpdateServiceError(
            f"The DBS Update Service could not make the check (result “{result_type or 'none'}”)."
        )
    status_text = _child_text(root, "status")
    try:
        status = DbsStatus(status_text)
    except ValueError:
        raise DbsUpdateServiceError(
            f"The DBS Update Service sent a status we do not know (“{status_text}”)."
        ) from None
    return DbsStatusResult(status=status, print_date=iso_date(_child_text(root, "printDate")))


def _local_name(tag: str) -> str:
    """The tag without an XML namespace, so an answer with or without one reads the same."""
    return tag.rsplit("}", 1)[-1]


def _child_text(element: ElementTree.Element, name: str) -> str:
    for child in element:
        if _local_name(child.tag) == name:
            return (child.text or "").strip()
    return ""


class DbsUpdateServiceClient:
    def __init__(
        self, *, base_url: str, organisation: str, checker_forename: str, checker_surname: str, timeout: float
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.organisation = organisation
        self.checker_forename = checker_forename
        self.checker_surname = checker_surname
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> "DbsUpdateServiceClient":
        missing = missing_settings()
        if missing:
            raise DbsUpdateServiceError(f"The DBS Update Service is not set up: {missing_settings_phrase(missing)}.")
        return cls(
            base_url=settings.DBS_UPDATE_SERVICE_URL,
            organisation=settings.DBS_UPDATE_SERVICE_ORGANISATION,
            checker_forename=settings.DBS_UPDATE_SERVICE_CHECKER_FORENAME,
            checker_surname=settings.DBS_UPDATE_SERVICE_CHECKER_SURNAME,
            timeout=timeout_seconds(),
        )

    def status(self, *, certificate_number: str, surname: str, date_of_birth: date) -> DbsStatusResult:
        """Check one certificate. The holder must have agreed to status checks on it."""
        number = normalise_certificate_number(certificate_number)
        surname = surname.strip()
        if not surname:
            raise DbsUpdateServiceError("The certificate holder's surname is needed for a status check.")
        response = http_get(
            f"{self.base_url}/{quote(number, safe='')}",
            error=DbsUpdateServiceError,
            timeout=self.timeout,
            params={
                "dateOfBirth": date_of_birth.strftime("%d/%m/%Y"),
                "surname": surname,
                "hasAgreedTermsAndConditions": "true",
                "organisationName": self.organisation,
                "employeeSurname": self.checker_surname,
                "employeeForename": self.checker_forename,
            },
            headers={"Accept": "application/xml"},
        )
        return parse_status_xml(response.content)


def missing_settings() -> list[str]:
    names = (
        "DBS_UPDATE_SERVICE_URL",
        "DBS_UPDATE_SERVICE_ORGANISATION",
        "DBS_UPDATE_SERVICE_CHECKER_FORENAME",
        "DBS_UPDATE_SERVICE_CHECKER_SURNAME",
    )
    return [name for name in names if not getattr(settings, name, "")]
