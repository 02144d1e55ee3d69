"""The self-service task pages: About, Services, Areas and Prices.

Live fields are saved at once; reviewed fields of a public listing wait in a
change request (decision 0015, `listing_values`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import ClientGroup, Language, Provider, ProviderChangeRequest, ProviderPrice, ServiceType, Specialism
from .change_requests import propose_changes
from .errors import ProviderFieldError
from .listing_values import (
    LIVE_FIELDS,
    REVIEWED_FIELDS,
    apply_values,
    current_values,
    price_row,
    provider_edits_need_review,
)
from .search_columns import after_provider_change
from .taxonomy import term_ids

if TYPE_CHECKING:  # accounts sits above providers (decision 0022): the user is named for types only
    from marketplace.accounts.models import User

COMPANY_NUMBER_PATTERN = re.compile(r"^[A-Z0-9]{2}[0-9]{6}$")
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()-]{10,20}$")
MAX_TRAVEL_RADIUS_MILES = 100
MAX_PRICE = Decimal("9999.99")
BOOLEAN_ABOUT_FIELDS = {"has_consented_to_publish_contact", "serves_food", "carries_out_regulated_activity"}


@dataclass(frozen=True)
class ProviderEditResult:
    """What became of an edit: the listing as it now is, and any request still waiting for review."""

    provider: Provider
    change_request: ProviderChangeRequest | None = None
    applied_fields: tuple[str, ...] = ()

    @property
    def is_waiting_for_review(self) -> bool:
        return self.change_request is not None and self.change_request.is_pending


@dataclass(frozen=True)
class PriceInput:
    """One price as a provider types it."""

    service: ServiceType | int
    unit: str
    amount: Decimal
    includes: str = ""


def _clean_text(value: str | None) -> str:
    return (value or "").strip()


def _validate_about(values: dict[str, Any]) -> dict[str, Any]:
    """Normalise the About fields and refuse what the listing cannot hold."""
    cleaned = dict(values)
    for field in ("name", "summary", "description", "contact_name", "contact_email", "contact_phone", "website"):
        if field in cleaned:
            cleaned[field] = _clean_text(cleaned[field])
    if "name" in cleaned:
        cleaned["name"] = " ".join(cleaned["name"].split())
        if not cleaned["name"]:
            raise ProviderFieldError("Enter your name or the name of your service.", field="name")
    if "kind" in cleaned and cleaned["kind"] not in Provider.Kind.values:
        raise ProviderFieldError("Select what kind of provider you are.", field="kind")
    if "company_number" in cleaned:
        cleaned["company_number"] = re.sub(r"\s+", "", cleaned["company_number"] or "").upper()
        if cleaned["company_number"] and not COMPANY_NUMBER_PATTERN.match(cleaned["company_number"]):
            raise ProviderFieldError(
                "Enter a Companies House number of 8 characters, like 01234567 or SC123456.", field="company_number"
            )
    if "cqc_location_id" in cleaned:
        cleaned["cqc_location_id"] = _clean_text(cleaned["cqc_location_id"])
    if cleaned.get("contact_phone") and not PHONE_PATTERN.match(cleaned["contact_phone"]):
        raise ProviderFieldError("Enter a phone number, like 01632 960 001 or 07700 900 982.", field="contact_phone")
    for field, value in cleaned.items():
        if field in BOOLEAN_ABOUT_FIELDS:
            cleaned[field] = bool(value)
        elif value != "":
            _check_against_model_field(field, value)
    return cleaned


def _check_against_model_field(field: str, value: Any) -> None:
    model_field = Provider._meta.get_field(field)
    try:
        model_field.clean(value, None)
    except ValidationError as error:
        label = str(model_field.verbose_name)
        raise ProviderFieldError(f"{label.capitalize()}: {' '.join(error.messages)}", field=field) from error


def _edit_section(*, provider: Provider, by: User, section: str, values: dict[str, Any]) -> ProviderEditResult:
    """Apply the live fields of a section at once and the reviewed ones now or through a change request."""
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    live = {field: value for field, value in values.items() if field in LIVE_FIELDS[section]}
    reviewed = {field: value for field, value in values.items() if field in REVIEWED_FIELDS[section]}
    change_request: ProviderChangeRequest | None = None
    if provider_edits_need_review(provider):
        current = current_values(provider, reviewed)
        proposed = {field: value for field, value in reviewed.items() if value != current[field]}
        change_request = propose_changes(
            provider=provider,
            by=by,
            section=section,
            proposed=proposed,
            previous={field: current[field] for field in proposed},
        )
        to_apply = live
    else:
        to_apply = {**live, **reviewed}
    apply_values(provider, to_apply)
    provider.save()
    after_provider_change(provider.pk)
    return ProviderEditResult(provider=provider, change_request=change_request, applied_fields=tuple(to_apply))


@transaction.atomic
def provider_update_about(
    *,
    provider: Provider,
    by: User,
    name: str,
    kind: str,
    summary: str,
    description: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str,
    website: str,
    has_consented_to_publish_contact: bool,
    company_number: str = "",
    cqc_location_id: str = "",
    serves_food: bool = False,
    carries_out_regulated_activity: bool = False,
) -> ProviderEditResult:
    """The "About you or your service" task: who they are and how people get in touch."""
    values = _validate_about(
        {
            "name": name,
            "kind": kind,
            "summary": summary,
            "description": description,
            "contact_name": contact_name,
            "contact_email": contact_email,
            "contact_phone": contact_phone,
            "website": website,
            "has_consented_to_publish_contact": has_consented_to_publish_contact,
            "company_number": company_number,
            "cqc_location_id": cqc_location_id,
            "serves_food": serves_food,
            "carries_out_regulated_activity": carries_out_regulated_activity,
        }
    )
    return _edit_section(provider=provider, by=by, section="about", values=values)


@transaction.atomic
def provider_update_services(
    *,
    provider: Provider,
    by: User,
    services: Iterable[ServiceType | int],
    client_groups: Iterable[ClientGroup | int],
    specialisms: Iterable[Specialism | int],
    languages: Iterable[Language | int],
    has_female_workers: bool,
    has_male_workers: bool,
    has_non_binary_workers: bool,
) -> ProviderEditResult:
    """The "Services" task: what they offer, to whom, with which skills and languages."""
    values = {
        "services": term_ids("services", services),
        "client_groups": term_ids("client_groups", client_groups),
        "specialisms": term_ids("specialisms", specialisms),
        "languages": term_ids("languages", languages),
        "has_female_workers": bool(has_female_workers),
        "has_male_workers": bool(has_male_workers),
        "has_non_binary_workers": bool(has_non_binary_workers),
    }
    return _edit_section(provider=provider, by=by, section="services", values=values)


def normalise_postcode_districts(text: str | Iterable[str]) -> list[str]:
    """'we1, we2  WE14' -> ['WE1', 'WE2', 'WE14']; refuses anything that is not a district."""
    from marketplace.places.selectors import DISTRICT_PATTERN

    words = re.split(r"[\s,;]+", text.upper()) if isinstance(text, str) else [word.upper() for word in text]
    districts: list[str] = []
    for word in words:
        if not word:
            continue
        if not DISTRICT_PATTERN.match(word):
            raise ProviderFieldError(
                f"“{word}” is not a postcode district. Enter districts like WE1 or WE14, separated by spaces.",
                field="postcode_districts_served",
            )
        if word not in districts:
            districts.append(word)
    return districts


@transaction.atomic
def provider_update_areas(
    *,
    provider: Provider,
    by: User,
    base_postcode: str,
    localities_served: Iterable[Any],
    postcode_districts_served: str | Iterable[str],
    travel_radius_miles: int | None,
) -> ProviderEditResult:
    """The "Areas" task: where they are based and where they work. Live at once (decision 0015)."""
    from marketplace.places.models import Locality
    from marketplace.places.selectors import PlaceNotFound, normalise_postcode, place_resolve

    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    postcode_text = " ".join(base_postcode.split())
    if postcode_text:
        postcode = normalise_postcode(postcode_text)
        if postcode is None:
            raise ProviderFieldError(
                f"“{postcode_text}” is not a full postcode. Enter a postcode like WE1 2AB.", field="base_postcode"
            )
        try:
            place = place_resolve(postcode)
        except PlaceNotFound as error:
            raise ProviderFieldError(str(error), field="base_postcode") from error
        provider.base_postcode = postcode
        provider.latitude, provider.longitude = place.latitude, place.longitude
        provider.locality_id = place.locality_id
    else:
        provider.base_postcode = ""
        provider.latitude = provider.longitude = None
        provider.locality = None
    locality_ids = sorted({item if isinstance(item, int) else item.pk for item in localities_served})
    if Locality.objects.filter(pk__in=locality_ids).count() != len(locality_ids):
        raise ProviderFieldError("Select localities from the list.", field="localities_served")
    districts = " ".join(normalise_postcode_districts(postcode_districts_served))
    if len(districts) > (Provider._meta.get_field("postcode_districts_served").max_length or 500):
        raise ProviderFieldError("That is too many postcode districts. Choose localities instead.")
    if travel_radius_miles is not None and not 1 <= travel_radius_miles <= MAX_TRAVEL_RADIUS_MILES:
        raise ProviderFieldError(
            f"Enter how far you travel as a whole number of miles from 1 to {MAX_TRAVEL_RADIUS_MILES}.",
            field="travel_radius_miles",
        )
    provider.localities_served.set(locality_ids)
    provider.postcode_districts_served = districts
    provider.travel_radius_miles = travel_radius_miles
    provider.save()
    after_provider_change(provider.pk)
    return ProviderEditResult(
        provider=provider,
        applied_fields=("base_postcode", "localities_served", "postcode_districts_served", "travel_radius_miles"),
    )


@transaction.atomic
def provider_update_prices(*, provider: Provider, by: User, prices: Iterable[PriceInput]) -> ProviderEditResult:
    """The "Prices" task: the whole price list replaces the old one (reviewed once published)."""
    rows: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()
    service_ids = set(ServiceType.objects.values_list("pk", flat=True))
    for number, price in enumerate(prices, start=1):
        service_id = price.service if isinstance(price.service, int) else price.service.pk
        if service_id not in service_ids:
            raise ProviderFieldError(f"Price {number}: select the service from the list.", field="service")
        if price.unit not in ProviderPrice.Unit.values:
            raise ProviderFieldError(f"Price {number}: select what the price is for.", field="unit")
        amount = Decimal(price.amount)
        if not Decimal("0") < amount <= MAX_PRICE or amount != amount.quantize(Decimal("0.01")):
            raise ProviderFieldError(
                f"Price {number}: enter an amount from £0.01 to £{MAX_PRICE:,}, in pounds and pence.", field="amount"
            )
        includes = _clean_text(price.includes)
        if len(includes) > 300:
            raise ProviderFieldError(f"Price {number}: say what it includes in 300 characters or fewer.")
        if (service_id, price.unit) in seen:
            raise ProviderFieldError(
                f"Price {number}: you have already given a price for this service "
                f"{ProviderPrice.Unit(price.unit).label}. Change or remove one of them.",
                field="service",
            )
        seen.add((service_id, price.unit))
        rows.append(price_row(service=service_id, unit=price.unit, amount=amount, includes=includes))
    rows.sort(key=lambda row: (row["service"], row["unit"]))
    return _edit_section(provider=provider, by=by, section="prices", values={"prices": rows})
