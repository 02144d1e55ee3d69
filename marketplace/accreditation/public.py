"""What the public may know about accreditation: what was checked and when, never the detail.

The public site says which checks the council verified for an accredited
provider (each check type's `public_description`), when they were checked and
until when they are valid. It never shows certificate numbers, references,
referees, workers' names or documents: what these functions return carries
only dates, counts and the public descriptions, so a template cannot show more.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.core.cache import cache
from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from marketplace.providers.models import Provider

from .models import ProviderCheck
from .selectors import check_counts_as_verified, provider_checks_for

ACCREDITED_LIST_CACHE_SECONDS = 60 * 60
KIND_HEADINGS = {
    Provider.Kind.PERSONAL_ASSISTANT: "Personal assistants",
    Provider.Kind.MICRO_PROVIDER: "Micro-providers",
    Provider.Kind.DAY_SERVICE: "Day services",
    Provider.Kind.HOME_CARE_AGENCY: "Home care agencies",
    Provider.Kind.OTHER: "Other providers",
}


@dataclass(frozen=True)
class PublicCheck:
    """One kind of check the council verified, as the public may see it."""

    description: str
    first_checked_on: date
    last_checked_on: date
    valid_until: date | None
    # How many of the provider's workers it was checked for; 0 when it is the provider's own check.
    worker_count: int


@dataclass(frozen=True)
class PublicCheckSummary:
    accredited_since: date | None
    checks: list[PublicCheck]


def public_check_summary(*, provider: Provider, today: date | None = None) -> PublicCheckSummary | None:
    """What was checked for an accredited provider and when; None when it is not accredited.

    Lists each required check that counts as verified (selectors.check_counts_as_verified:
    verified and in date, or a renewal waiting for review while the verified
    details are still in date). Checks the public is told of in the same words
    (two references, or one check for several workers) are one line, with the
    earliest expiry, which is the one that matters.
    """
    if not provider.is_accredited:
        return None
    today = today or timezone.localdate()
    # Grouped by what the public is told, so two references read as one line ("Two references checked").
    grouped: dict[str, list[ProviderCheck]] = defaultdict(list)
    for check in provider_checks_for(provider=provider):
        if check.verified_at is not None and check_counts_as_verified(check, today):
            grouped[check.check_type.public_description].append(check)
    checks = []
    for description, group in grouped.items():
        checked_on = [timezone.localdate(check.verified_at) for check in group if check.verified_at]
        expiries = [expiry for expiry in map(_verified_expiry, group) if expiry is not None]
        checks.append(
            PublicCheck(
                description=description,
                first_checked_on=min(checked_on),
                last_checked_on=max(checked_on),
                valid_until=min(expiries) if expiries else None,
                worker_count=len({check.worker_id for check in group if check.worker_id is not None}),
            )
        )
    return PublicCheckSummary(accredited_since=provider.accredited_since, checks=checks)


def _verified_expiry(check: ProviderCheck) -> date | None:
    """Until when the verified details hold: a renewal waiting for review does not count yet."""
    if check.status == ProviderCheck.Status.VERIFIED:
        return check.expires_on
    return check.verified_expires_on


@dataclass(frozen=True)
class AccreditedListing:
    name: str
    slug: str


@dataclass(frozen=True)
class LocalityGroup:
    name: str
    listings: list[AccreditedListing]


@dataclass(frozen=True)
class KindGroup:
    kind: str
    heading: str
    count: int
    localities: list[LocalityGroup]


def accredited_suppliers_by_kind_and_locality() -> list[KindGroup]:
    """The published accredited supplier list, grouped by kind and then locality, for the public page.

    Two queries at most whatever the list's length: one aggregate that names
    the list's current version, and on a cache miss one read of the rows.
    Accrediting, lapsing or editing a listing changes its `updated_at`, and
    publishing or withdrawing one changes the count, so the cache never
    serves a stale list for long.
    """
    accredited = Provider.objects.published().filter(is_accredited=True)
    version = accredited.aggregate(count=Count("pk"), changed=Max("updated_at"))
    changed = version["changed"].isoformat() if version["changed"] else "never"
    key = f"accreditation:accredited-list:{version['count']}:{changed}"
    groups: list[KindGroup] | None = cache.get(key)
    if groups is None:
        groups = _group_accredited(accredited)
        cache.set(key, groups, ACCREDITED_LIST_CACHE_SECONDS)
    return groups


def _group_accredited(accredited: QuerySet[Provider]) -> list[KindGroup]:
    rows = accredited.order_by("locality__name", "name").values("kind", "name", "slug", "locality__name")
    by_kind: dict[str, dict[str, list[AccreditedListing]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        locality = row["locality__name"] or ""
        by_kind[row["kind"]][locality].append(AccreditedListing(name=row["name"], slug=row["slug"]))
    groups = []
    for kind in Provider.Kind:
        localities = by_kind.get(kind.value)
        if not localities:
            continue
        # Listings with no locality come last, under a heading of their own.
        ordered = sorted(localities.items(), key=lambda item: (item[0] == "", item[0]))
        groups.append(
            KindGroup(
                kind=kind.value,
                heading=KIND_HEADINGS.get(kind, str(kind.label)),
                count=sum(len(listings) for listings in localities.values()),
                localities=[
                    LocalityGroup(name=name or "No locality given", listings=listings) for name, listings in ordered
                ],
            )
        )
    return groups
