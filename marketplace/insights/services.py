"""The commissioners' daily email digest: what changed since the last one.

`insights_digest_build` reads what happened in a period from the other apps'
history tables (they are append-only, so "what changed" is simply the rows
dated in the period). `insights_digest_send` runs once a morning (Celery beat
at 07:00, or `manage.py insights_send_digest`): it covers the time since the
previous digest ended, emails every commissioner through
`core.notifications.email_send` when there is anything to say, and records the
run, so a second run for the same morning sends nothing.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from marketplace.accreditation.models import AccreditationDecision, CheckDecision, ProviderCheck
from marketplace.core.errors import DomainError
from marketplace.core.notifications import email_send

from .freshness import empty_the_change_log
from .models import DigestRun
from .selectors import CURRENT_CHECK_STATUSES, EXPIRY_WINDOW_DAYS, MorningFigures, morning_figures, required_checks

logger = logging.getLogger(__name__)

DIGEST_HOUR = time(7, 0)
# A section lists this many changes by name, then says how many more there are.
LINES_PER_SECTION = 15


class DigestError(DomainError):
    """A digest asked for an impossible period; the message is for people."""


@dataclass(frozen=True)
class DigestSection:
    title: str
    lines: tuple[str, ...]
    link_path: str = ""

    @property
    def count(self) -> int:
        return len(self.lines)

    @property
    def shown_lines(self) -> tuple[str, ...]:
        return self.lines[:LINES_PER_SECTION]

    @property
    def hidden_count(self) -> int:
        return max(0, self.count - LINES_PER_SECTION)


@dataclass(frozen=True)
class Digest:
    since: datetime
    until: datetime
    sections: tuple[DigestSection, ...] = field(default_factory=tuple)

    @property
    def item_count(self) -> int:
        return sum(section.count for section in self.sections)

    @property
    def is_empty(self) -> bool:
        return self.item_count == 0

    @property
    def summary(self) -> str:
        return "; ".join(f"{section.title}: {section.count}" for section in self.sections) or "Nothing to report"


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%-d %b %H:%M")


def _report_path(name: str) -> str:
    return reverse(f"insights:{name}")


def _new_applications(since: datetime, until: datetime) -> DigestSection:
    rows = (
        AccreditationDecision.objects.filter(
            outcome=AccreditationDecision.Outcome.APPLIED, decided_at__gte=since, decided_at__lt=until
        )
        .select_related("provider")
        .order_by("decided_at", "id")
    )
    lines = tuple(
        f"{row.provider.name} ({row.provider.get_kind_display()}) applied {_local(row.decided_at)}" for row in rows
    )
    return DigestSection("New applications for accreditation", lines, _report_path("accreditation_pipeline"))


def _accreditation_decisions(since: datetime, until: datetime) -> DigestSection:
    rows = (
        AccreditationDecision.objects.filter(decided_at__gte=since, decided_at__lt=until)
        .exclude(outcome=AccreditationDecision.Outcome.APPLIED)
        .select_related("provider", "decided_by")
        .order_by("decided_at", "id")
    )
    lines = tuple(
        f"{row.provider.name}: {row.get_outcome_display()}"
        f" by {row.decided_by or 'the system'}" + (f" ({row.reason})" if row.reason else "")
        for row in rows
    )
    return DigestSection("Accreditation decisions", lines, _report_path("accreditation_pipeline"))


def _checks_lapsed(since: datetime, until: datetime) -> DigestSection:
    rows = (
        CheckDecision.objects.filter(
            outcome=CheckDecision.Outcome.EXPIRED, decided_at__gte=since, decided_at__lt=until
        )
        .select_related("provider_check__provider", "provider_check__check_type", "provider_check__worker")
        .order_by("decided_at", "id")
    )
    lines = tuple(
        f"{row.provider_check.provider.name}: {row.provider_check.check_type.name}"
        + (f" ({row.provider_check.worker.full_name})" if row.provider_check.worker else "")
        + " expired"
        for row in rows
    )
    return DigestSection("Checks that expired", lines, _report_path("expired_checks"))


def _checks_now_expiring(since: datetime, until: datetime) -> DigestSection:
    """Required checks that came within 30 days of expiry during the period (each is reported once)."""
    first_day = timezone.localdate(since) + timedelta(days=1)
    last_day = timezone.localdate(until)
    if last_day < first_day:
        return DigestSection(f"Checks now {EXPIRY_WINDOW_DAYS} days from expiry", ())
    checks: QuerySet[ProviderCheck] = (
        required_checks()
        .filter(
            status__in=CURRENT_CHECK_STATUSES,
            expires_on__gte=first_day + timedelta(days=EXPIRY_WINDOW_DAYS),
            expires_on__lte=last_day + timedelta(days=EXPIRY_WINDOW_DAYS),
        )
        .select_related("provider", "check_type", "worker")
        .order_by("expires_on", "id")
    )
    lines = tuple(
        f"{check.provider.name}: {check.check_type.name}"
        + (f" ({check.worker.full_name})" if check.worker else "")
        + f" expires {check.expires_on:%-d %B %Y}"
        for check in checks
    )
    return DigestSection(
        f"Checks now {EXPIRY_WINDOW_DAYS} days from expiry", lines, reverse("accreditation_expiring_report:index")
    )


def _flag_changes(since: datetime, until: datetime) -> DigestSection:
    from marketplace.contingency.models import FlagLevelChange

    rows = (
        FlagLevelChange.objects.filter(decided_at__gte=since, decided_at__lt=until)
        .select_related("flag__provider", "decided_by")
        .order_by("decided_at", "id")
    )
    lines = []
    for row in rows:
        what = (
            f"flag opened at {row.get_to_level_display()}"
            if not row.from_level
            else f"{row.get_from_level_display()} → {row.get_to_level_display()}"
        )
        lines.append(f"{row.flag.provider.name}: {what} by {row.decided_by or 'the system'} ({row.reason})")
    return DigestSection("Provider-failure flags opened or changed", tuple(lines), _report_path("open_flags"))


def _visits_finalised(since: datetime, until: datetime) -> DigestSection:
    from marketplace.monitoring.models import RatingDecision

    rows = (
        RatingDecision.objects.filter(kind=RatingDecision.Kind.FINALISED, decided_at__gte=since, decided_at__lt=until)
        .select_related("visit__provider", "decided_by")
        .order_by("decided_at", "id")
    )
    lines = tuple(
        f"{row.visit.provider.name}: {row.visit.get_visit_type_display().lower()} on {row.visit.visited_on:%-d %B}"
        f" rated {row.get_overall_rating_display() or 'without an overall rating'} by {row.decided_by}"
        for row in rows
    )
    return DigestSection("Monitoring visits finalised", lines, _report_path("ratings"))


def _feedback_waiting(since: datetime, until: datetime) -> DigestSection:
    """Feedback sent in the period that is still waiting for a commissioner to moderate it."""
    from marketplace.monitoring.models import Feedback

    rows = (
        Feedback.objects.filter(
            moderation_status=Feedback.Moderation.PENDING, submitted_at__gte=since, submitted_at__lt=until
        )
        .select_related("provider")
        .order_by("submitted_at", "id")
    )
    lines = tuple(
        f"{row.provider.name}: {'a complaint' if row.is_complaint else 'feedback'} sent {_local(row.submitted_at)}"
        for row in rows
    )
    return DigestSection("Feedback waiting for moderation", lines, reverse("monitoring_feedback:index"))


# Each part of the digest, in the order the email lists them.
SECTION_BUILDERS: tuple[Callable[[datetime, datetime], DigestSection], ...] = (
    _new_applications,
    _accreditation_decisions,
    _checks_lapsed,
    _checks_now_expiring,
    _visits_finalised,
    _flag_changes,
    _feedback_waiting,
)


def insights_digest_build(*, since: datetime, until: datetime) -> Digest:
    """What changed from `since` (inclusive) to `until` (exclusive); sections with nothing are left out."""
    if until <= since:
        raise DigestError("The end of the period must be after its start.")
    sections = tuple(section for builder in SECTION_BUILDERS if (section := builder(since, until)).count)
    return Digest(since=since, until=until, sections=sections)


def _commissioner_addresses() -> list[str]:
    # accounts.selectors owns who the commissioners are (imported late: it loads allauth's models).
    from marketplace.accounts.selectors import commissioner_email_addresses

    return commissioner_email_addresses()


def digest_period_for(*, today: date, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The period the digest for the morning of `today` covers: from where the previous one ended (or a
    day before) to 07:00 that morning, or to now if the digest is sent earlier."""
    now = now or timezone.now()
    until = min(timezone.make_aware(datetime.combine(today, DIGEST_HOUR)), now)
    previous = DigestRun.objects.filter(for_date__lt=today).order_by("-for_date").first()
    since = previous.period_end if previous is not None else until - timedelta(days=1)
    if since >= until:
        since = until - timedelta(days=1)
    return since, until


def insights_morning_figures_keep(*, today: date | None = None) -> MorningFigures:
    """The day's morning figures, kept in the shared cache for the dashboard and the home panel.

    Every panel's figures are kept under the day, so on a new day the first commissioner to open the
    dashboard would wait for all of them to be worked out (about a second at a regional scale). Run after
    the night's sweeps, this works them out first; the sweeps' changes before it are in them, and those
    after are patched or worked out panel by panel as on any other request. It also empties a change log
    grown past its limit on a day nobody opened the dashboard (decision 0064).
    """
    return morning_figures(today=today or timezone.localdate())


def insights_change_log_empty() -> None:
    """After a bulk load (the demo county): the providers it wrote are in the dashboard's change log, which the
    first commissioner's request would otherwise empty (a delete of about 1.3 million rows at scale 100, 16 s).
    The by-provider panels get new tokens with it, so their figures are worked out afresh (decision 0064)."""
    empty_the_change_log()


@transaction.atomic
def insights_digest_send(*, today: date | None = None) -> DigestRun:
    """Email the commissioners what changed since the last digest, once per morning.

    Nothing to report sends nothing. A second call for the same morning returns the first run and sends
    nothing again. The emails are queued only when the run's record commits.
    """
    today = today or timezone.localdate()
    existing = DigestRun.objects.filter(for_date=today).first()
    if existing is not None:
        return existing
    since, until = digest_period_for(today=today)
    digest = insights_digest_build(since=since, until=until)
    recipients = [] if digest.is_empty else _commissioner_addresses()
    if recipients:
        changes = "change" if digest.item_count == 1 else "changes"
        email_send(
            to=recipients,
            subject=f"Morning digest for {today:%-d %B %Y}: {digest.item_count} {changes}",
            template="insights_digest",
            context={"digest": digest, "today": today, "dashboard_path": reverse("insights:dashboard")},
        )
    elif not digest.is_empty:
        logger.warning("The morning digest has %s changes but no commissioner has an email address", digest.item_count)
    return DigestRun.objects.create(
        for_date=today,
        period_start=since,
        period_end=until,
        item_count=digest.item_count,
        recipient_count=len(recipients),
        summary=digest.summary[:300],
    )
