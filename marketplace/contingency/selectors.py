"""Reads for contingency flags: the admin list, a flag's timeline, and alternatives for the people affected."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from marketplace.providers.models import Provider
from search.alternatives import Alternative, alternatives_near, point_near

from .models import ContingencyFlag, Level


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


def alternatives_for(*, flag: ContingencyFlag, limit: int = 10) -> list[Alternative]:
    """Published providers near the flagged one, taking new clients, offering the same services.

    Asks the directory's one search interface through `search.alternatives`
    (the same list a person whose provider cannot come is shown), once per
    service in scope (a service-scoped flag has one), so a provider offering
    any of the services counts; those offering more of them come first, then
    the nearest. Leaves out the provider itself and any provider with an open
    flag at "at risk" or above.
    """
    provider = flag.provider
    if flag.scope_service_id:
        services = [flag.scope_service] if flag.scope_service else []
    else:
        services = list(provider.services.all())
    if not services:
        return []
    excluded = providers_flagged_at_or_above(Level.AT_RISK) | {provider.pk}
    return alternatives_near(services=services, near=point_near(provider), excluded_ids=excluded, limit=limit)
