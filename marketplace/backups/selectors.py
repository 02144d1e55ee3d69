"""Reads for back-up plans and alerts: "Your support" sections, an alert's page, a provider's absences."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from marketplace.accounts.models import DirectPaymentHolder
from marketplace.agreements.models import Agreement
from marketplace.engagement.models import ShortlistEntry
from marketplace.providers.models import Provider
from search.alternatives import Alternative, alternatives_near, point_named, point_near

from .models import Absence, BackupChoice, CannotCome


def holder_live_agreements_with_backups(holder: DirectPaymentHolder) -> list[Agreement]:
    """The holder's live agreements, each with `backups` (BackupChoice list, provider loaded). Two queries."""
    return list(
        Agreement.objects.filter(holder=holder, status=Agreement.Status.LIVE)
        .select_related("provider")
        .prefetch_related(
            Prefetch(
                "backup_choices",
                queryset=BackupChoice.objects.select_related("provider").order_by("position", "pk"),
                to_attr="backups",
            )
        )
        .order_by("provider__name", "pk")
    )


def current_alerts_q(today: date) -> Q:
    return Q(cleared_at__isnull=True) & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))


def holder_current_alerts(holder: DirectPaymentHolder, *, today: date) -> list[CannotCome]:
    """Alerts not cleared and not over (an absence's last day not yet past), soonest first. One query."""
    return list(
        CannotCome.objects.filter(current_alerts_q(today), holder=holder, agreement__status=Agreement.Status.LIVE)
        .select_related("provider", "agreement", "absence")
        .order_by("starts_on", "pk")
    )


def agreement_for_plan(*, agreement_uuid: Any) -> Agreement | None:
    return Agreement.objects.select_related("holder", "provider").filter(uuid=agreement_uuid).first()


def shortlist_for_plan(agreement: Agreement) -> list[ShortlistEntry]:
    """The holder's shortlist, less the agreement's own provider: who can be named as a back-up. One query."""
    return list(
        ShortlistEntry.objects.filter(holder=agreement.holder)
        .exclude(provider_id=agreement.provider_id)
        .select_related("provider")
        .order_by("provider__name", "pk")
    )


def alert_for(*, alert_uuid: Any) -> CannotCome | None:
    return (
        CannotCome.objects.select_related(
            "holder",
            "holder__locality",
            "provider",
            "provider__locality",
            "agreement",
            "agreement__in_force",
            "absence",
        )
        .filter(uuid=alert_uuid)
        .first()
    )


def _unavailable_provider_ids(*, today: date) -> set[int]:
    """Providers away today or with any current alert: never offered as someone else's cover."""
    away = Absence.objects.filter(cancelled_at__isnull=True, starts_on__lte=today, ends_on__gte=today).values_list(
        "provider_id", flat=True
    )
    alerted = CannotCome.objects.filter(current_alerts_q(today)).values_list("provider_id", flat=True)
    return set(away) | set(alerted)


@dataclass
class CoverOptions:
    """What an alert page offers: the person's back-ups and other listings with capacity nearby."""

    backups: list[BackupChoice]
    alternatives: list[Alternative] = field(default_factory=list)
    unavailable_ids: set[int] = field(default_factory=set)


def cover_for(alert: CannotCome, *, today: date, limit: int = 10) -> CoverOptions:
    """The agreement's back-ups, then the directory's alternatives search for the same services near the person.

    The alternatives are `search.alternatives.alternatives_near`, the search
    the commissioners' contingency alternatives use; near the holder's
    locality, else near the provider. It leaves out the provider, the
    back-ups (listed above it) and providers away or alerted today.
    """
    backups = list(
        BackupChoice.objects.filter(agreement=alert.agreement).select_related("provider").order_by("position", "pk")
    )
    unavailable = _unavailable_provider_ids(today=today)
    services = list(alert.agreement.in_force.services.all()) if alert.agreement.in_force else []
    if not services:
        services = list(alert.provider.services.all())
    holder = alert.holder
    near = None
    if holder.locality_id:
        near = point_named(holder.locality.name) if holder.locality else None
    if near is None:
        near = point_near(alert.provider)
    excluded = unavailable | {alert.provider_id} | {choice.provider_id for choice in backups}
    return CoverOptions(
        backups=backups,
        alternatives=alternatives_near(services=services, near=near, excluded_ids=excluded, limit=limit),
        unavailable_ids=unavailable,
    )


def provider_absences(provider: Provider, *, today: date) -> QuerySet[Absence]:
    """The provider's absences not yet over, cancelled ones included, soonest first."""
    return Absence.objects.filter(provider=provider, ends_on__gte=today).order_by("starts_on", "pk")


def provider_absence(*, provider: Provider, absence_uuid: Any) -> Absence | None:
    return Absence.objects.filter(provider=provider, uuid=absence_uuid).first()
