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
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import NamedTuple, overload

from django.db.models import Count, F, QuerySet
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


@lru_cache(maxsize=4096)
def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later (or earlier), clamped to the month's last day.

    Kept for the last few thousand days asked about: the schedule asks it for every provider on an
    arrangement, and providers share last-visit dates and intervals.
    """
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _months(count: int) -> str:
    return f"{count} month{'s' if count != 1 else ''}"


class ScheduleFacts(NamedTuple):
    """What the schedule needs to know about one provider (a tuple: the schedule makes one a provider)."""

    last_visited_on: date | None = None
    last_overall_rating: str = ""
    frequency_months: int = DEFAULT_FREQUENCY_MONTHS
    cqc_rating: str = ""
    approved_complaints_recently: int = 0
    has_lapsed_required_check: bool = False
    member_since: date | None = None

    @property
    def interval_facts(self) -> tuple[int, str, str, int, bool]:
        """The facts a visited provider's interval depends on, and nothing else: `_interval`'s arguments."""
        return (
            self.frequency_months,
            self.last_overall_rating,
            self.cqc_rating,
            self.approved_complaints_recently,
            self.has_lapsed_required_check,
        )


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
        return NextMonitoring(
            due_on=_due_on(None, 0, member_since=facts.member_since, today=today),
            interval_months=None,
            reasons=("Never visited: due now",) if explain else (),
        )
    interval, reasons = _interval(*facts.interval_facts, explain=explain)
    return NextMonitoring(
        due_on=_due_on(facts.last_visited_on, interval, member_since=facts.member_since, today=today),
        interval_months=interval,
        reasons=tuple(reasons),
    )


def _due_on(last_visited_on: date | None, interval: int, *, member_since: date | None, today: date) -> date:
    """The interval after the last visit; never visited, the day it joined (or today, if later)."""
    if last_visited_on is None:
        return min(member_since, today) if member_since else today
    return add_months(last_visited_on, interval)


def _interval(
    frequency_months: int, rating: str, cqc_rating: str, complaints: int, has_lapsed_check: bool, *, explain: bool
) -> tuple[int, list[str]]:
    """The months between a visited provider's visits, and why: these few facts alone decide it."""
    base = frequency_months or DEFAULT_FREQUENCY_MONTHS
    interval = base
    reasons = [f"Every {_months(base)} under the arrangement"] if explain else []
    if rating in RATING_INTERVAL_MONTHS:
        interval = min(interval, RATING_INTERVAL_MONTHS[rating])
        if explain:
            reasons.append(f"Last rated {Rating(rating).label}: within {_months(RATING_INTERVAL_MONTHS[rating])}")
    elif rating == Rating.EXCELLENT:
        interval = max(base, int(base * EXCELLENT_EXTENSION))
        if explain:
            reasons.append(f"Last rated Excellent: interval extended to {interval} months")
    for months, reason in _caps(cqc_rating, complaints, has_lapsed_check):
        interval = min(interval, months)
        if explain:
            reasons.append(f"{reason()}: within {_months(months)}")
    return interval, reasons


def _caps(cqc_rating: str, complaints: int, has_lapsed_check: bool) -> Iterator[tuple[int, Callable[[], str]]]:
    """The "at most" rules that apply to these facts: each cap in months, and its reason (written only if asked)."""
    if cqc_rating == Provider.CqcRating.INADEQUATE:
        yield CQC_INADEQUATE_MONTHS, lambda: "CQC rated Inadequate"
    if cqc_rating == Provider.CqcRating.REQUIRES_IMPROVEMENT:
        yield CQC_REQUIRES_IMPROVEMENT_MONTHS, lambda: "CQC rated Requires improvement"
    if complaints > 0:
        yield (
            COMPLAINT_MONTHS,
            lambda: (
                f"{complaints} approved complaint{'s' if complaints != 1 else ''} "
                f"in the last {COMPLAINT_WINDOW_MONTHS} months"
            ),
        )
    if has_lapsed_check:
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


def monitoring_schedule(*, today: date | None = None, providers: QuerySet[Provider] | None = None) -> "ScheduleRows":
    """Every provider on a current arrangement with its next monitoring date, soonest first (by name on the
    same day).

    `providers` narrows the providers considered (the report's filters). Runs four queries whatever the
    number of providers; the names to order by, then the rows' providers, are read as the rows are
    (`ScheduleRows`).
    """
    today = today or timezone.localdate()
    members = _memberships(today=today, providers=providers).values("provider_id")

    def names() -> dict[int, str]:
        return dict(Provider.objects.filter(pk__in=members).values_list("pk", "name"))

    return ScheduleRows(_schedule(today=today, providers=providers), today=today, names=names)


def _memberships(*, today: date, providers: QuerySet[Provider] | None) -> QuerySet[ArrangementMembership]:
    """The memberships in force today, of these providers if given (as a subquery, not a list of ids:
    thousands of parameters cost more to send and plan than the subquery costs to run)."""
    memberships = ArrangementMembership.objects.current(today)
    return memberships if providers is None else memberships.filter(provider__in=providers.values("pk"))


class _Due(NamedTuple):
    """One provider's place in the schedule before its row is loaded: plain values, no model instance (a tuple:
    the dashboard makes one for every provider on an arrangement)."""

    due_on: date
    provider_id: int
    facts: ScheduleFacts
    arrangements: list[str]


class ScheduleRows(Sequence[ScheduleRow]):
    """Rows of the schedule in order, each provider loaded only when its row is read.

    A report page reads a slice (one query for its providers); a download or an alert iterates, which reads
    the providers `CHUNK` at a time. So a report page at a regional scale does not load 60,000 providers to
    show 100.
    """

    CHUNK = 500

    def __init__(self, entries: list[_Due], *, today: date, names: Callable[[], dict[int, str]]) -> None:
        self._unsorted = entries
        self.today = today
        self._names = names

    @cached_property
    def _entries(self) -> list[_Due]:
        # Sorted when a row is first read, not before: counts and filters need no order, nor the names (which
        # are in the providers' wide rows: a quarter of a second to read at a regional scale).
        names = self._names()
        return sorted(
            self._unsorted, key=lambda entry: (entry.due_on, names.get(entry.provider_id, ""), entry.provider_id)
        )

    def __len__(self) -> int:
        return len(self._unsorted)

    @overload
    def __getitem__(self, index: int) -> ScheduleRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[ScheduleRow]: ...

    def __getitem__(self, index: int | slice) -> ScheduleRow | list[ScheduleRow]:
        if isinstance(index, slice):
            return _rows(self._entries[index], today=self.today)
        rows = _rows([self._entries[index]], today=self.today)
        if not rows:
            raise IndexError("That provider has been deleted")
        return rows[0]

    def __iter__(self) -> Iterator[ScheduleRow]:
        for start in range(0, len(self._entries), self.CHUNK):
            yield from _rows(self._entries[start : start + self.CHUNK], today=self.today)

    def due_between(self, first: date | None = None, last: date | None = None) -> "ScheduleRows":
        """The rows due from `first` to `last`, both included (either open), in the same order."""
        return ScheduleRows(
            [
                entry
                for entry in self._unsorted
                if (first is None or entry.due_on >= first) and (last is None or entry.due_on <= last)
            ],
            today=self.today,
            names=self._names,
        )


def _schedule(*, today: date, providers: QuerySet[Provider] | None) -> list[_Due]:
    """The schedule as plain values in no order, without reasons (four queries; no provider rows are built).

    The interval depends on a few facts that many providers share, so each combination of them is worked out
    once, not once a provider.
    """
    intervals: dict[tuple[int, str, str, int, bool], int] = {}
    schedule = []
    for provider_id, facts, arrangements in _facts(today=today, providers=providers):
        interval = 0
        if facts.last_visited_on is not None:
            key = facts.interval_facts
            if key not in intervals:
                intervals[key] = _interval(*key, explain=False)[0]
            interval = intervals[key]
        due_on = _due_on(facts.last_visited_on, interval, member_since=facts.member_since, today=today)
        schedule.append(_Due(due_on, provider_id, facts, arrangements))
    return schedule


def _facts(*, today: date, providers: QuerySet[Provider] | None) -> Iterator[tuple[int, ScheduleFacts, list[str]]]:
    """Each provider on a current arrangement: its id, the facts its date depends on and its arrangements.

    Four queries of plain values, each over the whole set (the memberships with their providers' CQC ratings,
    every provider's latest decided visit, the recent complaints, the lapsed checks) rather than one lookup a
    provider: at a regional scale that is the difference between a fraction of a second and seconds.
    """
    from marketplace.accreditation.models import ProviderCheck

    memberships = _memberships(today=today, providers=providers)
    visits = MonitoringVisit.objects.all()
    complaints = Feedback.objects.filter(
        is_complaint=True,
        moderation_status=Feedback.Moderation.APPROVED,
        submitted_at__gte=_start_of(add_months(today, -COMPLAINT_WINDOW_MONTHS)),
    )
    lapsed_checks = ProviderCheck.objects.filter(
        status=ProviderCheck.Status.EXPIRED, check_type__requirements__provider_kind=F("provider__kind")
    )
    if providers is not None:
        narrowed = providers.values("pk")  # a subquery, as in `_memberships`
        visits = visits.filter(provider__in=narrowed)
        complaints = complaints.filter(provider__in=narrowed)
        lapsed_checks = lapsed_checks.filter(provider__in=narrowed)

    arrangements_by_provider: dict[int, list[str]] = defaultdict(list)
    frequency: dict[int, int] = {}
    member_since: dict[int, date] = {}
    cqc_rating: dict[int, str] = {}
    for provider_id, arrangement_name, months, start_on, rating in memberships.order_by(
        "arrangement__name"
    ).values_list(
        "provider_id",
        "arrangement__name",
        "arrangement__monitoring_frequency_months",
        "start_on",
        "provider__cqc_rating",
    ):
        if arrangement_name not in arrangements_by_provider[provider_id]:
            arrangements_by_provider[provider_id].append(arrangement_name)
        frequency[provider_id] = min(frequency.get(provider_id, months), months)
        member_since[provider_id] = min(member_since.get(provider_id, start_on), start_on)
        cqc_rating[provider_id] = rating
    if not frequency:
        return

    latest_visits = visits.latest_decided().values_list("provider_id", "visited_on", "overall_rating")
    last_visit = {provider_id: (visited_on, rating or "") for provider_id, visited_on, rating in latest_visits}
    complaint_counts = dict(
        complaints.order_by()
        .values_list("provider_id")
        .annotate(count=Count("pk"))
        .values_list("provider_id", "count")
    )
    lapsed = set(lapsed_checks.order_by().values_list("provider_id", flat=True).distinct())
    never_visited = (None, "")
    for provider_id, months in frequency.items():
        last_visited_on, last_rating = last_visit.get(provider_id, never_visited)
        facts = ScheduleFacts(
            last_visited_on,
            last_rating,
            months,
            cqc_rating[provider_id],
            complaint_counts.get(provider_id, 0),
            provider_id in lapsed,
            member_since[provider_id],
        )
        yield provider_id, facts, arrangements_by_provider[provider_id]


def _rows(schedule: list[_Due], *, today: date) -> list[ScheduleRow]:
    """Rows with their providers and reasons, for these entries only (one query), in their order."""
    if not schedule:
        return []
    providers = Provider.objects.select_related("locality").in_bulk([due.provider_id for due in schedule])
    rows = []
    for due in schedule:
        if due.provider_id not in providers:  # deleted since the schedule was read
            continue
        result = next_monitoring_due(due.facts, today=today)
        rows.append(
            ScheduleRow(
                provider=providers[due.provider_id],
                due_on=result.due_on,
                interval_months=result.interval_months,
                reasons=result.reasons,
                last_visited_on=due.facts.last_visited_on,
                last_overall_rating=due.facts.last_overall_rating,
                arrangements=due.arrangements,
                today=today,
            )
        )
    return rows


def monitoring_due(
    *, today: date | None = None, within_days: int = 30, providers: QuerySet[Provider] | None = None
) -> ScheduleRows:
    """Providers due a visit within `within_days` from today, overdue ones included, soonest first."""
    today = today or timezone.localdate()
    return monitoring_schedule(today=today, providers=providers).due_between(last=today + timedelta(days=within_days))


def due_dates_by_provider(*, today: date, provider_ids: Collection[int] | None = None) -> dict[int, date]:
    """Each provider on a current arrangement (of these, if given) and its next monitoring date, without loading
    a provider (four queries): for counts such as the morning dashboard's, kept and patched a provider at a time."""
    providers = None if provider_ids is None else Provider.objects.filter(pk__in=provider_ids)
    return {entry.provider_id: entry.due_on for entry in _schedule(today=today, providers=providers)}


def monitoring_overdue(*, today: date | None = None, providers: QuerySet[Provider] | None = None) -> ScheduleRows:
    """Providers whose monitoring visit is past due (due before today), most overdue first."""
    today = today or timezone.localdate()
    return monitoring_schedule(today=today, providers=providers).due_between(last=today - timedelta(days=1))
