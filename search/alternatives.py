"""Listings with capacity for the same services near a place: the one search behind every "alternatives" list.

Commissioners' contingency flags (marketplace.contingency) and a person whose
provider cannot come (marketplace.backups) both ask this, so both lists are
the directory's one search interface (`search.api.search_providers`) with the
same rules: published, taking new clients, within a radius, offering the
services; those offering more of the services first, then the nearest.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from marketplace.places.selectors import PlaceNotFound, place_resolve
from marketplace.providers.models import Provider, ServiceType

from .api import search_providers
from .query import Point, ProviderSearch, Sort

# How far to look for alternatives, in miles.
ALTERNATIVES_RADIUS_MILES = 15.0


@dataclass
class Alternative:
    """A provider that could take someone on."""

    provider: Provider
    distance_miles: float | None
    services_matched: list[str]

    @property
    def capacity(self) -> str:
        parts = []
        if self.provider.capacity_hours_per_week:
            parts.append(f"{self.provider.capacity_hours_per_week} hours a week")
        if self.provider.capacity_places_per_day:
            parts.append(f"{self.provider.capacity_places_per_day} places a day")
        return ", ".join(parts) or "Not given"


def point_named(text: str) -> Point | None:
    """A postcode, town or locality name as a point, or None when the places table does not know it."""
    if not text:
        return None
    try:
        place = place_resolve(text)
    except PlaceNotFound:
        return None
    return Point(label=place.name, latitude=place.latitude, longitude=place.longitude)


def point_near(provider: Provider) -> Point | None:
    """Where a provider is: its coordinates, else its base postcode, else its locality's main town."""
    if provider.latitude is not None and provider.longitude is not None:
        return Point(
            label=provider.base_postcode or provider.name, latitude=provider.latitude, longitude=provider.longitude
        )
    for text in (provider.base_postcode, provider.locality.name if provider.locality else ""):
        point = point_named(text)
        if point is not None:
            return point
    return None


def alternatives_near(
    *,
    services: Iterable[ServiceType],
    near: Point | None,
    excluded_ids: set[int],
    limit: int = 10,
    radius_miles: float = ALTERNATIVES_RADIUS_MILES,
) -> list[Alternative]:
    """Published providers near `near`, taking new clients, offering any of `services`; one search per service."""
    found: dict[int, Alternative] = {}
    for service in services:
        search = ProviderSearch(
            services=(service.slug,),
            near=near,
            radius_miles=radius_miles,
            is_taking_new_clients_only=True,
            sort=Sort.DISTANCE if near else Sort.RELEVANCE,
            page_size=limit + len(excluded_ids),
        )
        for hit in search_providers(search).hits:
            if hit.provider.pk in excluded_ids:
                continue
            alternative = found.setdefault(
                hit.provider.pk,
                Alternative(provider=hit.provider, distance_miles=hit.distance_miles, services_matched=[]),
            )
            alternative.services_matched.append(service.name)
    ranked = sorted(
        found.values(),
        key=lambda alternative: (
            -len(alternative.services_matched),
            alternative.distance_miles if alternative.distance_miles is not None else float("inf"),
            alternative.provider.name,
        ),
    )
    return ranked[:limit]
