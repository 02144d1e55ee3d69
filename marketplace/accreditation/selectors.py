"""Reads of vetting checks and accreditation for pages, the admin, jobs and onboarding."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from marketplace.providers.models import Provider

from .models import Accreditation, ProviderCheck, Worker
from .requirements import needs_workers, required_checks

# Statuses in which the provider has done its part for a check.
SUBMITTED_STATUSES = (ProviderCheck.Status.SUBMITTED, ProviderCheck.Status.VERIFIED)


def check_label(check: ProviderCheck) -> str:
    """A check's name as people read it: 'Enhanced DBS check (Sam Patel)'."""
    if check.worker_id:
        return f"{check.check_type.name} ({check.worker})"
    return check.check_type.name


def check_counts_as_verified(check: ProviderCheck, today: date | None = None) -> bool:
    """Verified and in date: what accreditation needs of every required check.

    A check verified and not yet expired counts. So does a renewal waiting for
    review while the details verified before it are still in date, so that a
    provider who sends new insurance before the old runs out keeps the badge.
    """
    today = today or timezone.localdate()
    if check.status == ProviderCheck.Status.VERIFIED:
        return check.is_in_date(today)
    if check.status == ProviderCheck.Status.SUBMITTED and check.verified_at is not None:
        return check.verified_expires_on is None or check.verified_expires_on >= today
    return False


def check_counts_as_submitted(check: ProviderCheck, today: date | None = None) -> bool:
    """The provider has sent this check and its details are in date (it may be waiting for review)."""
    return (check.status in SUBMITTED_STATUSES and check.is_in_date(today)) or check_counts_as_verified(check, today)


def provider_checks_for(*, provider: Provider) -> list[ProviderCheck]:
    """The provider's rows for the checks it needs now, in the order they are required.

    A required check with no row yet (services.provider_checks_sync creates
    them) is left out.
    """
    rows = {
        (check.check_type_id, check.worker_id): check
        for check in ProviderCheck.objects.filter(provider=provider)
        .select_related("check_type", "worker")
        .prefetch_related("evidence")
    }
    result = []
    for check_type, worker in required_checks(provider):
        row = rows.get((check_type.pk, worker.pk if worker else None))
        if row is not None:
            result.append(row)
    return result


@dataclass(frozen=True)
class VettingSummary:
    """How far a provider has got with its vetting checks.

    required: how many checks its kind needs now; submitted: how many it has
    sent with details in date (waiting for review or verified); verified: how
    many are verified and in date. is_complete: every required check is
    submitted, so the provider may apply for accreditation.
    """

    required: int
    submitted: int
    verified: int
    is_complete: bool
    is_fully_verified: bool
    needs_workers: bool = False
    outstanding: tuple[str, ...] = field(default_factory=tuple)
    unverified: tuple[str, ...] = field(default_factory=tuple)


def provider_vetting_summary(*, provider: Provider, today: date | None = None) -> VettingSummary:
    today = today or timezone.localdate()
    rows = {
        (check.check_type_id, check.worker_id): check
        for check in ProviderCheck.objects.filter(provider=provider).select_related("check_type", "worker")
    }
    required = required_checks(provider)
    missing_workers = needs_workers(provider) and not provider.workers.filter(is_active=True).exists()
    outstanding: list[str] = []
    unverified: list[str] = []
    submitted = verified = 0
    for check_type, worker in required:
        label = f"{check_type.name} ({worker})" if worker else check_type.name
        row = rows.get((check_type.pk, worker.pk if worker else None))
        if row is not None and check_counts_as_verified(row, today):
            verified += 1
        else:
            unverified.append(label)
        if row is not None and check_counts_as_submitted(row, today):
            submitted += 1
        else:
            outstanding.append(label)
    if missing_workers:
        outstanding.insert(0, "Add the people who work for you")
    has_requirements = bool(required) and not missing_workers
    return VettingSummary(
        required=len(required),
        submitted=submitted,
        verified=verified,
        is_complete=has_requirements and not outstanding,
        is_fully_verified=has_requirements and not unverified,
        needs_workers=missing_workers,
        outstanding=tuple(outstanding),
        unverified=tuple(unverified),
    )


def checks_expiring_within(*, days: int = 30, today: date | None = None) -> QuerySet[ProviderCheck]:
    """Checks (submitted or verified) whose expiry date falls in the next `days` days, soonest first.

    Expiry report for commissioners; checks of workers who have left are not included.
    """
    today = today or timezone.localdate()
    return (
        ProviderCheck.objects.filter(
            status__in=SUBMITTED_STATUSES,
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=days),
        )
        .filter(Q(worker__isnull=True) | Q(worker__is_active=True))
        .select_related("provider", "check_type", "worker")
        .order_by("expires_on", "provider__name", "check_type__sort_order")
    )


def accreditation_of(*, provider: Provider) -> Accreditation:
    """The provider's accreditation record, or an unsaved 'not applied' one."""
    try:
        return Accreditation.objects.get(provider=provider)
    except Accreditation.DoesNotExist:
        return Accreditation(provider=provider)


def active_workers(*, provider: Provider) -> QuerySet[Worker]:
    return provider.workers.filter(is_active=True).order_by("full_name", "pk")


# The review queue: one definition of "waiting for the council" ------------------
#
# A provider waits for the council when its accreditation application is waiting or it has sent a check for
# review. These two sets are that rule: the queue's rows and the dashboard's count both read them.


def waiting_applications() -> QuerySet[Accreditation]:
    """Accreditation applications waiting for a commissioner's decision."""
    return Accreditation.objects.filter(status=Accreditation.Status.APPLIED)


def checks_waiting_for_review() -> QuerySet[ProviderCheck]:
    """Checks a provider has sent for review and no commissioner has reviewed yet."""
    return ProviderCheck.objects.filter(status=ProviderCheck.Status.SUBMITTED)


def review_queue() -> QuerySet[Provider]:
    """Providers waiting for a commissioner, with when they started waiting, oldest first.

    Annotated with `checks_waiting` (checks submitted and not yet reviewed) and
    `waiting_since` (the earlier of the application and the oldest waiting check).
    """
    application = waiting_applications().filter(provider=OuterRef("pk"))
    submitted = checks_waiting_for_review().filter(provider=OuterRef("pk"))
    oldest_submitted_at = submitted.order_by("submitted_at").values("submitted_at")[:1]
    submitted_count = submitted.order_by().values("provider").annotate(count=Count("pk")).values("count")
    return (
        Provider.objects.filter(Exists(application) | Exists(submitted))
        .select_related("locality", "accreditation")
        .annotate(
            application_waiting_since=Subquery(application.values("applied_at")[:1]),
            oldest_check_waiting_since=Subquery(oldest_submitted_at),
            checks_waiting=Coalesce(Subquery(submitted_count), 0),
        )
        # LEAST ignores NULLs on PostgreSQL but not on SQLite: coalesce each side with the other.
        .annotate(
            waiting_since=Least(
                Coalesce("application_waiting_since", "oldest_check_waiting_since"),
                Coalesce("oldest_check_waiting_since", "application_waiting_since"),
            )
        )
        .order_by(F("waiting_since").asc(nulls_last=True), "name")
    )


def days_waiting_since(since: datetime | None, *, today: date) -> int | None:
    """Whole days from the local date a wait began to today (the queue and the dashboard both use it)."""
    if since is None:
        return None
    return (today - timezone.localdate(since)).days


@dataclass(frozen=True)
class ReviewQueueSummary:
    count: int
    oldest_days: int | None


def review_queue_summary(*, today: date | None = None) -> ReviewQueueSummary:
    """How many providers wait for a commissioner and the longest wait: the review queue's own numbers.

    The count is the queue's rows: the providers with either an application waiting or a check sent for
    review, as `review_queue` filters them. The longest wait is the earliest `waiting_since` of any row, which
    is the earlier of the earliest waiting application and the earliest check sent for review: every provider
    with either is in the queue. So no provider's own wait is worked out (three queries; the two earliest
    dates come from the tops of the (status, applied_at) and (status, submitted_at) indexes).
    """
    today = today or timezone.localdate()
    # Counted as the union of the queue's two sets of provider ids (each read from its status index), not by
    # testing every provider.
    applying = waiting_applications().order_by().values("provider_id")
    sending = checks_waiting_for_review().order_by().values("provider_id")
    count = applying.union(sending).count()
    oldest_application = waiting_applications().aggregate(oldest=Min("applied_at"))["oldest"]
    oldest_check = checks_waiting_for_review().aggregate(oldest=Min("submitted_at"))["oldest"]
    oldest = min((moment for moment in (oldest_application, oldest_check) if moment is not None), default=None)
    return ReviewQueueSummary(count=count, oldest_days=days_waiting_since(oldest, today=today))
