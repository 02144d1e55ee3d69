"""Reads for adverts: who sees which, what fits a personal assistant, and the rate check."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Concat, Upper
from wagtail.models import Site

from marketplace.accounts.models import ActingFor, DirectPaymentHolder
from marketplace.providers.models import Provider
from marketplace.providers.selectors import council_rates

from .models import Advert, AdvertApplication, AdvertMessage, AdvertSettings

PERSONAL_ASSISTANT = Provider.Kind.PERSONAL_ASSISTANT


def advert_settings(*, site: Site | None = None) -> AdvertSettings:
    """The editable figures (National Living Wage, how long adverts stay open) for a site or the default one."""
    site = site or Site.objects.filter(is_default_site=True).first()
    if site is None:
        return AdvertSettings()
    return AdvertSettings.for_site(site)


def pounds(pence: int) -> str:
    """1271 -> '£12.71'."""
    return f"£{pence // 100:,}.{pence % 100:02d}"


@dataclass(frozen=True)
class RateWarning:
    message: str


def advert_rate_warnings(*, advert: Advert, site: Site | None = None) -> list[RateWarning]:
    """Plain warnings when the hourly rate offered is below the National Living Wage or the council's rate.

    Warnings, not refusals: the person may still publish (a self-employed PA
    sets their own price), but they should know what they are offering.
    """
    settings = advert_settings(site=site)
    warnings = []
    wage = settings.national_living_wage_pence
    if advert.hourly_rate_pence < wage:
        warnings.append(
            RateWarning(
                f"{pounds(advert.hourly_rate_pence)} an hour is less than the National Living Wage of {pounds(wage)}. "
                "If you employ a personal assistant you must pay at least that, and few will apply for less."
            )
        )
    rates = council_rates(site=site or Site.objects.filter(is_default_site=True).first())
    for service in advert.services.all():
        council_rate = rates.get((service.pk, "hour"))
        if council_rate is None:
            continue
        council_pence = int(council_rate * 100)
        if advert.hourly_rate_pence < council_pence:
            warnings.append(
                RateWarning(
                    f"{pounds(advert.hourly_rate_pence)} an hour is less than the {pounds(council_pence)} the council "
                    f"pays for {service.name.lower()}. Personal assistants may choose better-paid work."
                )
            )
    return warnings


def holders_user_may_post_for(*, user: Any) -> list[DirectPaymentHolder]:
    """The holders this person may post adverts for: themselves, and anyone whose live link gives the right."""
    if not user.is_authenticated:
        return []
    return list(
        DirectPaymentHolder.objects.filter(
            Q(user=user) | Q(agents__agent=user, agents__ended_on__isnull=True, agents__may_post_adverts=True)
        )
        .distinct()
        .order_by("display_name", "pk")
    )


def holders_user_sees(*, user: Any) -> QuerySet[DirectPaymentHolder]:
    return DirectPaymentHolder.objects.filter(
        Q(user=user) | Q(agents__agent=user, agents__ended_on__isnull=True)
    ).distinct()


def _with_counts(adverts: QuerySet[Advert]) -> QuerySet[Advert]:
    return (
        adverts.select_related("holder", "posted_by", "locality")
        .prefetch_related("services")
        .annotate(
            application_count=Count(
                "applications", filter=~Q(applications__status=AdvertApplication.Status.WITHDRAWN)
            ),
            new_application_count=Count(
                "applications", filter=Q(applications__status=AdvertApplication.Status.APPLIED)
            ),
            shortlisted_count=Count(
                "applications", filter=Q(applications__status=AdvertApplication.Status.SHORTLISTED)
            ),
        )
    )


def adverts_for_holder(holder: DirectPaymentHolder) -> QuerySet[Advert]:
    """A holder's adverts, newest first, each with counts of applications (for "Your support")."""
    return _with_counts(Advert.objects.filter(holder=holder)).order_by("-created_at", "-pk")


def adverts_for_user(*, user: Any) -> QuerySet[Advert]:
    """Adverts of every holder this person is or acts for."""
    return _with_counts(Advert.objects.filter(holder__in=holders_user_sees(user=user))).order_by("-created_at", "-pk")


@dataclass(frozen=True)
class AdvertSummary:
    """Counts for the "Your support" section; they are counted from the records, not stored."""

    open_count: int
    draft_count: int
    application_count: int
    new_application_count: int
    shortlisted_count: int


def advert_summary(adverts: list[Advert]) -> AdvertSummary:
    live = [advert for advert in adverts if advert.status in (Advert.Status.OPEN, Advert.Status.DRAFT)]
    return AdvertSummary(
        open_count=sum(1 for advert in adverts if advert.status == Advert.Status.OPEN),
        draft_count=sum(1 for advert in adverts if advert.status == Advert.Status.DRAFT),
        application_count=sum(advert.application_count for advert in live),  # type: ignore[attr-defined]
        new_application_count=sum(advert.new_application_count for advert in live),  # type: ignore[attr-defined]
        shortlisted_count=sum(advert.shortlisted_count for advert in live),  # type: ignore[attr-defined]
    )


def advert_applications(*, advert: Advert) -> list[AdvertApplication]:
    """An advert's applications with their provider and thread, for the advertiser (fixed queries)."""
    return list(
        advert.applications.exclude(status=AdvertApplication.Status.WITHDRAWN)
        .select_related("provider", "provider__locality", "applicant")
        .prefetch_related(
            Prefetch("messages", queryset=AdvertMessage.objects.select_related("sender", "on_behalf_of")),
        )
        .order_by("created_at", "pk")
    )


def application_thread(*, application: AdvertApplication) -> list[AdvertMessage]:
    return list(application.messages.select_related("sender", "on_behalf_of").order_by("sent_at", "pk"))


def public_adverts() -> QuerySet[Advert]:
    """Open adverts for the public list: no holder, no poster, only what the advert says about the work."""
    return (
        Advert.objects.open()
        .select_related("locality")
        .prefetch_related("services", "languages")
        .order_by("-published_at", "-pk")
    )


def personal_assistant_listings_for_user(*, user: Any) -> list[Provider]:
    """The published personal assistant listings this person manages (those that may apply)."""
    if not user.is_authenticated:
        return []
    return list(
        Provider.objects.published()
        .filter(kind=PERSONAL_ASSISTANT, memberships__user=user)
        .prefetch_related("localities_served")
        .order_by("name", "pk")
    )


def adverts_fitting(*, provider: Provider) -> QuerySet[Advert]:
    """Open adverts in the listing's area (a district it lists, or a locality it serves) at times it works.

    The times fit when the advert's weekly grid and the listing's share at
    least one slot: a personal assistant can cover part of a week.
    """
    districts = [district.upper() for district in provider.postcode_districts]
    locality_ids = [locality.pk for locality in provider.localities_served.all()]
    if not provider.availability_mask or not (districts or locality_ids):
        return Advert.objects.none()
    return (
        public_adverts()
        .filter(Q(postcode_district__in=districts) | Q(locality_id__in=locality_ids))
        .alias(shared_slots=F("availability_mask").bitand(provider.availability_mask))
        .filter(shared_slots__gt=0)
    )


def personal_assistants_fitting(*, advert: Advert) -> QuerySet[Provider]:
    """Published personal assistant listings the advert fits: the same rule as `adverts_fitting`, reversed."""
    area = Q(padded_districts__contains=f" {advert.postcode_district.upper()} ")
    if advert.locality_id:
        area |= Q(localities_served=advert.locality_id)
    return (
        Provider.objects.published()
        .filter(kind=PERSONAL_ASSISTANT)
        .alias(
            padded_districts=Concat(Value(" "), Upper("postcode_districts_served"), Value(" ")),
            shared_slots=F("availability_mask").bitand(advert.availability_mask),
        )
        .filter(area, shared_slots__gt=0)
        .distinct()
    )


@dataclass
class DashboardAdverts:
    """What a personal assistant's dashboard shows: fitting open adverts and their own applications."""

    fitting: list[Advert]
    applied_advert_ids: set[int]
    applications: list[AdvertApplication]


DASHBOARD_ADVERT_LIMIT = 10


def dashboard_adverts(*, user: Any) -> DashboardAdverts | None:
    """Fitting adverts for each published personal assistant listing the person manages (None if they have none)."""
    listings = personal_assistant_listings_for_user(user=user)
    if not listings:
        return None
    fitting: dict[int, Advert] = {}
    for listing in listings:
        for advert in adverts_fitting(provider=listing)[:DASHBOARD_ADVERT_LIMIT]:
            fitting.setdefault(advert.pk, advert)
    applications = list(
        AdvertApplication.objects.filter(provider__in=listings)
        .select_related("advert", "provider")
        .order_by("-created_at", "-pk")
    )
    return DashboardAdverts(
        fitting=sorted(
            fitting.values(), key=lambda advert: (advert.published_at is None, advert.published_at), reverse=True
        )[:DASHBOARD_ADVERT_LIMIT],
        applied_advert_ids={application.advert_id for application in applications},
        applications=applications,
    )


def advertiser_recipients(advert: Advert) -> list[str]:
    """Who hears about applications: the holder (if they sign in) and whoever posted the advert."""
    addresses = []
    if advert.holder.user_id:
        addresses.append(advert.holder.user.email)  # type: ignore[union-attr]
    if advert.posted_by_id:
        addresses.append(advert.posted_by.email)  # type: ignore[union-attr]
    return addresses


def acting_for_link(*, user: Any, holder: DirectPaymentHolder) -> ActingFor | None:
    return ActingFor.objects.filter(agent=user, holder=holder, ended_on__isnull=True).first()
