"""Risk-based scheduling: when each provider on a council arrangement is next due a monitoring visit.

`next_monitoring_due` is a pure function of the facts about one provider;
`monitoring_schedule` gathers those facts for every provider on a current
arrangement in a fixed number of queries, and `monitoring_due` /
`monitoring_overdue` narrow it for the report and the daily alert.

The rule (docs/monitoring.md has the same table):

| fact                                                   | interval after the last visit        |
|--------------------------------------------------------|--------------------------------------|
| the arrangements' frequency (the shortest, default 12) | the base interval, in months         |
| last overall rating Poor                               | 1 month                              |
| last overall rating Requires improvement               | at most 3 months                     |
| last overall rating Good                               | the base interval                    |
| last overall rating Excellent                          | the base interval x 1.5 (rounded down)|
| CQC rating Inadequate                                  | at most 1 month                      |
| CQC rating Requires improvement                        | at most 6 months                     |
| an approved complaint in the last 6 months             | at most 3 months                     |
| an expired check the provider's kind requires          | at most 1 month                      |
| never visited (no finalised visit)                     | due now: from the day it joined      |

The "at most" rules apply after the rating's, so the shortest wins. The last
visit is the latest finalised or published one (drafts are not decided yet).
"""

import calendar
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from marketplace.providers.models import Provider

from .models import ArrangementMembership, Feedback, MonitoringVisit, Rating

DEFAULT_FREQUENCY_MONTHS = 12
COMPLAINT_WINDOW_MONTHS = 6

RATING_INTERVAL_MONTHS: dict[str, int] = {Rating.POOR: 1, Rating.REQUIRES_IMPROVEMENT: 3}
EXCELLENT_EXTENSION = 1.5
CQC_INADEQUATE_MONTHS = 1
CQC_REQUIRES_IMPROVEMENT_MONTHS = 6
COMPLAINT_MONTHS = 3
LAPSED_CHECK_MONTHS = 1


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later (or earlier), clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _months(count: int) -> str:
    return f"{count} month{'s' if count != 1 else ''}"


@dataclass(frozen=True, slots=True)
class ScheduleFacts:
    """What the schedule needs to know about one provider."""

    last_visited_on: date | None = None
    last_overall_rating: str = ""
    frequency_months: int = DEFAULT_FREQUENCY_MONTHS
    cqc_rating: str = ""
    approved_complaints_recently: int = 0
    has_lapsed_required_check: bool = False
    member_since: date | None = None


@dataclass(frozen=True, slots=True)
class NextMonitoring:
    due_on: date
    interval_months: int | None  # None when never visited
    reasons: tuple[str, ...]


def next_monitoring_due(facts: ScheduleFacts, *, today: date | None = None, explain: bool = True) -> NextMonitoring:
    """When the next monitoring visit is due, how long the interval is and why (pure: no database).

    `explain=False` leaves the reasons out: for counting dates over every provider, where writing
    each one's reasons would cost more than the rule itself.
    """
    today = today or timezone.localdate()
    if facts.last_visited_on is None:
        due_on = min(facts.member_since, today) if facts.member_since else today
        return NextMonitoring(
            due_on=due_on, interval_months=None, reasons=("Never visited: due now",) if explain else ()
        )

    base = facts.frequency_months or DEFAULT_FREQUENCY_MONTHS
    interval = base
    reasons = [f"Every {_months(base)} under the arrangement"] if explain else []
    rating = facts.last_overall_rating
    if rating in RATING_INTERVAL_MONTHS:
        interval = min(interval, RATING_INTERVAL_MONTHS[rating])
        if explain:
            reasons.append(f"Last rated {Rating(rating).label}: within {_months(RATING_INTERVAL_MONTHS[rating])}")
    elif rating == Rating.EXCELLENT:
        interval = max(base, int(base * EXCELLENT_EXTENSION))
        if explain:
            reasons.append(f"Last rated Excellent: interval extended to {interval} months")
    for months, reason in _caps(facts):
        interval = min(interval, months)
        if explain:
            reasons.append(f"{reason()}: within {_months(months)}")
    return NextMonitoring(
        due_on=add_months(facts.last_visited_on, interval), interval_months=interval, reasons=tuple(reasons)
    )


def _caps(facts: ScheduleFacts) -> Iterator[tuple[int, Callable[[], str]]]:
    """The "at most" rules that apply to these facts: each cap in months, and its reason (written only if asked)."""
    if facts.cqc_rating == Provider.CqcRating.INADEQUATE:
        yield CQC_INADEQUATE_MONTHS, lambda: "CQC rated Inadequate"
    if facts.cqc_rating == Provider.CqcRating.REQUIRES_IMPROVEMENT:
        yield CQC_REQUIRES_IMPROVEMENT_MONTHS, lambda: "CQC rated Requires improvement"
    complaints = facts.approved_complaints_recently
    if complaints > 0:
        yield (
            COMPLAINT_MONTHS,
            lambda: (
                f"{complaints} approved complaint{'s' if complaints != 1 else ''} "
                f"in the last {COMPLAINT_WINDOW_MONTHS} months"
            ),
        )
    if facts.has_lapsed_required_check:
        yield LAPSED_CHECK_MONTHS, lambda: "A required vetting check has expired"


@dataclass
class ScheduleRow:
    """One provider's place in the monitoring schedule, for the report, its export and the alert."""

    provider: Provider
    due_on: date
    interval_months: int | None
    reasons: tuple[str, ...]
    last_visited_on: date | None
    last_overall_rating: str
    arrangements: list[str] = field(default_factory=list)
    today: date = field(default_factory=timezone.localdate)

    @property
    def is_overdue(self) -> bool:
        return self.due_on < self.today

    @property
    def days_overdue(self) -> int:
        return max(0, (self.today - self.due_on).days)

    @property
    def state(self) -> str:
        return "Overdue" if self.is_overdue else "Due"

    @property
    def last_overall_rating_label(self) -> str:
        return Rating(self.last_overall_rating).label if self.last_overall_rating else "Never visited"

    @property
    def arrangements_text(self) -> str:
        return ", ".join(self.arrangements)

    @property
    def reasons_text(self) -> str:
        return "; ".join(self.reasons)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def monitoring_schedule(
    *, today: date | None = None, providers: QuerySet[Provider] | None = None
) -> list[ScheduleRow]:
    """Every provider on a current arrangement with its next monitoring date, soonest first.

    `providers` narrows the providers considered (the report's filters). Runs
    three queries whatever the number of providers.
    """
    today = today or timezone.localdate()
    return _rows(_schedule(today=today, providers=providers), today=today)


@dataclass(frozen=True, slots=True)
class _Due:
    """One provider's schedule before its row is loaded: plain values, no model instance."""

    provider_id: int
    provider_name: str
    result: NextMonitoring
    facts: ScheduleFacts
    arrangements: list[str]


def _schedule(*, today: date, providers: QuerySet[Provider] | None) -> list[_Due]:
    """The schedule as plain values, soonest first, without reasons (two queries; no provider rows are built)."""
    schedule = [
        _Due(
            provider_id=pk,
            provider_name=name,
            result=next_monitoring_due(facts, today=today, explain=False),
            facts=facts,
            arrangements=arrangements,
        )
        for pk, name, facts, arrangements in _facts(today=today, providers=providers)
    ]
    schedule.sort(key=lambda due: (due.result.due_on, due.provider_name, due.provider_id))
    return schedule


def _facts(
    *, today: date, providers: QuerySet[Provider] | None
) -> Iterator[tuple[int, str, ScheduleFacts, list[str]]]:
    """Each provider on a current arrangement: id, name, the facts its date depends on and its arrangements
    (two queries, plain values)."""
    from marketplace.accreditation.models import ProviderCheck

    memberships = ArrangementMembership.objects.current(today)
    if providers is not None:
        memberships = memberships.filter(provider__in=providers.values("pk"))
    arrangements_by_provider: dict[int, list[str]] = defaultdict(list)
    frequency: dict[int, int] = {}
    member_since: dict[int, date] = {}
    for provider_id, arrangement_name, months, start_on in memberships.order_by("arrangement__name").values_list(
        "provider_id", "arrangement__name", "arrangement__monitoring_frequency_months", "start_on"
    ):
        if arrangement_name not in arrangements_by_provider[provider_id]:
            arrangements_by_provider[provider_id].append(arrangement_name)
        frequency[provider_id] = min(frequency.get(provider_id, months), months)
        member_since[provider_id] = min(member_since.get(provider_id, start_on), start_on)
    if not frequency:
        return

    last_visit = MonitoringVisit.objects.decided().filter(provider=OuterRef("pk")).order_by("-visited_on", "-id")
    complaints = (
        Feedback.objects.filter(
            provider=OuterRef("pk"),
            is_complaint=True,
            moderation_status=Feedback.Moderation.APPROVED,
            submitted_at__gte=_start_of(add_months(today, -COMPLAINT_WINDOW_MONTHS)),
        )
        .order_by()
        .values("provider")
        .annotate(count=Count("pk"))
        .values("count")
    )
    lapsed_checks = ProviderCheck.objects.filter(
        provider=OuterRef("pk"),
        status=ProviderCheck.Status.EXPIRED,
        check_type__requirements__provider_kind=OuterRef("kind"),
    )
    facts_by_provider = (
        # The same memberships as a subquery, not a list of ids: thousands of parameters cost more
        # to send and plan than the subquery costs to run.
        Provider.objects.filter(pk__in=memberships.values("provider_id"))
        .annotate(
            last_visited_on=Subquery(last_visit.values("visited_on")[:1]),
            last_overall_rating=Subquery(last_visit.values("overall_rating")[:1]),
            approved_complaints=Coalesce(Subquery(complaints, output_field=IntegerField()), 0),
            has_lapsed_check=Exists(lapsed_checks),
        )
        .order_by()
        .values_list(
            "pk",
            "name",
            "cqc_rating",
            "last_visited_on",
            "last_overall_rating",
            "approved_complaints",
            "has_lapsed_check",
        )
    )
    for pk, name, cqc_rating, last_visited_on, last_rating, complaint_count, has_lapsed in facts_by_provider:
        if pk not in frequency:  # a membership that began between the two queries
            continue
        facts = ScheduleFacts(
            last_visited_on=last_visited_on,
            last_overall_rating=last_rating or "",
            frequency_months=frequency[pk],
            cqc_rating=cqc_rating,
            approved_complaints_recently=complaint_count,
            has_lapsed_required_check=has_lapsed,
            member_since=member_since[pk],
        )
        yield pk, name, facts, arrangements_by_provider[pk]


def _rows(schedule: list[_Due], *, today: date) -> list[ScheduleRow]:
    """Rows with their providers, for these entries only (one query)."""
    if not schedule:
        return []
    providers = Provider.objects.select_related("locality").in_bulk([due.provider_id for due in schedule])
    return [
        ScheduleRow(
            provider=providers[due.provider_id],
            due_on=due.result.due_on,
            interval_months=due.result.interval_months,
            reasons=next_monitoring_due(due.facts, today=today).reasons,
            last_visited_on=due.facts.last_visited_on,
            last_overall_rating=due.facts.last_overall_rating,
            arrangements=due.arrangements,
            today=today,
        )
        for due in schedule
        if due.provider_id in providers
    ]


def _due(*, today: date, within_days: int, providers: QuerySet[Provider] | None) -> list[_Due]:
    horizon = today + timedelta(days=within_days)
    return [entry for entry in _schedule(today=today, providers=providers) if entry.result.due_on <= horizon]


def monitoring_due(
    *, today: date | None = None, within_days: int = 30, providers: QuerySet[Provider] | None = None
) -> list[ScheduleRow]:
    """Providers due a visit within `within_days` from today, overdue ones included, soonest first."""
    today = today or timezone.localdate()
    # Rows (with their providers) only for those due: most providers on a long schedule are not.
    return _rows(_due(today=today, within_days=within_days, providers=providers), today=today)


def monitoring_due_dates(
    *, today: date | None = None, within_days: int = 30, providers: QuerySet[Provider] | None = None
) -> list[date]:
    """The due dates of the providers `monitoring_due` lists, in its order, without loading the providers
    (two queries): for counts such as the morning dashboard's."""
    today = today or timezone.localdate()
    return [entry.result.due_on for entry in _due(today=today, within_days=within_days, providers=providers)]


def monitoring_overdue(*, today: date | None = None, providers: QuerySet[Provider] | None = None) -> list[ScheduleRow]:
    """Providers whose monitoring visit is past due (due before today), most overdue first."""
    today = today or timezone.localdate()
    overdue = [entry for entry in _schedule(today=today, providers=providers) if entry.result.due_on < today]
    return _rows(overdue, today=today)
