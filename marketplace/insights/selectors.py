"""Reads for the commissioners' morning dashboard: one function per panel.

Each function returns a plain, frozen dataclass (the counts and the rows behind
them) built with a small, fixed number of queries whatever the data size, so
the dashboard stays quick on a county's records. The other apps' own
selectors are used where they exist; otherwise this module reads their models'
querysets and never writes.
"""

import sys
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from marketplace.accreditation.models import Accreditation, CheckRequirement, ProviderCheck
from marketplace.accreditation.selectors import ReviewQueueSummary, review_queue_summary
from marketplace.providers.models import Provider

from . import market
from .freshness import ByProvider, Work, kept_for_the_day, work_out

EXPIRY_WINDOW_DAYS = 30
MONITORING_WINDOW_DAYS = 30
# A check the provider has sent (waiting for review) or that is verified: its expiry date matters.
CURRENT_CHECK_STATUSES = (ProviderCheck.Status.SUBMITTED, ProviderCheck.Status.VERIFIED)


@dataclass(frozen=True)
class CategoryCount:
    """One bar of a panel: a category, its label and how many records fall in it."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Tally:
    """Counts by category in a fixed order (every category present, zero or not)."""

    counts: tuple[CategoryCount, ...]

    @property
    def total(self) -> int:
        return sum(item.count for item in self.counts)

    def __getitem__(self, key: str) -> int:
        for item in self.counts:
            if item.key == key:
                return item.count
        raise KeyError(key)

    def as_dict(self) -> dict[str, int]:
        return {item.key: item.count for item in self.counts}


def _tally(choices: Iterable[tuple[str, Any]], found: dict[str, int]) -> Tally:
    return Tally(
        counts=tuple(CategoryCount(key=str(key), label=str(label), count=found.get(key, 0)) for key, label in choices)
    )


def _days_between(earlier: date, later: date) -> int:
    return (later - earlier).days


# --- Accreditation pipeline ---------------------------------------------------------------------


@dataclass(frozen=True)
class AccreditationPipeline:
    """Where every provider stands on the accredited supplier list, and how long the oldest application has
    waited for a decision (None when none is waiting)."""

    tally: Tally
    oldest_waiting_days: int | None
    today: date

    @property
    def waiting_count(self) -> int:
        return self.tally[Accreditation.Status.APPLIED]


def providers_with_accreditation_status() -> Any:
    """Every provider annotated with `accreditation_status` ("not_applied" when it never had a record)."""
    return Provider.objects.annotate(
        accreditation_status=Coalesce("accreditation__status", Value(Accreditation.Status.NOT_APPLIED))
    )


def accreditation_pipeline(*, today: date | None = None) -> AccreditationPipeline:
    """Counts of providers by accreditation status, and the longest wait of an application, in the days the
    pipeline report's "Days waiting" column shows (2 aggregate queries: no application is loaded).

    Every provider is counted once; one without an accreditation record has not applied. An application with
    no date has waited 0 days, as in the report.
    """
    today = today or timezone.localdate()
    # Counted from the applications (one row each) rather than by joining every provider to its record: the
    # providers without one are the difference, and counting providers reads only their primary key.
    by_status = {
        status: (count, oldest, undated)
        for status, count, oldest, undated in Accreditation.objects.order_by()
        .values_list("status")
        .annotate(count=Count("pk"), oldest=Min("applied_at"), undated=Count("pk", filter=Q(applied_at__isnull=True)))
        .values_list("status", "count", "oldest", "undated")
    }
    found = {status: count for status, (count, _oldest, _undated) in by_status.items()}
    never_applied = Provider.objects.count() - sum(found.values())
    found[Accreditation.Status.NOT_APPLIED] = found.get(Accreditation.Status.NOT_APPLIED, 0) + never_applied
    waiting_count, oldest, undated = by_status.get(Accreditation.Status.APPLIED, (0, None, 0))
    waits = [0] if undated else []
    if oldest is not None:
        waits.append(_days_between(timezone.localdate(oldest), today))
    return AccreditationPipeline(
        tally=_tally(Accreditation.Status.choices, found),
        oldest_waiting_days=max(waits) if waiting_count else None,
        today=today,
    )


@dataclass(frozen=True)
class AccreditationRow:
    provider_id: int
    provider_name: str
    kind: str
    listing_status: str
    status: str
    status_label: str
    applied_on: date | None
    days_waiting: int | None
    accredited_since: date | None


def accreditation_rows(*, status: str | None = None, today: date | None = None) -> list[AccreditationRow]:
    """Every provider (or those with one accreditation status) with its application dates: waiting
    applications first, oldest first, then the rest by name (1 query)."""
    today = today or timezone.localdate()
    labels = dict(Accreditation.Status.choices)
    providers = providers_with_accreditation_status().select_related("accreditation").order_by("name", "id")
    if status:
        providers = providers.filter(accreditation_status=status)
    rows = []
    for provider in providers:
        accreditation = getattr(provider, "accreditation", None)
        applied_at = accreditation.applied_at if accreditation else None
        is_waiting = provider.accreditation_status == Accreditation.Status.APPLIED
        rows.append(
            AccreditationRow(
                provider_id=provider.pk,
                provider_name=provider.name,
                kind=provider.get_kind_display(),
                listing_status=provider.get_status_display(),
                status=provider.accreditation_status,
                status_label=str(labels.get(provider.accreditation_status, provider.accreditation_status)),
                applied_on=timezone.localdate(applied_at) if applied_at else None,
                days_waiting=(
                    _days_between(timezone.localdate(applied_at), today) if is_waiting and applied_at else None
                ),
                accredited_since=accreditation.accredited_since if accreditation else None,
            )
        )
    rows.sort(key=lambda row: (row.status != Accreditation.Status.APPLIED, -(row.days_waiting or 0)))
    return rows


# --- Expiring and expired checks ----------------------------------------------------------------


@dataclass(frozen=True)
class CheckRow:
    check_id: int
    provider_id: int
    provider_name: str
    check_name: str
    worker_name: str
    status: str
    expires_on: date
    days_left: int

    @property
    def days_ago(self) -> int:
        """Days since it expired (0 if its date has not passed: marked expired all the same)."""
        return max(0, -self.days_left)


@dataclass(frozen=True)
class CheckExpiry:
    """How many checks expire within the window (by week), and how many required checks have expired."""

    expired_count: int
    within_7_days: int
    within_8_to_14_days: int
    expiring_count: int
    today: date
    within_days: int

    @property
    def after_14_days(self) -> int:
        return self.expiring_count - self.within_7_days - self.within_8_to_14_days


def required_checks() -> QuerySet[ProviderCheck]:
    """Checks that count towards accreditation: required for the provider's kind, for a current
    provider (not withdrawn) and, for a worker's check, a worker still working there."""
    requirement = CheckRequirement.objects.filter(
        check_type=OuterRef("check_type"), provider_kind=OuterRef("provider__kind")
    )
    return (
        ProviderCheck.objects.filter(Exists(requirement))
        .exclude(provider__status=Provider.Status.WITHDRAWN)
        .filter(Q(worker__isnull=True) | Q(worker__is_active=True))
    )


def expired_required_checks(*, today: date) -> QuerySet[ProviderCheck]:
    """Required checks already expired: marked expired, or sent or verified with a date in the past that the
    nightly sweep has not reached yet. The expired checks report lists exactly these."""
    expired = Q(status=ProviderCheck.Status.EXPIRED, expires_on__isnull=False) | Q(
        status__in=CURRENT_CHECK_STATUSES, expires_on__lt=today
    )
    return required_checks().filter(expired)


def check_expiry(*, today: date | None = None, within_days: int = EXPIRY_WINDOW_DAYS) -> CheckExpiry:
    """Counts only (2 aggregate queries): the expired required checks, and the checks expiring from today to
    `within_days` ahead exactly as the accreditation app's expiring-checks report lists them (its
    `checks_expiring_within`), by week."""
    from marketplace.accreditation.selectors import checks_expiring_within

    today = today or timezone.localdate()
    expired_count = expired_required_checks(today=today).count()
    expiring = (
        checks_expiring_within(days=within_days, today=today)
        .order_by()
        .aggregate(
            total=Count("pk"),
            within_7=Count("pk", filter=Q(expires_on__lte=today + timedelta(days=7))),
            within_14=Count(
                "pk", filter=Q(expires_on__gt=today + timedelta(days=7), expires_on__lte=today + timedelta(days=14))
            ),
        )
    )
    return CheckExpiry(
        expired_count=expired_count,
        within_7_days=expiring["within_7"],
        within_8_to_14_days=expiring["within_14"],
        expiring_count=expiring["total"],
        today=today,
        within_days=within_days,
    )


def expired_check_rows(*, today: date | None = None) -> tuple[CheckRow, ...]:
    """The expired required checks, longest expired first (1 query)."""
    today = today or timezone.localdate()
    return tuple(
        CheckRow(
            check_id=check.pk,
            provider_id=check.provider_id,
            provider_name=check.provider.name,
            check_name=check.check_type.name,
            worker_name=check.worker.full_name if check.worker else "",
            status=check.get_status_display(),
            expires_on=check.expires_on,
            days_left=_days_between(today, check.expires_on),
        )
        for check in expired_required_checks(today=today)
        .select_related("provider", "check_type", "worker")
        .order_by("expires_on", "id")
        if check.expires_on is not None
    )


# --- Ratings ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingsDistribution:
    """How providers are rated: the CQC's overall rating (registered providers) and the council's own
    latest monitoring visit rating per provider (when monitoring records exist)."""

    cqc: Tally
    cqc_unrated_registered: int
    monitoring: Tally


# A published provider's CQC rating ("" for none), whether it is registered with the CQC, and the overall rating
# of its latest finalised or published monitoring visit ("" for none or no rating).
RatingValue = tuple[str, bool, str]


def rating_values(provider_ids: Collection[int] | None = None) -> dict[int, RatingValue]:
    """Each published provider (of these, if given) and what the ratings charts count it by (2 queries)."""
    from marketplace.monitoring.models import MonitoringVisit

    providers, visits = Provider.objects.published(), MonitoringVisit.objects.all()
    if provider_ids is not None:
        providers, visits = providers.filter(pk__in=provider_ids), visits.filter(provider_id__in=provider_ids)
    registered = ExpressionWrapper(~Q(cqc_location_id="") | ~Q(cqc_provider_id=""), output_field=BooleanField())
    visits = visits.latest_decided()
    latest = dict(visits.values_list("provider_id", "overall_rating"))
    return {
        provider_id: (sys.intern(rating), is_registered, sys.intern(latest.get(provider_id) or ""))
        for provider_id, rating, is_registered in providers.order_by()
        .annotate(registered=registered)
        .values_list("pk", "cqc_rating", "registered")
    }


def count_ratings(values: Mapping[int, RatingValue]) -> RatingsDistribution:
    """The ratings charts' counts: published providers by CQC rating, the registered ones not rated yet, and those
    with a decided monitoring visit by its overall rating (one without is left out)."""
    from marketplace.monitoring.models import Rating

    cqc = Counter(rating for rating, _, _ in values.values() if rating)
    monitoring = Counter(rating for _, _, rating in values.values() if rating)
    unrated = sum(1 for rating, is_registered, _ in values.values() if is_registered and not rating)
    return RatingsDistribution(
        cqc=_tally(Provider.CqcRating.choices, dict(cqc)),
        cqc_unrated_registered=unrated,
        monitoring=_tally(Rating.choices, dict(monitoring)),
    )


def ratings_distribution() -> RatingsDistribution:
    """How published providers are rated, by the CQC and by the council's own latest monitoring visit (2 queries)."""
    return count_ratings(rating_values())


@dataclass(frozen=True)
class RatingRow:
    provider_id: int
    provider_name: str
    kind: str
    cqc_rating: str
    cqc_rating_date: date | None
    monitoring_rating: str
    monitoring_visited_on: date | None


def rating_rows(*, cqc_rating: str | None = None, monitoring_rating: str | None = None) -> list[RatingRow]:
    """Published providers with their CQC rating and the overall rating of their latest finalised or published
    monitoring visit, the one the charts count; "none" as either filter means those without one (2 queries)."""
    from marketplace.monitoring.models import MonitoringVisit, Rating

    latest = {
        provider_id: (rating, visited_on)
        for provider_id, rating, visited_on in MonitoringVisit.objects.latest_decided().values_list(
            "provider_id", "overall_rating", "visited_on"
        )
    }
    providers = Provider.objects.published()
    if cqc_rating == "none":
        providers = providers.filter(cqc_rating="")
    elif cqc_rating:
        providers = providers.filter(cqc_rating=cqc_rating)
    labels, kinds, cqc_labels = dict(Rating.choices), dict(Provider.Kind.choices), dict(Provider.CqcRating.choices)
    rows = []
    # Values, not models: at a regional scale the report reads every published provider.
    for pk, name, kind, cqc, cqc_date in providers.order_by("name", "id").values_list(
        "id", "name", "kind", "cqc_rating", "cqc_rating_date"
    ):
        rating, visited_on = latest.get(pk, ("", None))
        if monitoring_rating and (rating or "none") != monitoring_rating:
            continue
        rows.append(
            RatingRow(
                provider_id=pk,
                provider_name=name,
                kind=str(kinds.get(kind, kind)),
                cqc_rating=str(cqc_labels.get(cqc, cqc)) if cqc else "",
                cqc_rating_date=cqc_date,
                monitoring_rating=str(labels.get(rating, "")) if rating else "",
                monitoring_visited_on=visited_on,
            )
        )
    return rows


# --- Provider-failure contingency flags ---------------------------------------------------------


@dataclass(frozen=True)
class FlagRow:
    flag_id: int
    provider_id: int
    provider_name: str
    level: str
    level_label: str
    opened_on: date
    days_open: int
    lead_officer: str


@dataclass(frozen=True)
class OpenFlags:
    """Open provider-failure flags by level, most serious first in the rows."""

    tally: Tally
    rows: tuple[FlagRow, ...]

    @property
    def at_risk_or_worse(self) -> int:
        from marketplace.contingency.models import Level

        return sum(self.tally[level] for level in (Level.AT_RISK, Level.FAILING, Level.FAILED))


def open_flags_by_level(*, today: date | None = None, with_rows: bool = True) -> OpenFlags:
    """Every open contingency flag, counted by level (1 query), and its rows unless `with_rows` is False
    (1 more)."""
    from marketplace.contingency.models import LEVEL_RANK, OPEN_LEVELS, ContingencyFlag, Level

    today = today or timezone.localdate()
    flags = ContingencyFlag.objects.open()
    found = dict(flags.order_by().values_list("level").annotate(count=Count("id")).values_list("level", "count"))
    labels = dict(Level.choices)
    tally = _tally([(level, labels[level]) for level in OPEN_LEVELS], found)
    if not with_rows:
        return OpenFlags(tally=tally, rows=())
    rows = sorted(
        (
            FlagRow(
                flag_id=flag.pk,
                provider_id=flag.provider_id,
                provider_name=flag.provider.name,
                level=flag.level,
                level_label=flag.get_level_display(),
                opened_on=flag.opened_on,
                days_open=_days_between(flag.opened_on, today),
                lead_officer=str(flag.lead_officer) if flag.lead_officer else "",
            )
            for flag in flags.select_related("provider", "lead_officer")
        ),
        key=lambda row: (-LEVEL_RANK.get(row.level, 0), row.opened_on, row.flag_id),
    )
    return OpenFlags(tally=tally, rows=tuple(rows))


# --- Monitoring visits due and overdue ----------------------------------------------------------


LONG_OVERDUE_DAYS = 90


@dataclass(frozen=True)
class MonitoringDue:
    """How many providers on a council arrangement are due a monitoring visit within the window (not yet
    past), and how many are overdue (and of those, overdue over 90 days)."""

    due_count: int
    overdue_count: int
    long_overdue_count: int
    today: date
    within_days: int


def monitoring_due_and_overdue(
    *, today: date | None = None, within_days: int = MONITORING_WINDOW_DAYS
) -> MonitoringDue:
    """Counted from the monitoring app's schedule (the due date of each provider on an arrangement; four queries,
    no provider loaded), as its due and overdue report lists them."""
    today = today or timezone.localdate()
    return count_monitoring_due(due_days_by_provider(today, None).values(), today=today, within_days=within_days)


def due_days_by_provider(today: date, provider_ids: Collection[int] | None) -> dict[int, int]:
    """The schedule's due dates as day numbers (`date.toordinal`), kept and patched a provider at a time: a cache
    stores 60,000 of them in a tenth of the time it takes for dates."""
    from marketplace.monitoring.schedule import due_dates_by_provider

    return {
        provider_id: due_on.toordinal()
        for provider_id, due_on in due_dates_by_provider(today=today, provider_ids=provider_ids).items()
    }


def count_monitoring_due(
    due_days: Iterable[int], *, today: date, within_days: int = MONITORING_WINDOW_DAYS
) -> MonitoringDue:
    """Of these due dates (day numbers), those within `within_days` but not yet past (due) and those past
    (overdue)."""
    day = today.toordinal()
    days_overdue = [day - due_day for due_day in due_days if due_day - day <= within_days]
    overdue = sum(1 for days in days_overdue if days > 0)
    return MonitoringDue(
        due_count=len(days_overdue) - overdue,
        overdue_count=overdue,
        long_overdue_count=sum(1 for days in days_overdue if days > LONG_OVERDUE_DAYS),
        today=today,
        within_days=within_days,
    )


# --- The morning's figures together, kept -------------------------------------------------------


@dataclass(frozen=True)
class MorningFigures:
    """Every figure the morning dashboard and the Wagtail home panel show, for one day."""

    today: date
    pipeline: AccreditationPipeline
    checks: CheckExpiry
    flags: OpenFlags
    ratings: RatingsDistribution
    monitoring: MonitoringDue
    queue: ReviewQueueSummary
    gaps: market.RuralGaps | None


def morning_figures(*, today: date | None = None) -> MorningFigures:
    """The morning's figures, each panel kept in the shared cache until a table or column it reads is written or
    the day changes (insights/freshness.py, decisions 0060 and 0063): what is kept is exactly what would be worked
    out afresh."""
    today = today or timezone.localdate()
    return MorningFigures(today=today, **kept_for_the_day(today, morning_panels(today)))


def work_out_morning_figures(today: date) -> MorningFigures:
    """The morning's figures worked out afresh, every panel."""
    return MorningFigures(today=today, **{name: work_out(work) for name, work in morning_panels(today).items()})


def morning_panels(today: date) -> dict[str, Work]:
    """How each panel of the morning figures is worked out, by its name in `freshness.PANELS`."""

    def gaps() -> market.RuralGaps | None:
        service = market.default_gap_service()
        return market.rural_gaps(service=service) if service else None

    return {
        "pipeline": lambda: accreditation_pipeline(today=today),
        "checks": lambda: check_expiry(today=today),
        "flags": lambda: open_flags_by_level(today=today, with_rows=False),
        "ratings": ByProvider(values=rating_values, summary=count_ratings),
        "monitoring": ByProvider(
            values=lambda ids: due_days_by_provider(today, ids),
            summary=lambda due_days: count_monitoring_due(due_days.values(), today=today),
        ),
        "queue": lambda: review_queue_summary(today=today),
        "gaps": gaps,
    }
