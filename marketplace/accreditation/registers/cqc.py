"""The CQC's public (syndication) API: a provider's or a location's registration and current rating.

    GET {CQC_API_URL}/locations/{locationId}
    GET {CQC_API_URL}/providers/{providerId}
    header Ocp-Apim-Subscription-Key: {CQC_API_KEY}

Both answer a JSON object with, among much else, `name`, `postalCode`,
`registrationStatus` ("Registered" or "Deregistered"), `registrationDate`,
`deregistrationDate` and `currentRatings.overall` (`rating`: "Outstanding",
"Good", "Requires improvement" or "Inadequate"; `reportDate`). A service not
yet inspected has no `currentRatings`. An identifier the CQC does not know is
a 404: `CqcNotFound`.
"""

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from django.conf import settings

from . import RegisterError, RegisterNotFound, missing_settings_phrase
from .http import http_get, iso_date, json_object, timeout_seconds

REGISTERED = "Registered"
DEREGISTERED = "Deregistered"
INADEQUATE = "Inadequate"
# The CQC's words for its overall ratings, and the values Provider.cqc_rating keeps.
RATINGS = {
    "Outstanding": "outstanding",
    "Good": "good",
    "Requires improvement": "requires_improvement",
    INADEQUATE: "inadequate",
}


class CqcError(RegisterError):
    register = "The CQC"


class CqcNotFound(CqcError, RegisterNotFound):
    """The CQC has no location or provider with that ID."""


@dataclass(frozen=True)
class CqcRegistration:
    """What the CQC says about one location or provider, as far as we use it."""

    kind: str  # "location" or "provider"
    cqc_id: str
    name: str
    postal_code: str
    registration_status: str
    registration_date: date | None
    deregistration_date: date | None
    overall_rating: str  # the CQC's words; "" when not yet rated
    report_date: date | None

    @property
    def is_deregistered(self) -> bool:
        return self.registration_status == DEREGISTERED

    @property
    def is_inadequate(self) -> bool:
        return self.overall_rating == INADEQUATE

    @property
    def provider_rating(self) -> str:
        """The rating as Provider.cqc_rating stores it ("" when not rated, or a rating we do not know)."""
        return RATINGS.get(self.overall_rating, "")

    def as_data(self) -> dict[str, Any]:
        """The fields kept on the register record (dates as ISO strings)."""
        return {key: value.isoformat() if isinstance(value, date) else value for key, value in asdict(self).items()}


def parse_registration(body: dict[str, Any], *, kind: str, cqc_id: str) -> CqcRegistration:
    status = body.get("registrationStatus")
    if not isinstance(status, str) or not status:
        raise CqcError(f"The CQC's answer for {kind} {cqc_id} has no registration status.")
    ratings = body.get("currentRatings")
    overall = ratings.get("overall") if isinstance(ratings, dict) else None
    overall = overall if isinstance(overall, dict) else {}
    rating = overall.get("rating")
    return CqcRegistration(
        kind=kind,
        cqc_id=cqc_id,
        name=str(body.get("name") or ""),
        postal_code=str(body.get("postalCode") or ""),
        registration_status=status,
        registration_date=iso_date(body.get("registrationDate")),
        deregistration_date=iso_date(body.get("deregistrationDate")),
        overall_rating=rating if isinstance(rating, str) else "",
        report_date=iso_date(overall.get("reportDate")),
    )


class CqcClient:
    def __init__(self, *, base_url: str, api_key: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> "CqcClient":
        missing = missing_settings()
        if missing:
            raise CqcError(f"The CQC is not set up: {missing_settings_phrase(missing)}.")
        return cls(base_url=settings.CQC_API_URL, api_key=settings.CQC_API_KEY, timeout=timeout_seconds())

    def location(self, location_id: str) -> CqcRegistration:
        return self._registration("locations", "location", location_id)

    def provider(self, provider_id: str) -> CqcRegistration:
        return self._registration("providers", "provider", provider_id)

    def _registration(self, collection: str, kind: str, cqc_id: str) -> CqcRegistration:
        cqc_id = cqc_id.strip()
        if not cqc_id:
            raise CqcError(f"No CQC {kind} ID to look up.")
        response = http_get(
            f"{self.base_url}/{collection}/{quote(cqc_id, safe='')}",
            error=CqcError,
            not_found=CqcNotFound,
            timeout=self.timeout,
            headers={"Ocp-Apim-Subscription-Key": self.api_key, "Accept": "application/json"},
        )
        return parse_registration(json_object(response, error=CqcError), kind=kind, cqc_id=cqc_id)


def missing_settings() -> list[str]:
    return [name for name in ("CQC_API_URL", "CQC_API_KEY") if not getattr(settings, name, "")]
