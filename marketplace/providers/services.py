"""Every write to provider data goes through these functions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Prefetch, Q
from django.utils import timezone
from django.utils.text import slugify

from marketplace.core.errors import DomainError
from marketplace.core.notifications import email_send

if TYPE_CHECKING:  # accounts sits above providers (decision 0022): the user is named for types only
    from marketplace.accounts.models import User

from . import hooks
from .availability import WeeklyAvailability
from .models import (
    MAX_TERMS_PER_TAXONOMY,
    STALE_AVAILABILITY_DAYS,
    ClientGroup,
    Language,
    Provider,
    ProviderChangeRequest,
    ProviderChangeRequestDecision,
    ProviderMembership,
    ProviderPrice,
    ProviderStatusChange,
    ServiceType,
    Specialism,
)
from .search_fields import TERM_MASK_FIELDS, normalise_search_words, term_masks_of
from .selectors import provider_email_addresses


class ProviderError(DomainError):
    """A change to a provider that the rules do not allow; the message is for people."""


# The listing lifecycle: which status may follow which.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Provider.Status.DRAFT: {Provider.Status.SUBMITTED, Provider.Status.WITHDRAWN},
    Provider.Status.SUBMITTED: {
        Provider.Status.PUBLISHED,
        Provider.Status.DRAFT,
        Provider.Status.WITHDRAWN,
    },
    Provider.Status.PUBLISHED: {
        Provider.Status.SUSPENDED,
        Provider.Status.WITHDRAWN,
        Provider.Status.SUBMITTED,
    },
    Provider.Status.SUSPENDED: {Provider.Status.PUBLISHED, Provider.Status.WITHDRAWN},
    Provider.Status.WITHDRAWN: {Provider.Status.DRAFT},
}
STATUSES_NEEDING_A_REASON = {Provider.Status.SUSPENDED, Provider.Status.WITHDRAWN}


@transaction.atomic
def provider_change_status(
    *, provider: Provider, to_status: str, by: User | None, reason: str = ""
) -> ProviderStatusChange:
    """Move a listing through its lifecycle and record who did it and why."""
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    from_status = provider.status
    if to_status not in ALLOWED_TRANSITIONS.get(from_status, set()):
        raise ProviderError(
            f"A {provider.get_status_display().lower()} listing cannot become "
            f"{Provider.Status(to_status).label.lower()}."
        )
    if to_status in STATUSES_NEEDING_A_REASON and not reason.strip():
        raise ProviderError(f"Give a reason for marking the listing {Provider.Status(to_status).label.lower()}.")
    provider.status = to_status
    if to_status == Provider.Status.PUBLISHED and provider.published_at is None:
        provider.published_at = timezone.now()
    provider.save(update_fields=["status", "published_at", "updated_at"])
    change = ProviderStatusChange.objects.create(
        provider=provider,
        from_status=from_status,
        to_status=to_status,
        changed_by=by,
        reason=reason.strip(),
    )
    _after_provider_change(provider.pk)
    return change


@transaction.atomic
def provider_update_availability(
    *,
    provider: Provider,
    availability: WeeklyAvailability,
    is_taking_new_clients: bool,
    today: date | None = None,
) -> Provider:
    """Save the weekly grid; saving it also confirms it is current."""
    today = today or timezone.localdate()
    provider.availability_mask = availability.mask
    provider.availability_confirmed_on = today
    if provider.is_taking_new_clients != is_taking_new_clients or provider.taking_new_clients_confirmed_on is None:
        provider.is_taking_new_clients = is_taking_new_clients
    provider.taking_new_clients_confirmed_on = today
    provider.save(
        update_fields=[
            "availability_mask",
            "availability_confirmed_on",
            "is_taking_new_clients",
            "taking_new_clients_confirmed_on",
            "updated_at",
        ]
    )
    _after_provider_change(provider.pk)
    return provider


def provider_refresh_search_fields(*, provider_ids: Iterable[int]) -> int:
    """Recompute the derived search columns for these providers.

    Called after any edit that changes what a listing says (and in bulk by the
    demo loader). Returns how many providers were refreshed.
    """
    ids = list(provider_ids)
    if not ids:
        return 0
    taxonomy_assign_bits()
    providers = (
        Provider.objects.filter(pk__in=ids)
        .defer("search_vector")  # rewritten below, never read here
        .select_related("locality")
        .prefetch_related(
            "services",
            "client_groups",
            "specialisms",
            "languages",
            "localities_served",
            Prefetch("prices", queryset=ProviderPrice.objects.all()),
        )
    )
    changed: list[Provider] = []
    for provider in providers:
        provider.search_text = build_search_text(provider)
        provider.lowest_hourly_price = _lowest_hourly_price(provider)
        for mask_field, terms in term_masks_of(provider).items():
            setattr(provider, mask_field, terms)
        changed.append(provider)
    _write_search_columns(changed, ["search_text", "lowest_hourly_price", *TERM_MASK_FIELDS])
    # Search gives the listings a new version (cached searches and filter panels are keyed by it, so the
    # change shows at once) and rewrites their full-text rows.
    hooks.listings_changed(ids)
    if connection.vendor == "postgresql":
        Provider.objects.filter(pk__in=ids).update(
            search_vector=SearchVector("name", weight="A", config="english")
            + SearchVector("search_text", weight="B", config="english")
        )
    return len(changed)


def _write_search_columns(providers: list[Provider], field_names: list[str]) -> None:
    """One parameterised UPDATE per provider, sent as one batch (`executemany`).

    `bulk_update` builds a CASE expression per column over the whole batch;
    compiling it was most of the demo loader's refresh time (decision 0042).
    """
    if not providers:
        return
    fields = [Provider._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    table, key = quote(Provider._meta.db_table), quote(Provider._meta.pk.column)
    statement = f"UPDATE {table} SET {assignments} WHERE {key} = %s"
    rows = [
        [field.get_db_prep_save(getattr(provider, field.attname), connection) for field in fields] + [provider.pk]
        for provider in providers
    ]
    with connection.cursor() as cursor:
        cursor.executemany(statement, rows)


def taxonomy_assign_bits() -> None:
    """Give every taxonomy term that has none the lowest free bit of its taxonomy.

    Terms may be created anywhere (admin, bulk loads), so this runs before
    masks are computed. A taxonomy holds at most 63 terms.
    """
    for _, term_model in TERM_MASK_FIELDS.values():
        unassigned = list(term_model.objects.filter(bit__isnull=True).order_by("sort_order", "name", "pk"))
        if not unassigned:
            continue
        with transaction.atomic():
            used = set(term_model.objects.filter(bit__isnull=False).values_list("bit", flat=True))
            free = (bit for bit in range(MAX_TERMS_PER_TAXONOMY) if bit not in used)
            for term in unassigned:
                bit = next(free, None)
                if bit is None:
                    raise ProviderError(
                        f"The {term_model._meta.verbose_name} list is full: it can hold "
                        f"{MAX_TERMS_PER_TAXONOMY} terms. Merge or remove one before adding “{term.name}”."
                    )
                term.bit = bit
                term.save(update_fields=["bit"])


def build_search_text(provider: Provider) -> str:
    """The words a listing can be found by, in one lower-case string."""
    parts: list[str] = [
        provider.name,
        provider.summary,
        provider.description,
        provider.get_kind_display(),
    ]
    parts += [term.name for term in provider.services.all()]
    parts += [term.name for term in provider.client_groups.all()]
    parts += [term.name for term in provider.specialisms.all()]
    parts += [term.name for term in provider.languages.all()]
    parts += [locality.name for locality in provider.localities_served.all()]
    if provider.locality:
        parts.append(provider.locality.name)
    parts += provider.postcode_districts
    return normalise_search_words(" ".join(part for part in parts if part))


def _lowest_hourly_price(provider: Provider) -> Decimal | None:
    hourly = [price.amount for price in provider.prices.all() if price.unit == ProviderPrice.Unit.HOUR]
    return min(hourly) if hourly else None


def _after_provider_change(provider_id: int) -> None:
    """Refresh derived fields now and tell the search index once the write commits."""
    provider_refresh_search_fields(provider_ids=[provider_id])
    hooks.listing_needs_indexing(provider_id)


def provider_set_accreditation(*, provider: Provider, is_accredited: bool, since: date | None) -> None:
    """Record the listing's accredited state (decided by the accreditation app) and re-index it.

    The accreditation app keeps the decision and its history; this keeps the
    copy every search reads in step.
    """
    Provider.objects.filter(pk=provider.pk).update(
        is_accredited=is_accredited, accredited_since=since if is_accredited else None, updated_at=timezone.now()
    )
    provider.is_accredited = is_accredited
    provider.accredited_since = since if is_accredited else None
    _after_provider_change(provider.pk)


def provider_set_public_notice(*, provider: Provider, notice: str) -> None:
    """Show (or, with an empty notice, clear) the council's neutral notice on a public listing."""
    Provider.objects.filter(pk=provider.pk).update(public_notice=notice.strip(), updated_at=timezone.now())
    provider.public_notice = notice.strip()
    _after_provider_change(provider.pk)


def provider_set_cqc_rating(*, provider: Provider, rating: str, rating_date: date | None) -> None:
    """Record the CQC's current overall rating (read from the CQC by the accreditation app's register sync)."""
    if rating and rating not in Provider.CqcRating.values:
        raise ProviderError(f"“{rating}” is not a CQC rating.")
    Provider.objects.filter(pk=provider.pk).update(
        cqc_rating=rating, cqc_rating_date=rating_date, updated_at=timezone.now()
    )
    provider.cqc_rating = rating
    provider.cqc_rating_date = rating_date
    _after_provider_change(provider.pk)


def provider_saved_in_admin(*, provider: Provider) -> None:
    """Follow-ups after an editor saves a listing in the Wagtail admin."""
    _after_provider_change(provider.pk)


def provider_send_availability_reminders() -> int:
    """Email published providers whose availability is 30 days old, once each time it goes stale.

    Saving the availability clears the reminder, so the next lapse reminds again.
    Returns the number of providers reminded.
    """
    today = timezone.localdate()
    stale_before = today - timedelta(days=STALE_AVAILABILITY_DAYS)
    due = (
        Provider.objects.published()
        .filter(Q(availability_confirmed_on__lt=stale_before) | Q(availability_confirmed_on__isnull=True))
        .filter(
            Q(availability_reminder_sent_on__isnull=True)
            | Q(availability_reminder_sent_on__lte=F("availability_confirmed_on"))
        )
    )
    reminded = 0
    for provider in due.iterator(chunk_size=200):
        recipients = provider_email_addresses(provider)
        if not recipients:
            continue
        email_send(
            to=recipients,
            subject="Please confirm your availability",
            template="availability_reminder",
            context={"provider": provider, "availability_path": f"/provider/{provider.uuid}/availability/"},
        )
        Provider.objects.filter(pk=provider.pk).update(availability_reminder_sent_on=today)
        reminded += 1
    return reminded


# ---------------------------------------------------------------------------
# Self-service: onboarding, edits after publication and change requests.
# Which edits go live at once and which wait for a commissioner is decided in
# docs/decisions/0015-edits-after-publication.md.
# ---------------------------------------------------------------------------


class ProviderFieldError(ProviderError):
    """Bad input for one field; `field` names the form field the message belongs to."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# Section -> fields that go live at once / fields a commissioner reviews once the listing is public.
LIVE_FIELDS: dict[str, tuple[str, ...]] = {
    "about": (
        "description",
        "contact_name",
        "contact_email",
        "contact_phone",
        "website",
        "has_consented_to_publish_contact",
    ),
    "services": ("languages", "has_female_workers", "has_male_workers", "has_non_binary_workers"),
    "prices": (),
}
REVIEWED_FIELDS: dict[str, tuple[str, ...]] = {
    "about": (
        "name",
        "kind",
        "summary",
        "company_number",
        "cqc_location_id",
        "serves_food",
        "carries_out_regulated_activity",
    ),
    "services": ("services", "client_groups", "specialisms"),
    "prices": ("prices",),
}
TAXONOMY_FIELDS: dict[str, Any] = {
    "services": ServiceType,
    "client_groups": ClientGroup,
    "specialisms": Specialism,
    "languages": Language,
}
# Listings whose reviewed fields change only through a change request: those the
# public sees, and suspended ones, which return to public without a full review.
STATUSES_WITH_REVIEWED_EDITS = {Provider.Status.PUBLISHED, Provider.Status.SUSPENDED}
COMPANY_NUMBER_PATTERN = re.compile(r"^[A-Z0-9]{2}[0-9]{6}$")
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()-]{10,20}$")
MAX_TRAVEL_RADIUS_MILES = 100


def provider_edits_need_review(provider: Provider) -> bool:
    """Whether changes to reviewed fields wait for a commissioner (see decision 0015)."""
    return provider.status in STATUSES_WITH_REVIEWED_EDITS


@dataclass(frozen=True)
class ProviderEditResult:
    """What became of an edit: the listing as it now is, and any request still waiting for review."""

    provider: Provider
    change_request: ProviderChangeRequest | None = None
    applied_fields: tuple[str, ...] = ()

    @property
    def is_waiting_for_review(self) -> bool:
        return self.change_request is not None and self.change_request.is_pending


def _unique_slug(name: str) -> str:
    base = slugify(name)[:200].strip("-") or "provider"
    slug, number = base, 1
    while Provider.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


@transaction.atomic
def provider_create_draft(*, by: User, kind: str, name: str) -> Provider:
    """A new draft listing with `by` as its owner: the start of onboarding."""
    name = " ".join(name.split())
    if not name:
        raise ProviderFieldError("Enter your name or the name of your service.", field="name")
    if len(name) > 200:
        raise ProviderFieldError("The name must be 200 characters or fewer.", field="name")
    if kind not in Provider.Kind.values:
        raise ProviderFieldError("Select what kind of provider you are.", field="kind")
    provider = None
    for _attempt in range(3):
        # Someone else may take the same address between the check and the insert.
        try:
            with transaction.atomic():
                provider = Provider.objects.create(
                    kind=kind, name=name, slug=_unique_slug(name), status=Provider.Status.DRAFT
                )
            break
        except IntegrityError:
            continue
    if provider is None:
        raise ProviderError("We could not start your listing just now. Try again.")
    ProviderMembership.objects.create(provider=provider, user=by, role=ProviderMembership.Role.OWNER)
    _after_provider_change(provider.pk)
    return provider


def _clean_text(value: str | None) -> str:
    return (value or "").strip()


def _validate_about(values: dict[str, Any]) -> dict[str, Any]:
    """Normalise the About fields and refuse what the listing cannot hold."""
    cleaned = dict(values)
    for field in ("name", "summary", "description", "contact_name", "contact_email", "contact_phone", "website"):
        if field in cleaned:
            cleaned[field] = _clean_text(cleaned[field])
    if "name" in cleaned:
        cleaned["name"] = " ".join(cleaned["name"].split())
        if not cleaned["name"]:
            raise ProviderFieldError("Enter your name or the name of your service.", field="name")
    if "kind" in cleaned and cleaned["kind"] not in Provider.Kind.values:
        raise ProviderFieldError("Select what kind of provider you are.", field="kind")
    if "company_number" in cleaned:
        cleaned["company_number"] = re.sub(r"\s+", "", cleaned["company_number"] or "").upper()
        if cleaned["company_number"] and not COMPANY_NUMBER_PATTERN.match(cleaned["company_number"]):
            raise ProviderFieldError(
                "Enter a Companies House number of 8 characters, like 01234567 or SC123456.", field="company_number"
            )
    if "cqc_location_id" in cleaned:
        cleaned["cqc_location_id"] = _clean_text(cleaned["cqc_location_id"])
    if cleaned.get("contact_phone") and not PHONE_PATTERN.match(cleaned["contact_phone"]):
        raise ProviderFieldError("Enter a phone number, like 01632 960 001 or 07700 900 982.", field="contact_phone")
    for field, value in cleaned.items():
        if field in {"has_consented_to_publish_contact", "serves_food", "carries_out_regulated_activity"}:
            cleaned[field] = bool(value)
            continue
        if value == "":
            continue
        model_field = Provider._meta.get_field(field)
        try:
            model_field.clean(value, None)
        except ValidationError as error:
            label = str(model_field.verbose_name)
            raise ProviderFieldError(f"{label.capitalize()}: {' '.join(error.messages)}", field=field) from error
    return cleaned


def _current_values(provider: Provider, fields: Iterable[str]) -> dict[str, Any]:
    """The listing's values for these fields, in the form change requests store them."""
    values: dict[str, Any] = {}
    for field in fields:
        if field in TAXONOMY_FIELDS:
            values[field] = sorted(getattr(provider, field).values_list("pk", flat=True))
        elif field == "prices":
            values[field] = [
                _price_row(service=price.service_id, unit=price.unit, amount=price.amount, includes=price.includes)
                for price in ProviderPrice.objects.filter(provider=provider).order_by("service_id", "unit")
            ]
        else:
            values[field] = getattr(provider, field)
    return values


def _price_row(*, service: int, unit: str, amount: Decimal, includes: str) -> dict[str, Any]:
    return {"service": service, "unit": unit, "amount": f"{Decimal(amount):.2f}", "includes": includes}


def _apply_values(provider: Provider, values: dict[str, Any]) -> None:
    """Write stored values to a locked listing (saved by the caller)."""
    for field, value in values.items():
        if field in TAXONOMY_FIELDS:
            existing = TAXONOMY_FIELDS[field].objects.filter(pk__in=value).values_list("pk", flat=True)
            getattr(provider, field).set(list(existing))
        elif field == "prices":
            ProviderPrice.objects.filter(provider=provider).delete()
            services = set(
                ServiceType.objects.filter(pk__in=[row["service"] for row in value]).values_list("pk", flat=True)
            )
            ProviderPrice.objects.bulk_create(
                [
                    ProviderPrice(
                        provider=provider,
                        service_id=row["service"],
                        unit=row["unit"],
                        amount=Decimal(row["amount"]),
                        includes=row.get("includes", ""),
                    )
                    for row in value
                    if row["service"] in services
                ]
            )
        else:
            setattr(provider, field, value)
            if field == "name" and provider.status == Provider.Status.DRAFT:
                provider.slug = _unique_slug_for(provider, value)
            if field == "has_consented_to_publish_contact":
                provider.contact_consent_given_at = (
                    (provider.contact_consent_given_at or timezone.now()) if value else None
                )


def _unique_slug_for(provider: Provider, name: str) -> str:
    """A draft's address follows its name; a published one keeps its address so links keep working."""
    base = slugify(name)[:200].strip("-") or "provider"
    slug, number = base, 1
    while Provider.objects.filter(slug=slug).exclude(pk=provider.pk).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def _edit_section(*, provider: Provider, by: User, section: str, values: dict[str, Any]) -> ProviderEditResult:
    """Apply the live fields of a section at once and the reviewed ones now or through a change request."""
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    live = {field: value for field, value in values.items() if field in LIVE_FIELDS[section]}
    reviewed = {field: value for field, value in values.items() if field in REVIEWED_FIELDS[section]}
    change_request: ProviderChangeRequest | None = None
    if provider_edits_need_review(provider):
        current = _current_values(provider, reviewed)
        proposed = {field: value for field, value in reviewed.items() if value != current[field]}
        change_request = _propose_changes(
            provider=provider,
            by=by,
            section=section,
            proposed=proposed,
            previous={field: current[field] for field in proposed},
        )
        to_apply = live
    else:
        to_apply = {**live, **reviewed}
    _apply_values(provider, to_apply)
    provider.save()
    _after_provider_change(provider.pk)
    return ProviderEditResult(provider=provider, change_request=change_request, applied_fields=tuple(to_apply))


def _propose_changes(
    *, provider: Provider, by: User, section: str, proposed: dict[str, Any], previous: dict[str, Any]
) -> ProviderChangeRequest | None:
    """Keep, replace or withdraw the section's pending request so it holds exactly what now differs."""
    pending = (
        ProviderChangeRequest.objects.select_for_update()
        .filter(provider=provider, section=section, status=ProviderChangeRequest.Status.PENDING)
        .first()
    )
    if pending is not None and pending.proposed_changes == proposed:
        return pending
    if pending is not None:
        outcome = ProviderChangeRequest.Status.SUPERSEDED if proposed else ProviderChangeRequest.Status.WITHDRAWN
        reason = "Replaced by newer changes." if proposed else "The provider changed these back."
        _record_change_request_decision(change_request=pending, outcome=outcome, by=by, reason=reason)
    if not proposed:
        return None
    return ProviderChangeRequest.objects.create(
        provider=provider,
        section=section,
        proposed_changes=proposed,
        previous_values=previous,
        submitted_by=by,
    )


def _record_change_request_decision(
    *, change_request: ProviderChangeRequest, outcome: str, by: User | None, reason: str
) -> ProviderChangeRequestDecision:
    now = timezone.now()
    change_request.status = outcome
    change_request.decided_by = by
    change_request.decided_at = now
    change_request.reason = reason
    change_request.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    return ProviderChangeRequestDecision.objects.create(
        change_request=change_request, outcome=outcome, decided_by=by, decided_at=now, reason=reason
    )


@transaction.atomic
def provider_update_about(
    *,
    provider: Provider,
    by: User,
    name: str,
    kind: str,
    summary: str,
    description: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str,
    website: str,
    has_consented_to_publish_contact: bool,
    company_number: str = "",
    cqc_location_id: str = "",
    serves_food: bool = False,
    carries_out_regulated_activity: bool = False,
) -> ProviderEditResult:
    """The "About you or your service" task: who they are and how people get in touch."""
    values = _validate_about(
        {
            "name": name,
            "kind": kind,
            "summary": summary,
            "description": description,
            "contact_name": contact_name,
            "contact_email": contact_email,
            "contact_phone": contact_phone,
            "website": website,
            "has_consented_to_publish_contact": has_consented_to_publish_contact,
            "company_number": company_number,
            "cqc_location_id": cqc_location_id,
            "serves_food": serves_food,
            "carries_out_regulated_activity": carries_out_regulated_activity,
        }
    )
    return _edit_section(provider=provider, by=by, section="about", values=values)


def _term_ids(field: str, terms: Iterable[Any]) -> list[int]:
    ids = sorted({term if isinstance(term, int) else term.pk for term in terms})
    model = TAXONOMY_FIELDS[field]
    if model.objects.filter(pk__in=ids).count() != len(ids):
        raise ProviderFieldError(f"Select {model._meta.verbose_name_plural} from the list.", field=field)
    return ids


@transaction.atomic
def provider_update_services(
    *,
    provider: Provider,
    by: User,
    services: Iterable[ServiceType | int],
    client_groups: Iterable[ClientGroup | int],
    specialisms: Iterable[Specialism | int],
    languages: Iterable[Language | int],
    has_female_workers: bool,
    has_male_workers: bool,
    has_non_binary_workers: bool,
) -> ProviderEditResult:
    """The "Services" task: what they offer, to whom, with which skills and languages."""
    values = {
        "services": _term_ids("services", services),
        "client_groups": _term_ids("client_groups", client_groups),
        "specialisms": _term_ids("specialisms", specialisms),
        "languages": _term_ids("languages", languages),
        "has_female_workers": bool(has_female_workers),
        "has_male_workers": bool(has_male_workers),
        "has_non_binary_workers": bool(has_non_binary_workers),
    }
    return _edit_section(provider=provider, by=by, section="services", values=values)


def normalise_postcode_districts(text: str | Iterable[str]) -> list[str]:
    """'we1, we2  WE14' -> ['WE1', 'WE2', 'WE14']; refuses anything that is not a district."""
    from marketplace.places.selectors import DISTRICT_PATTERN

    words = re.split(r"[\s,;]+", text.upper()) if isinstance(text, str) else [word.upper() for word in text]
    districts: list[str] = []
    for word in words:
        if not word:
            continue
        if not DISTRICT_PATTERN.match(word):
            raise ProviderFieldError(
                f"“{word}” is not a postcode district. Enter districts like WE1 or WE14, separated by spaces.",
                field="postcode_districts_served",
            )
        if word not in districts:
            districts.append(word)
    return districts


@transaction.atomic
def provider_update_areas(
    *,
    provider: Provider,
    by: User,
    base_postcode: str,
    localities_served: Iterable[Any],
    postcode_districts_served: str | Iterable[str],
    travel_radius_miles: int | None,
) -> ProviderEditResult:
    """The "Areas" task: where they are based and where they work. Live at once (decision 0015)."""
    from marketplace.places.models import Locality
    from marketplace.places.selectors import PlaceNotFound, normalise_postcode, place_resolve

    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    postcode_text = " ".join(base_postcode.split())
    if postcode_text:
        postcode = normalise_postcode(postcode_text)
        if postcode is None:
            raise ProviderFieldError(
                f"“{postcode_text}” is not a full postcode. Enter a postcode like WE1 2AB.", field="base_postcode"
            )
        try:
            place = place_resolve(postcode)
        except PlaceNotFound as error:
            raise ProviderFieldError(str(error), field="base_postcode") from error
        provider.base_postcode = postcode
        provider.latitude, provider.longitude = place.latitude, place.longitude
        provider.locality_id = place.locality_id
    else:
        provider.base_postcode = ""
        provider.latitude = provider.longitude = None
        provider.locality = None
    locality_ids = sorted({item if isinstance(item, int) else item.pk for item in localities_served})
    if Locality.objects.filter(pk__in=locality_ids).count() != len(locality_ids):
        raise ProviderFieldError("Select localities from the list.", field="localities_served")
    districts = " ".join(normalise_postcode_districts(postcode_districts_served))
    if len(districts) > (Provider._meta.get_field("postcode_districts_served").max_length or 500):
        raise ProviderFieldError("That is too many postcode districts. Choose localities instead.")
    if travel_radius_miles is not None and not 1 <= travel_radius_miles <= MAX_TRAVEL_RADIUS_MILES:
        raise ProviderFieldError(
            f"Enter how far you travel as a whole number of miles from 1 to {MAX_TRAVEL_RADIUS_MILES}.",
            field="travel_radius_miles",
        )
    provider.localities_served.set(locality_ids)
    provider.postcode_districts_served = districts
    provider.travel_radius_miles = travel_radius_miles
    provider.save()
    _after_provider_change(provider.pk)
    return ProviderEditResult(
        provider=provider,
        applied_fields=("base_postcode", "localities_served", "postcode_districts_served", "travel_radius_miles"),
    )


@dataclass(frozen=True)
class PriceInput:
    """One price as a provider types it."""

    service: ServiceType | int
    unit: str
    amount: Decimal
    includes: str = ""


MAX_PRICE = Decimal("9999.99")


@transaction.atomic
def provider_update_prices(*, provider: Provider, by: User, prices: Iterable[PriceInput]) -> ProviderEditResult:
    """The "Prices" task: the whole price list replaces the old one (reviewed once published)."""
    rows: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()
    service_ids = set(ServiceType.objects.values_list("pk", flat=True))
    for number, price in enumerate(prices, start=1):
        service_id = price.service if isinstance(price.service, int) else price.service.pk
        if service_id not in service_ids:
            raise ProviderFieldError(f"Price {number}: select the service from the list.", field="service")
        if price.unit not in ProviderPrice.Unit.values:
            raise ProviderFieldError(f"Price {number}: select what the price is for.", field="unit")
        amount = Decimal(price.amount)
        if not Decimal("0") < amount <= MAX_PRICE or amount != amount.quantize(Decimal("0.01")):
            raise ProviderFieldError(
                f"Price {number}: enter an amount from £0.01 to £{MAX_PRICE:,}, in pounds and pence.", field="amount"
            )
        includes = _clean_text(price.includes)
        if len(includes) > 300:
            raise ProviderFieldError(f"Price {number}: say what it includes in 300 characters or fewer.")
        if (service_id, price.unit) in seen:
            raise ProviderFieldError(
                f"Price {number}: you have already given a price for this service "
                f"{ProviderPrice.Unit(price.unit).label}. Change or remove one of them.",
                field="service",
            )
        seen.add((service_id, price.unit))
        rows.append(_price_row(service=service_id, unit=price.unit, amount=amount, includes=includes))
    rows.sort(key=lambda row: (row["service"], row["unit"]))
    return _edit_section(provider=provider, by=by, section="prices", values={"prices": rows})


@transaction.atomic
def provider_save_availability(
    *,
    provider: Provider,
    by: User,
    availability: WeeklyAvailability,
    is_taking_new_clients: bool,
    capacity_hours_per_week: int | None,
    capacity_places_per_day: int | None,
    today: date | None = None,
) -> Provider:
    """The "Availability" task: the weekly grid, new clients and capacity. Live at once; confirms it."""
    for field, value in (
        ("capacity_hours_per_week", capacity_hours_per_week),
        ("capacity_places_per_day", capacity_places_per_day),
    ):
        if value is not None and not 0 <= value <= 1000:
            raise ProviderFieldError("Enter a whole number from 0 to 1000.", field=field)
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    previous_hours, previous_places = provider.capacity_hours_per_week, provider.capacity_places_per_day
    provider.capacity_hours_per_week = capacity_hours_per_week
    provider.capacity_places_per_day = capacity_places_per_day
    provider.save(update_fields=["capacity_hours_per_week", "capacity_places_per_day", "updated_at"])
    if provider.is_published:
        # A sharp fall in a live provider's capacity is an early sign of failure (issue 4): contingency hears.
        hooks.capacity_changed(
            provider=provider,
            previous_hours=previous_hours,
            new_hours=capacity_hours_per_week,
            previous_places=previous_places,
            new_places=capacity_places_per_day,
            today=today,
        )
    return provider_update_availability(
        provider=provider, availability=availability, is_taking_new_clients=is_taking_new_clients, today=today
    )


@transaction.atomic
def provider_confirm_availability(*, provider: Provider, by: User, today: date | None = None) -> Provider:
    """ "My availability is still right": one click restarts the 30 days before it shows as out of date."""
    today = today or timezone.localdate()
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    provider.availability_confirmed_on = today
    provider.taking_new_clients_confirmed_on = today
    provider.save(update_fields=["availability_confirmed_on", "taking_new_clients_confirmed_on", "updated_at"])
    _after_provider_change(provider.pk)
    return provider


@transaction.atomic
def provider_submit_for_review(*, provider: Provider, by: User) -> ProviderStatusChange:
    """Send a finished draft to the council; refused while a required task is incomplete."""
    from .selectors import provider_incomplete_required_tasks

    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    if provider.status != Provider.Status.DRAFT:
        raise ProviderError(f"This listing is {provider.get_status_display().lower()}: only a draft can be submitted.")
    missing = provider_incomplete_required_tasks(provider=provider)
    if missing:
        names = ", ".join(task.title.lower() for task in missing)
        raise ProviderError(f"Complete these sections before you submit: {names}.")
    return provider_change_status(provider=provider, to_status=Provider.Status.SUBMITTED, by=by)


def _locked_pending(change_request: ProviderChangeRequest) -> ProviderChangeRequest:
    locked = ProviderChangeRequest.objects.select_for_update().select_related("provider").get(pk=change_request.pk)
    if not locked.is_pending:
        when = f" on {timezone.localtime(locked.decided_at):%-d %B %Y}" if locked.decided_at else ""
        raise ProviderError(f"This request has already been decided: {locked.get_status_display().lower()}{when}.")
    return locked


@transaction.atomic
def provider_change_request_approve(
    *, change_request: ProviderChangeRequest, by: User, reason: str = ""
) -> ProviderChangeRequest:
    """A commissioner accepts the changes: they go live and the provider is told."""
    change_request = _locked_pending(change_request)
    provider = Provider.objects.select_for_update().get(pk=change_request.provider_id)
    _apply_values(provider, change_request.proposed_changes)
    provider.save()
    _record_change_request_decision(
        change_request=change_request, outcome=ProviderChangeRequest.Status.APPROVED, by=by, reason=reason.strip()
    )
    _after_provider_change(provider.pk)
    _email_change_request_decision(change_request)
    return change_request


@transaction.atomic
def provider_change_request_reject(
    *, change_request: ProviderChangeRequest, by: User, reason: str
) -> ProviderChangeRequest:
    """A commissioner turns the changes down, saying why; the listing keeps its values."""
    if not reason.strip():
        raise ProviderFieldError("Give a reason: the provider will see it.", field="reason")
    change_request = _locked_pending(change_request)
    _record_change_request_decision(
        change_request=change_request, outcome=ProviderChangeRequest.Status.REJECTED, by=by, reason=reason.strip()
    )
    _email_change_request_decision(change_request)
    return change_request


@transaction.atomic
def provider_change_request_withdraw(*, change_request: ProviderChangeRequest, by: User) -> ProviderChangeRequest:
    """The provider takes back changes that have not been decided yet."""
    change_request = _locked_pending(change_request)
    _record_change_request_decision(
        change_request=change_request,
        outcome=ProviderChangeRequest.Status.WITHDRAWN,
        by=by,
        reason="Withdrawn by the provider.",
    )
    return change_request


def _email_change_request_decision(change_request: ProviderChangeRequest) -> None:
    from django.urls import reverse

    from .selectors import change_request_rows

    provider = change_request.provider
    recipients = set(provider_email_addresses(provider, owners_only=True, or_contact_address=False))
    if change_request.submitted_by is not None and change_request.submitted_by.is_active:
        recipients.add(change_request.submitted_by.email)
    approved = change_request.status == ProviderChangeRequest.Status.APPROVED
    email_send(
        to=recipients,
        subject=(
            f"Your changes to {provider.name} are live"
            if approved
            else f"Your changes to {provider.name} were not approved"
        ),
        template="provider_change_request_decided",
        context={
            "provider": provider,
            "change_request": change_request,
            "is_approved": approved,
            "rows": change_request_rows(change_request=change_request),
            "dashboard_path": reverse("providers:task_list", args=[provider.uuid]),
        },
    )
