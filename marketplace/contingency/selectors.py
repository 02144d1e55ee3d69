"""Reads for contingency flags: the admin list, a flag's timeline, and alternatives for the people affected."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from marketplace.places.selectors import PlaceNotFound, place_resolve
from marketplace.providers.models import Provider
from search.api import search_providers
from search.query import Point, ProviderSearch, Sort

from .models import ContingencyFlag, Level

# How far to look for alternatives, in miles from the flagged provider.
ALTERNATIVES_RADIUS_MILES = 15.0


def flags_for_admin() -> QuerySet[ContingencyFlag]:
    return ContingencyFlag.objects.select_related("provider", "provider__locality", "lead_officer")


def flag_for_admin(pk: int) -> ContingencyFlag:
    """One flag with what its page shows; raises ContingencyFlag.DoesNotExist."""
    return (
        ContingencyFlag.objects.select_related(
            "provider", "provider__locality", "lead_officer", "scope_service", "scope_location"
        )
        .prefetch_related("provider__services")
        .get(pk=pk)
    )


def open_flag_for(provider: Provider) -> ContingencyFlag | None:
    return ContingencyFlag.objects.open().filter(provider=provider).first()


def providers_flagged_at_or_above(level: str) -> set[int]:
    """Ids of providers with an open flag at this level or a more serious one."""
    return set(ContingencyFlag.objects.open().at_or_above(level).values_list("provider_id", flat=True))


@dataclass(frozen=True)
class TimelineEntry:
    """One line on a flag's timeline, whatever table it came from."""

    at: datetime
    kind: str  # "trigger", "level", "event", "communication"
    title: str
    text: str
    by: str


def flag_timeline(flag: ContingencyFlag) -> list[TimelineEntry]:
    """Triggers, level changes, events and communications, newest first."""
    entries: list[TimelineEntry] = []
    for trigger in flag.triggers.select_related("recorded_by"):
        entries.append(
            TimelineEntry(
                at=trigger.recorded_at,
                kind="trigger",
                title=f"Trigger: {trigger.kind_label}",
                text=trigger.detail,
                by=str(trigger.recorded_by or "Automatic"),
            )
        )
    for change in flag.level_changes.select_related("decided_by"):
        title = (
            f"Level: {change.get_from_level_display()} → {change.get_to_level_display()}"
            if change.from_level
            else f"Opened at {change.get_to_level_display()}"
        )
        entries.append(
            TimelineEntry(
                at=change.decided_at,
                kind="level",
                title=title,
                text=change.reason,
                by=str(change.decided_by or "System"),
            )
        )
    for event in flag.events.select_related("recorded_by"):
        title = (
            f"Communication with {event.get_party_display().lower()}"
            if event.kind == event.Kind.COMMUNICATION
            else "Event"
        )
        entries.append(
            TimelineEntry(
                at=event.occurred_at,
                kind=event.kind,
                title=title,
                text=event.summary,
                by=str(event.recorded_by or "System"),
            )
        )
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


@dataclass
class Alternative:
    """A provider that could take on people from the flagged one."""

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


def _point_near(provider: Provider) -> Point | None:
    """Where the flagged provider is: its coordinates, else its base postcode, else its locality's main town."""
    if provider.latitude is not None and provider.longitude is not None:
        return Point(
            label=provider.base_postcode or provider.name, latitude=provider.latitude, longitude=provider.longitude
        )
    for text in (provider.base_postcode, provider.locality.name if provider.locality else ""):
        if not text:
            continue
        try:
            place = place_resolve(text)
        except PlaceNotFound:
            continue
        return Point(label=place.name, latitude=place.latitude, longitude=place.longitude)
    return None


def alternatives_for(*, flag: ContingencyFlag, limit: int = 10) -> list[Alternative]:
    """Published providers near the flagged one, taking new clients, offering the same services.

    Asks the directory's one search interface, once per service in scope (a
    service-scoped flag has one), so a provider offering any of the services
    counts; those offering more of them come first, then the nearest. Leaves
    out the provider itself and any provider with an open flag at "at risk"
    or above.
    """
    provider = flag.provider
    if flag.scope_service_id:
        services = [flag.scope_service] if flag.scope_service else []
    else:
        services = list(provider.services.all())
    if not services:
        return []
    near = _point_near(provider)
    excluded = providers_flagged_at_or_above(Level.AT_RISK) | {provider.pk}
    found: dict[int, Alternative] = {}
    for service in services:
        search = ProviderSearch(
            services=(service.slug,),
            near=near,
            radius_miles=ALTERNATIVES_RADIUS_MILES,
            is_taking_new_clients_only=True,
            sort=Sort.DISTANCE if near else Sort.RELEVANCE,
            page_size=limit + len(excluded),
        )
        for hit in search_providers(search).hits:
            if hit.provider.pk in excluded:
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
