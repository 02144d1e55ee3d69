"""Reads of provider data for pages, the admin and exports."""

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q

from . import hooks
from .availability import PartOfDay, WeeklyAvailability
from .models import Provider, ProviderChangeRequest, ProviderMembership, ProviderPrice

if TYPE_CHECKING:
    from django.db.models import QuerySet


@dataclass(frozen=True)
class PriceComparison:
    """A provider's price beside the council's managed-service rate for the same thing."""

    price: ProviderPrice
    managed_service_rate: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        if self.managed_service_rate is None:
            return None
        return self.price.amount - self.managed_service_rate


def provider_profile_prices(*, provider: Provider, site: Any = None, council: Any = None) -> list[PriceComparison]:
    """The listing's prices beside the council's managed-service rates: from `council` (the settings the
    page already read for its request) or else the site's settings."""
    if council is not None:
        rates = {(rate.service_id, rate.unit): rate.amount for rate in council.managed_service_rates.all()}
    else:
        rates = hooks.managed_service_rates(site)
    return [
        PriceComparison(price=price, managed_service_rate=rates.get((price.service_id, price.unit)))
        for price in provider.prices.select_related("service")
    ]


# ---------------------------------------------------------------------------
# Self-service: the onboarding task list, what a form shows, change requests.
# ---------------------------------------------------------------------------


QUOTED = "\N{LEFT SINGLE QUOTATION MARK}{}\N{RIGHT SINGLE QUOTATION MARK}"


class TaskStatus:
    COMPLETED = "completed"
    INCOMPLETE = "incomplete"
    CANNOT_START = "cannot_start"

    LABELS = {COMPLETED: "Completed", INCOMPLETE: "Incomplete", CANNOT_START: "Cannot start yet"}


@dataclass(frozen=True)
class OnboardingTask:
    """One row of the provider's task list; its status is worked out from the listing's data."""

    key: str
    title: str
    hint: str
    status: str
    url: str | None
    is_required: bool = True
    is_waiting_for_review: bool = False
    # Why a task cannot start yet, in words, shown beside the "Cannot start yet" tag.
    blocked_reason: str = ""

    @property
    def status_label(self) -> str:
        return TaskStatus.LABELS[self.status]

    @property
    def is_completed(self) -> bool:
        return self.status == TaskStatus.COMPLETED


# The tasks a provider works through, in order: (key, title, hint, required).
TASKS: list[tuple[str, str, str, bool]] = [
    ("about", "About you or your service", "Name, summary, description and contact details", True),
    ("services", "Services", "What you offer, who you support, skills and languages", True),
    ("areas", "Areas", "Where you are based and where you work", True),
    ("prices", "Prices", "What you charge and what it includes", True),
    ("availability", "Availability", "When you can work and whether you are taking new clients", True),
    ("vetting", "Vetting evidence", "DBS check, insurance and training, for the council's accredited list", False),
]
SECTION_TASK_KEYS = ("about", "services", "areas", "prices", "availability")


def _about_is_complete(provider: Provider) -> bool:
    return bool(
        provider.name
        and provider.summary
        and provider.description
        and (provider.contact_email or provider.contact_phone)
    )


def _services_is_complete(provider: Provider) -> bool:
    return provider.services.exists() and provider.client_groups.exists()


def _areas_is_complete(provider: Provider) -> bool:
    has_base = bool(provider.base_postcode and provider.latitude is not None)
    covers = (
        provider.localities_served.exists() or bool(provider.postcode_districts) or bool(provider.travel_radius_miles)
    )
    return has_base and covers


def _prices_is_complete(provider: Provider) -> bool:
    return provider.prices.exists()


def _availability_is_complete(provider: Provider) -> bool:
    return not provider.availability.is_empty and provider.availability_confirmed_on is not None


COMPLETION_RULES = {
    "about": _about_is_complete,
    "services": _services_is_complete,
    "areas": _areas_is_complete,
    "prices": _prices_is_complete,
    "availability": _availability_is_complete,
}


def _vetting_task_state(provider: Provider, *, can_start: bool) -> tuple[str, str | None]:
    """Vetting is the accreditation app's, which sits above providers: asked through the vetting hook."""
    vetting = hooks.vetting()
    if vetting is None or not can_start:
        return TaskStatus.CANNOT_START, None
    status = TaskStatus.COMPLETED if vetting.is_complete(provider) else TaskStatus.INCOMPLETE
    return status, vetting.checks_url(provider)


def provider_onboarding_tasks(*, provider: Provider) -> list[OnboardingTask]:
    """The task list: each task's status comes from the data, never from a stored flag."""
    from django.urls import reverse

    pending_sections = set(provider_pending_change_requests(provider=provider).values_list("section", flat=True))
    done = {key: rule(provider) for key, rule in COMPLETION_RULES.items()}
    tasks = []
    for key, title, hint, is_required in TASKS:
        blocked_reason = ""
        if key == "vetting":
            # Which checks apply depends on the kind of provider and what they do.
            status, url = _vetting_task_state(provider, can_start=done["about"] and done["services"])
            if status == TaskStatus.CANNOT_START:
                waiting_for = [title for key, title, _, _ in TASKS if key in ("about", "services") and not done[key]]
                blocked_reason = (
                    f"Complete {' and '.join(QUOTED.format(name) for name in waiting_for)} first: the checks you need "
                    "depend on who you are and what you offer."
                    if waiting_for
                    else "Vetting is not open yet."
                )
        else:
            status = TaskStatus.COMPLETED if done[key] else TaskStatus.INCOMPLETE
            url = reverse(f"providers:{key}", args=[provider.uuid])
        tasks.append(
            OnboardingTask(
                key=key,
                title=title,
                hint=hint,
                status=status,
                url=url,
                is_required=is_required,
                is_waiting_for_review=key in pending_sections,
                blocked_reason=blocked_reason,
            )
        )
    return tasks


def provider_incomplete_required_tasks(*, provider: Provider) -> list[OnboardingTask]:
    return [
        task for task in provider_onboarding_tasks(provider=provider) if task.is_required and not task.is_completed
    ]


def provider_pending_change_requests(*, provider: Provider) -> "QuerySet[ProviderChangeRequest]":
    return provider.change_requests.filter(status=ProviderChangeRequest.Status.PENDING)


def providers_for_user(*, user: Any) -> "QuerySet[Provider]":
    """The listings a signed-in person manages, with how many of their changes wait for review."""
    return (
        Provider.objects.for_user(user)
        .select_related("locality")
        .annotate(
            pending_change_count=Count(
                "change_requests", filter=Q(change_requests__status=ProviderChangeRequest.Status.PENDING)
            )
        )
        .order_by("name", "pk")
    )


def provider_form_values(*, provider: Provider, section: str) -> dict[str, Any]:
    """What a task's form starts with: the listing, with changes waiting for review laid over it."""
    from .services.listing_values import LIVE_FIELDS, REVIEWED_FIELDS, current_values

    values = current_values(provider, [*LIVE_FIELDS[section], *REVIEWED_FIELDS[section]])
    pending = provider_pending_change_requests(provider=provider).filter(section=section).first()
    if pending is not None:
        values.update(pending.proposed_changes)
    return values


@dataclass(frozen=True)
class ChangeRow:
    """One changed field, before and after, in words."""

    label: str
    before: list[str]
    after: list[str]


FIELD_LABELS = {
    "name": "Name",
    "kind": "Kind of provider",
    "summary": "Summary",
    "company_number": "Companies House number",
    "cqc_location_id": "CQC location ID",
    "serves_food": "Serves food",
    "carries_out_regulated_activity": "Carries out CQC-regulated activity",
    "services": "Support offered",
    "client_groups": "Who they support",
    "specialisms": "Skills and specialisms",
    "languages": "Languages spoken",
    "prices": "Prices",
}


# How the task pages describe what the council reviews once a listing is published.
REVIEWED_SECTION_DESCRIPTIONS = {
    "about": "your name, the kind of provider you are, your summary and your registration details",
    "services": "the support you offer, who you support and your skills and specialisms",
    "prices": "your prices",
}


def _describe(field: str, value: Any, names: dict[str, dict[int, str]]) -> list[str]:
    from .services import TAXONOMY_FIELDS

    if field in TAXONOMY_FIELDS:
        return [names[field].get(term_id, "(a term since removed)") for term_id in value] or ["None"]
    if field == "prices":
        units = dict(ProviderPrice.Unit.choices)
        return [
            f"{names['services'].get(row['service'], '(a service since removed)')}: £{row['amount']} "
            f"{units.get(row['unit'], row['unit'])}" + (f" ({row['includes']})" if row.get("includes") else "")
            for row in value
        ] or ["None"]
    if field == "kind":
        return [Provider.Kind(value).label if value in Provider.Kind.values else str(value)]
    if isinstance(value, bool):
        return ["Yes" if value else "No"]
    return [str(value) if value not in (None, "") else "Not given"]


def change_request_rows(*, change_request: ProviderChangeRequest) -> list[ChangeRow]:
    """The fields a request changes, as a commissioner and the provider read them."""
    from .services import TAXONOMY_FIELDS

    proposed, previous = change_request.proposed_changes, change_request.previous_values
    names: dict[str, dict[int, str]] = {}
    for field, model in TAXONOMY_FIELDS.items():
        ids = set(proposed.get(field, [])) | set(previous.get(field, []))
        if field == "services":
            for rows in (proposed.get("prices", []), previous.get("prices", [])):
                ids |= {row["service"] for row in rows}
        names[field] = dict(model.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    return [
        ChangeRow(
            label=FIELD_LABELS.get(field, field.replace("_", " ").capitalize()),
            before=_describe(field, previous.get(field), names),
            after=_describe(field, value, names),
        )
        for field, value in proposed.items()
    ]


def change_requests_for_review(
    *, status: str | None = ProviderChangeRequest.Status.PENDING
) -> "QuerySet[ProviderChangeRequest]":
    """Commissioners' queue: oldest waiting first; decided ones newest first."""
    requests = ProviderChangeRequest.objects.select_related("provider", "submitted_by", "decided_by")
    if status:
        requests = requests.filter(status=status)
    if status == ProviderChangeRequest.Status.PENDING:
        return requests.order_by("submitted_at", "pk")
    return requests.order_by("-submitted_at", "-pk")


def council_rates(*, site: Any) -> dict[tuple[int, str], Decimal]:
    """The council's managed-service rates by (service id, unit), to show beside a provider's prices.

    The council keeps them in its site settings, in cms above providers: cms registers the reader."""
    return hooks.managed_service_rates(site)


def availability_by_day(availability: WeeklyAvailability) -> list[tuple[str, list[str]]]:
    """'Monday': ['Morning', 'Evening'], for check-answers pages."""
    return [
        (day.label, [part.label for part, is_available in zip(PartOfDay, parts, strict=True) if is_available])
        for day, parts in availability.grid()
    ]


def provider_email_addresses(
    provider: Provider, *, owners_only: bool = False, or_contact_address: bool = True
) -> list[str]:
    """Who is emailed about a provider: the active users of its team (only its owners, when asked), each
    address once, sorted. When it has none, the listing's contact address, unless the email only makes sense
    to someone who can sign in (`or_contact_address=False`). A deactivated user is never emailed."""
    memberships = provider.memberships.filter(user__is_active=True)
    if owners_only:
        memberships = memberships.filter(role=ProviderMembership.Role.OWNER)
    addresses = sorted({address for address in memberships.values_list("user__email", flat=True) if address})
    if not addresses and or_contact_address and provider.contact_email:
        addresses = [provider.contact_email]
    return addresses
