"""Our listings as Open Referral UK 3.0 objects.

A provider is both an ORUK organization and its one service; its premises
are locations, each with one service_at_location. What goes out is decided
here and only here: private fields (evidence, monitoring, contingency flags,
a personal assistant's home postcode and coordinates, contact details the
provider has not agreed to publish) are never read. The mapping is explained
in docs/decisions/0011-openreferral-mapping.md.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from marketplace.providers.availability import Day, PartOfDay
from marketplace.providers.models import Provider, ProviderLocation, ProviderPrice
from search.filters import MAX_PAGE

from .identifiers import derived_id, namespace_id
from .taxonomies import CLIENT_GROUPS, SERVICES, SPECIALISMS, Taxonomy, Term, kind_term, term_from_row

JSON = dict[str, Any]

# Adult social care: every listing serves adults, with no upper age limit.
ADULT_MINIMUM_AGE = 18
COUNTRY_CODE = "GB"
ICAL_DAYS = {
    Day.MONDAY: "MO",
    Day.TUESDAY: "TU",
    Day.WEDNESDAY: "WE",
    Day.THURSDAY: "TH",
    Day.FRIDAY: "FR",
    Day.SATURDAY: "SA",
    Day.SUNDAY: "SU",
}
# HSDS attribute link types: what a linked taxonomy term says about the service.
LINK_TYPES = {
    SERVICES.key: "service_type",
    CLIENT_GROUPS.key: "audience",
    SPECIALISMS.key: "specialism",
    "provider_kinds": "provider_type",
}


@dataclass(frozen=True)
class Context:
    """What the mapping needs beyond the rows: the public directory's address."""

    directory_url: str | None = None


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def outward_code(postcode: str) -> str:
    """'WE1 2AB' -> 'WE1': the district only, never a full postcode."""
    compact = "".join(postcode.split()).upper()
    return compact[:-3] if len(compact) >= 5 else compact


# Taxonomies ------------------------------------------------------------------


def taxonomy_term(term: Term) -> JSON:
    return {
        "id": term.id,
        "name": term.name,
        "description": term.description or term.name,
        "code": term.code,
        "taxonomy": term.taxonomy.name,
        "taxonomy_id": term.taxonomy.id,
        "term": term.name,
    }


def taxonomy(item: Taxonomy, terms: Sequence[Term] | None = None) -> JSON:
    data: JSON = {"id": item.id, "name": item.name, "description": item.description}
    if terms is not None:
        data["taxonomy_terms"] = [taxonomy_term(term) for term in terms]
    return data


# Organizations and services --------------------------------------------------


def organization_id(provider: Provider) -> str:
    return derived_id(provider.uuid, "organization")


def organization(provider: Provider, *, is_full: bool = False) -> JSON:
    data: JSON = {
        "id": organization_id(provider),
        "name": provider.name,
        "description": provider.summary or provider.name,
    }
    if provider.has_consented_to_publish_contact:
        if provider.contact_email:
            data["email"] = provider.contact_email
        if provider.website:
            data["website"] = provider.website
    if is_full:
        data["organization_identifiers"] = (
            [
                {
                    "id": derived_id(provider.uuid, "organization_identifier", "cqc_provider"),
                    "organization_id": data["id"],
                    "identifier_type": "CQC provider ID",
                    "identifier": provider.cqc_provider_id,
                }
            ]
            if provider.cqc_provider_id
            else []
        )
    return data


def accreditations(provider: Provider) -> str:
    """What the council and the CQC say about the provider, in words."""
    sentences = []
    if provider.is_accredited:
        since = f" since {provider.accredited_since.isoformat()}" if provider.accredited_since else ""
        sentences.append(f"On the council's accredited supplier list{since}.")
    else:
        sentences.append("Not on the council's accredited supplier list.")
    if provider.is_registered_with_cqc:
        rating = ""
        if provider.cqc_rating:
            rated_on = f" on {provider.cqc_rating_date.isoformat()}" if provider.cqc_rating_date else ""
            rating = f", rated {provider.get_cqc_rating_display()}{rated_on}"
        sentences.append(f"Registered with the Care Quality Commission{rating}.")
    return " ".join(sentences)


def fees(prices: Sequence[ProviderPrice]) -> str:
    return "; ".join(f"{price.service.name}: £{price.amount} {price.get_unit_display()}" for price in prices)


def service(provider: Provider, context: Context, *, is_full: bool = False, with_locations: bool = True) -> JSON:
    """A service: one-to-one fields for lists, everything nested when `is_full`."""
    data: JSON = {
        "id": str(provider.uuid),
        "organization_id": organization_id(provider),
        "name": provider.name,
        "description": provider.description or provider.summary,
        "status": "active",
        "accreditations": accreditations(provider),
        "minimum_age": ADULT_MINIMUM_AGE,
        "last_modified": timestamp(provider.updated_at),
    }
    if context.directory_url:
        data["url"] = f"{context.directory_url}{provider.slug}/"
    if provider.has_consented_to_publish_contact and provider.contact_email:
        data["email"] = provider.contact_email
    if provider.is_accredited and provider.accredited_since:
        data["assured_date"] = provider.accredited_since.isoformat()
    if not provider.is_taking_new_clients:
        data["alert"] = "Not taking new clients at the moment."
    if not is_full:
        data["organization"] = organization(provider)
        return data
    prices = list(provider.prices.all())
    if prices:
        data["fees"] = fees(prices)
    data.update(
        {
            "organization": organization(provider, is_full=True),
            "schedules": schedules(provider),
            "service_areas": service_areas(provider),
            "languages": languages(provider),
            "funding": [],
            "cost_options": [cost_option(provider, price) for price in prices],
            "contacts": contacts(provider),
            "attributes": attributes(provider),
            "capacities": capacities(provider),
        }
    )
    if with_locations:
        data["service_at_locations"] = [
            {
                "id": str(location.uuid),
                "service_id": str(provider.uuid),
                "location_id": str(location.uuid),
                "location": location_full(location),
            }
            for location in provider.locations.all()
        ]
    return data


def schedules(provider: Provider) -> list[JSON]:
    """The weekly grid as one weekly schedule per part of the day."""
    availability = provider.availability
    rows = []
    for part in PartOfDay:
        days = [day for day in Day if availability.is_available(day, part)]
        if not days:
            continue
        opens_at, closes_at = part.hours
        row: JSON = {
            "id": derived_id(provider.uuid, "schedule", part.code),
            "service_id": str(provider.uuid),
            "freq": "WEEKLY",
            "interval": 1,
            "byday": ",".join(ICAL_DAYS[day] for day in days),
            "opens_at": opens_at,
            "closes_at": closes_at,
            "description": f"{part.label}, {opens_at} to {closes_at}, on {', '.join(day.label for day in days)}.",
        }
        if provider.availability_confirmed_on:
            row["notes"] = f"Availability last confirmed on {provider.availability_confirmed_on.isoformat()}."
        rows.append(row)
    return rows


def service_areas(provider: Provider) -> list[JSON]:
    """Localities and postcode districts served, and the travel radius from the provider's district."""
    service_id = str(provider.uuid)
    areas = [(f"locality:{locality.slug}", locality.name) for locality in provider.localities_served.all()]
    areas += [
        (f"district:{district.upper()}", f"Postcode district {district.upper()}")
        for district in provider.postcode_districts
    ]
    if provider.travel_radius_miles:
        where = provider.locality.name if provider.locality else outward_code(provider.base_postcode)
        if where:
            areas.append(("travel_radius", f"Within {provider.travel_radius_miles} miles of {where}"))
    return [
        {
            "id": derived_id(provider.uuid, "service_area", key),
            "service_id": service_id,
            "name": name,
            "service_area": name,
            "extent_type": "text",
        }
        for key, name in areas
    ]


def languages(provider: Provider) -> list[JSON]:
    rows = []
    for language in provider.languages.all():
        row: JSON = {
            "id": derived_id(provider.uuid, "language", str(language.uuid)),
            "service_id": str(provider.uuid),
            "name": language.name,
        }
        if language.code:
            row["code"] = language.code
        rows.append(row)
    return rows


def cost_option(provider: Provider, price: ProviderPrice) -> JSON:
    description = f"£{price.amount} {price.get_unit_display()}"
    if price.includes:
        description += f"; includes {price.includes}"
    return {
        "id": derived_id(provider.uuid, "cost_option", f"{price.service.uuid}:{price.unit}"),
        "service_id": str(provider.uuid),
        "option": price.service.name,
        "amount": float(price.amount),
        "currency": "GBP",
        "amount_description": description,
    }


def contacts(provider: Provider) -> list[JSON]:
    """Only what the provider has agreed to publish."""
    if not provider.has_consented_to_publish_contact:
        return []
    if not (provider.contact_name or provider.contact_email or provider.contact_phone):
        return []
    contact_id = derived_id(provider.uuid, "contact")
    contact: JSON = {"id": contact_id, "service_id": str(provider.uuid)}
    if provider.contact_name:
        contact["name"] = provider.contact_name
    if provider.contact_email:
        contact["email"] = provider.contact_email
    if provider.contact_phone:
        contact["phones"] = [
            {"id": derived_id(provider.uuid, "phone"), "contact_id": contact_id, "number": provider.contact_phone}
        ]
    return [contact]


def attributes(provider: Provider) -> list[JSON]:
    terms = [kind_term(provider.kind)]
    for taxonomy, rows in (
        (SERVICES, provider.services.all()),
        (CLIENT_GROUPS, provider.client_groups.all()),
        (SPECIALISMS, provider.specialisms.all()),
    ):
        terms += [term_from_row(row, taxonomy) for row in rows]
    return [
        {
            "id": derived_id(provider.uuid, "attribute", term.id),
            "link_id": str(provider.uuid),
            "link_type": LINK_TYPES[term.taxonomy.key],
            "taxonomy_term_id": term.id,
            "taxonomy_term": taxonomy_term(term),
        }
        for term in terms
    ]


def capacities(provider: Provider) -> list[JSON]:
    """HSDS 3.0 service capacity (the UK profile leaves it out but allows it)."""
    rows = []
    for key, unit, amount, description in (
        ("hours_per_week", "hours per week", provider.capacity_hours_per_week, "Hours of support available a week"),
        ("places_per_day", "places per day", provider.capacity_places_per_day, "Places available a day"),
    ):
        if amount is None:
            continue
        rows.append(
            {
                "id": derived_id(provider.uuid, "capacity", key),
                "service_id": str(provider.uuid),
                "unit": {"id": namespace_id("unit", key), "name": unit},
                "available": amount,
                "description": description,
                "updated": timestamp(provider.updated_at),
            }
        )
    return rows


# Locations -------------------------------------------------------------------


def location(location: ProviderLocation) -> JSON:
    data: JSON = {"id": str(location.uuid), "location_type": "physical", "name": location.name}
    if location.latitude is not None and location.longitude is not None:
        data["latitude"] = location.latitude
        data["longitude"] = location.longitude
    return data


def location_full(location_row: ProviderLocation) -> JSON:
    data = location(location_row)
    location_id = data["id"]
    address: JSON = {
        "id": derived_id(location_row.uuid, "address", "physical"),
        "location_id": location_id,
        "address_1": location_row.address_line_1,
        "city": location_row.town,
        "state_province": "",
        "postal_code": location_row.postcode,
        "country": COUNTRY_CODE,
        "address_type": "physical",
    }
    if location_row.address_line_2:
        address["address_2"] = location_row.address_line_2
    data["addresses"] = [address]
    features = []
    if location_row.has_step_free_access:
        features.append(("step_free_access", "Step-free access"))
    if location_row.has_accessible_toilet:
        features.append(("accessible_toilet", "Accessible toilet"))
    data["accessibility"] = [
        {
            "id": derived_id(location_row.uuid, "accessibility", key),
            "location_id": location_id,
            "description": text,
            "accessibility": text,
        }
        for key, text in features
    ]
    return data


def service_at_location(location_row: ProviderLocation, context: Context, *, is_full: bool = False) -> JSON:
    provider = location_row.provider
    return {
        "id": str(location_row.uuid),
        "service_id": str(provider.uuid),
        "location_id": str(location_row.uuid),
        "location": location_full(location_row) if is_full else location(location_row),
        "service": service(provider, context, is_full=is_full, with_locations=False),
    }


def service_at_location_detail(location_row: ProviderLocation, context: Context) -> JSON:
    """/service_at_locations/{id}: the service_at_location, also valid as the service schema.

    The official OpenAPI document (which the ORUK validator checks against) says
    this endpoint returns a service; the HSDS model says a service_at_location.
    The body is both: the service_at_location with the service's required name
    and status beside its own fields (neither schema forbids extra properties).
    """
    data = service_at_location(location_row, context, is_full=True)
    return {"id": data["id"], "name": location_row.provider.name, "status": data["service"]["status"], **data}


# Pages -----------------------------------------------------------------------


def page(contents: list[JSON], *, total: int, page_number: int, per_page: int) -> JSON:
    """One page of a list. Pages past MAX_PAGE are refused (400), so none is advertised:
    total_pages stops there and total_items still says how many there are (ask for more per_page)."""
    total_pages = min(math.ceil(total / per_page), MAX_PAGE) if total else 0
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(contents),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": not contents,
        "contents": contents,
    }
