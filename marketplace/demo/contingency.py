"""Provider-failure contingency flags for the demo county.

Called once at the end of `builder.demo_county_build`, after the monitoring
demo. A county usually watches about one provider in a hundred; most flags
sit at "watch" or "at risk", a few have closed. Wendleshire gets:

- a flag at "at risk" for providers the CQC rates Inadequate, and for those
  whose latest monitoring visit was rated Poor (a few of each);
- a handful at "watch" from Companies House (accounts overdue), lapsed
  accreditation, a fall in capacity or intelligence;
- one home care agency "failing", with a full timeline: the triggers, the
  escalation, communications with the provider, families and the CQC,
  people affected, a neutral notice on its listing and a business
  continuity plan reviewed;
- two closed flags, for history.

Rows are written directly (no emails are sent), with the who, when and why a
commissioner's work through the services would have left. Deterministic for
a seed.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.contingency.models import (
    AffectedPerson,
    AutomaticTrigger,
    ClosingOutcome,
    ContingencyFlag,
    Duty,
    FlagEvent,
    FlagLevelChange,
    FlagTrigger,
    Level,
    ManualTrigger,
    Visibility,
)
from marketplace.contingency.services import AUTOMATIC_TRIGGER_LEVELS, NEUTRAL_NOTICES
from marketplace.monitoring.models import MonitoringVisit, Rating
from marketplace.providers.models import Provider
from marketplace.providers.services import provider_set_public_notice

Kind = Provider.Kind
# About one provider in a hundred is flagged; never fewer than this many open flags.
SHARE_FLAGGED = 0.01
MINIMUM_OPEN_FLAGS = 6
# A tiny, valid PDF standing in for a provider's business continuity plan.
DEMO_PLAN_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass(frozen=True)
class ContingencyDemoResult:
    open_flags: int
    closed_flags: int
    failing_provider: str


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _duty(provider: Provider) -> str:
    return Duty.S48_TEMPORARY if provider.is_registered_with_cqc else Duty.GENERAL_ELIGIBLE_NEEDS


class FlagWriter:
    def __init__(self, *, rng: random.Random, today: date, commissioner: User | None) -> None:
        self.rng = rng
        self.today = today
        self.commissioner = commissioner

    def open(
        self, provider: Provider, *, signal: str = "", kind: str = "", detail: str, level: str, days_ago: int
    ) -> ContingencyFlag:
        opened_on = self.today - timedelta(days=days_ago)
        opened_at = _at(opened_on, self.rng.randint(8, 16), self.rng.choice([0, 15, 30, 45]))
        automatic = bool(signal)
        flag = ContingencyFlag.objects.create(
            provider=provider,
            level=level,
            duty=_duty(provider),
            lead_officer=None if automatic and self.rng.random() < 0.4 else self.commissioner,
            opened_at=opened_at,
            opened_on=opened_on,
        )
        FlagTrigger.objects.create(
            flag=flag,
            source=FlagTrigger.Source.AUTOMATIC if automatic else FlagTrigger.Source.MANUAL,
            kind=signal or kind,
            detail=detail,
            recorded_by=None if automatic else self.commissioner,
            recorded_at=opened_at,
        )
        label = AutomaticTrigger(signal).label if automatic else ManualTrigger(kind).label
        FlagLevelChange.objects.create(
            flag=flag,
            from_level="",
            to_level=level,
            decided_by=None if automatic else self.commissioner,
            decided_at=opened_at,
            reason=f"Automatic: {label}. {detail}" if automatic else f"{label}: {detail}",
        )
        return flag

    def raise_to(self, flag: ContingencyFlag, *, level: str, reason: str, at: datetime) -> None:
        FlagLevelChange.objects.create(
            flag=flag,
            from_level=flag.level,
            to_level=level,
            decided_by=self.commissioner,
            decided_at=at,
            reason=reason,
        )
        flag.level = level
        flag.save(update_fields=["level"])

    def event(self, flag: ContingencyFlag, *, summary: str, at: datetime, party: str = "") -> None:
        FlagEvent.objects.create(
            flag=flag,
            kind=FlagEvent.Kind.COMMUNICATION if party else FlagEvent.Kind.EVENT,
            party=party,
            summary=summary,
            occurred_at=at,
            recorded_by=self.commissioner,
            recorded_at=at,
        )

    def close(self, flag: ContingencyFlag, *, outcome: str, note: str, days_ago: int) -> None:
        closed_at = _at(self.today - timedelta(days=days_ago), 15)
        FlagLevelChange.objects.create(
            flag=flag,
            from_level=flag.level,
            to_level=Level.CLOSED,
            decided_by=self.commissioner,
            decided_at=closed_at,
            reason=note,
        )
        flag.level = Level.CLOSED
        flag.closed_at = closed_at
        flag.closing_outcome = outcome
        flag.closing_note = note
        flag.save(update_fields=["level", "closed_at", "closing_outcome", "closing_note"])


def _latest_poor_visits() -> dict[int, MonitoringVisit]:
    """Providers whose latest finalised visit was rated Poor, with that visit."""
    latest: dict[int, MonitoringVisit] = {}
    visits = (
        MonitoringVisit.objects.exclude(status=MonitoringVisit.Status.DRAFT)
        .only("pk", "provider_id", "visit_type", "visited_on", "overall_rating")
        .order_by("provider_id", "visited_on", "pk")
    )
    for visit in visits.iterator(chunk_size=2000):
        latest[visit.provider_id] = visit
    return {provider_id: visit for provider_id, visit in latest.items() if visit.overall_rating == Rating.POOR}


@transaction.atomic
def build_contingency_demo(*, seed: int, today: date, commissioner: User | None) -> ContingencyDemoResult:
    """Open, failing and closed contingency flags in realistic proportions for the demo county."""
    rng = random.Random(f"contingency-{seed}")
    writer = FlagWriter(rng=rng, today=today, commissioner=commissioner)
    ContingencyFlag.objects.all().delete()
    Provider.objects.exclude(public_notice="").update(public_notice="")

    candidates = list(
        Provider.objects.filter(status__in=[Provider.Status.PUBLISHED, Provider.Status.SUSPENDED])
        .only("pk", "name", "kind", "status", "cqc_rating", "cqc_location_id", "cqc_provider_id", "company_number")
        .order_by("pk")
    )
    if not candidates:
        return ContingencyDemoResult(open_flags=0, closed_flags=0, failing_provider="")
    target = max(MINIMUM_OPEN_FLAGS, round(len(candidates) * SHARE_FLAGGED))
    used: set[int] = set()

    def take(pool: list[Provider], count: int) -> list[Provider]:
        chosen = [provider for provider in pool if provider.pk not in used][:count]
        used.update(provider.pk for provider in chosen)
        return chosen

    organisations = [provider for provider in candidates if provider.kind != Kind.PERSONAL_ASSISTANT]
    rng.shuffle(organisations)

    # One home care agency failing, with its whole story.
    agencies = [provider for provider in organisations if provider.kind == Kind.HOME_CARE_AGENCY] or organisations
    failing_provider = take(agencies, 1)[0]
    _failing_story(writer, failing_provider, rng)

    # CQC Inadequate and Poor monitoring visits: at risk.
    inadequate = [provider for provider in organisations if provider.cqc_rating == Provider.CqcRating.INADEQUATE]
    for provider in take(inadequate, 3):
        writer.open(
            provider,
            signal=AutomaticTrigger.CQC_INADEQUATE,
            detail="The CQC rated the service Inadequate overall at its latest inspection.",
            level=AUTOMATIC_TRIGGER_LEVELS[AutomaticTrigger.CQC_INADEQUATE],
            days_ago=rng.randint(10, 90),
        )
    poor = _latest_poor_visits()
    poor_providers = [provider for provider in candidates if provider.pk in poor]
    for provider in take(poor_providers, 3):
        visit = poor[provider.pk]
        writer.open(
            provider,
            signal=AutomaticTrigger.POOR_MONITORING_RATING,
            detail=f"{visit.get_visit_type_display()} on {visit.visited_on:%d %B %Y} rated Poor overall.",
            level=AUTOMATIC_TRIGGER_LEVELS[AutomaticTrigger.POOR_MONITORING_RATING],
            days_ago=max(0, (today - visit.visited_on).days),
        )

    # The rest at watch, from Companies House, vetting, capacity or intelligence.
    watch_reasons = [
        (AutomaticTrigger.OVERDUE_ACCOUNTS, "", "Companies House shows the annual accounts overdue."),
        (AutomaticTrigger.ACCREDITATION_LAPSED, "", "Accreditation lapsed: public liability insurance expired."),
        (AutomaticTrigger.CAPACITY_FALL, "", "Capacity fell from 120 to 40 hours a week."),
        ("", ManualTrigger.INTELLIGENCE, "Two care workers told the brokerage team wages were paid late twice."),
        ("", ManualTrigger.SELF_REPORT, "The owner called: the registered manager is leaving next month."),
    ]
    remaining = max(0, target - len(used))
    everyone = organisations + [provider for provider in candidates if provider.kind == Kind.PERSONAL_ASSISTANT]
    for index, provider in enumerate(take(everyone, remaining)):
        signal, kind, detail = watch_reasons[index % len(watch_reasons)]
        if signal == AutomaticTrigger.OVERDUE_ACCOUNTS and not provider.company_number:
            signal, kind, detail = "", ManualTrigger.INTELLIGENCE, "A family told the council visits were often late."
        level = Level.WATCH
        if kind == ManualTrigger.INTELLIGENCE and rng.random() < 0.3:
            level = Level.AT_RISK
        writer.open(provider, signal=signal, kind=kind, detail=detail, level=level, days_ago=rng.randint(3, 120))

    # Two closed flags, for history.
    closed = 0
    for provider, outcome, note in zip(
        take(organisations, 2),
        [ClosingOutcome.RECOVERED, ClosingOutcome.CLOSED_NO_IMPACT],
        [
            "A new registered manager is in post and the action plan is complete.",
            "The late payments were a bank error, since put right; no one's care was affected.",
        ],
        strict=False,
    ):
        flag = writer.open(
            provider,
            kind=ManualTrigger.INTELLIGENCE,
            detail="Reports of missed calls from the brokerage team.",
            level=Level.WATCH,
            days_ago=rng.randint(200, 300),
        )
        writer.close(flag, outcome=outcome, note=note, days_ago=rng.randint(30, 150))
        closed += 1

    return ContingencyDemoResult(
        open_flags=ContingencyFlag.objects.open().count(), closed_flags=closed, failing_provider=failing_provider.name
    )


def _failing_story(writer: FlagWriter, provider: Provider, rng: random.Random) -> ContingencyFlag:
    """A home care agency going under: the timeline commissioners would have recorded over five weeks."""
    today = writer.today
    start = today - timedelta(days=36)
    flag = writer.open(
        provider,
        signal=AutomaticTrigger.POOR_MONITORING_RATING,
        detail=f"Unannounced visit on {start:%d %B %Y} rated Poor overall.",
        level=Level.AT_RISK,
        days_ago=36,
    )
    flag.lead_officer = writer.commissioner
    flag.save(update_fields=["lead_officer"])
    writer.event(
        flag,
        party=FlagEvent.Party.PROVIDER,
        summary="Met the director and registered manager; agreed an action plan and weekly call-round reports.",
        at=_at(start + timedelta(days=2), 10),
    )
    FlagTrigger.objects.create(
        flag=flag,
        source=FlagTrigger.Source.MANUAL,
        kind=ManualTrigger.INTELLIGENCE,
        detail="Staff told the brokerage team that wages were paid a week late.",
        recorded_by=writer.commissioner,
        recorded_at=_at(start + timedelta(days=12), 14),
    )
    writer.event(
        flag,
        party=FlagEvent.Party.CQC,
        summary="Shared the visit findings and the wages concern with the CQC inspector.",
        at=_at(start + timedelta(days=13), 11),
    )
    FlagTrigger.objects.create(
        flag=flag,
        source=FlagTrigger.Source.AUTOMATIC,
        kind=AutomaticTrigger.INSOLVENCY,
        detail="Companies House: a notice of intention to appoint an administrator was filed.",
        recorded_at=_at(start + timedelta(days=25), 7),
    )
    writer.raise_to(
        flag,
        level=Level.FAILING,
        reason="Administration is likely and care workers are leaving; the action plan cannot be met.",
        at=_at(start + timedelta(days=25), 9, 30),
    )
    flag.public_visibility = Visibility.NOTICE
    flag.public_notice_text = NEUTRAL_NOTICES[0]
    flag.business_continuity_plan.save("business-continuity-plan.pdf", ContentFile(DEMO_PLAN_PDF), save=False)
    flag.bcp_uploaded_at = _at(start + timedelta(days=26), 12)
    flag.bcp_reviewed_on = start + timedelta(days=27)
    flag.save(
        update_fields=[
            "public_visibility",
            "public_notice_text",
            "business_continuity_plan",
            "bcp_uploaded_at",
            "bcp_reviewed_on",
        ]
    )
    provider_set_public_notice(provider=provider, notice=NEUTRAL_NOTICES[0])
    writer.event(
        flag,
        summary=f"Public listing: neutral notice “{NEUTRAL_NOTICES[0]}” — reason: pause new referrals while failing.",
        at=_at(start + timedelta(days=25), 10),
        party="",
    )
    writer.event(
        flag,
        party=FlagEvent.Party.FAMILIES,
        summary="Wrote to the families of everyone supported: what is happening and who to call.",
        at=_at(start + timedelta(days=26), 16),
    )
    writer.event(
        flag,
        party=FlagEvent.Party.OTHER_COUNCILS,
        summary="Told the neighbouring council, which funds four people with this agency.",
        at=_at(start + timedelta(days=27), 9),
    )
    holders = list(DirectPaymentHolder.objects.order_by("pk")[:2])
    statuses = [
        AffectedPerson.Status.ALTERNATIVE_ARRANGED,
        AffectedPerson.Status.CONTACTED,
        AffectedPerson.Status.CONTACTED,
        AffectedPerson.Status.IDENTIFIED,
        AffectedPerson.Status.IDENTIFIED,
    ]
    needs = [
        "Personal care, four calls a day",
        "Morning call and medication prompt",
        "Personal care and meal preparation",
        "Evening call, lives alone",
        "Double-handed calls, hoist",
    ]
    for number, (status, need) in enumerate(zip(statuses, needs, strict=True)):
        AffectedPerson.objects.create(
            flag=flag,
            holder=holders[number] if number < len(holders) else None,
            reference=f"ASC-{rng.randint(10000, 99999)}",
            needs_summary=need,
            status=status,
        )
    return flag
