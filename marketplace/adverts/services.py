"""Every write to adverts and applications, and the daily job (reminders, expiry, matching emails)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.core.errors import DomainError
from marketplace.core.notifications import email_send
from marketplace.places.models import Place
from marketplace.places.selectors import DISTRICT_PATTERN, POSTCODE_PATTERN
from marketplace.providers.models import Language, Provider, ServiceType
from marketplace.providers.selectors import provider_email_addresses

from .models import Advert, AdvertApplication, AdvertMatchNotice, AdvertMessage
from .selectors import advert_settings, advertiser_recipients, personal_assistants_fitting

MAX_HOURS_PER_WEEK = 84
MAX_RATE_PENCE = 10_000  # £100 an hour: anything above is a typing mistake
MAX_MESSAGE_LENGTH = 2000


class AdvertError(DomainError):
    """Something the advert rules do not allow; the message is for people."""


@dataclass(frozen=True)
class AdvertDetails:
    """What an advert says, as the form cleaned it."""

    title: str
    services: list[ServiceType]
    postcode_district: str
    availability_mask: int
    hours_per_week: int
    hourly_rate_pence: int
    employment: str
    needs_dbs_check: bool = False
    worker_gender: str = ""
    languages: list[Language] = field(default_factory=list)
    needs_driver: bool = False
    description: str = ""


def district_from(text: str) -> str:
    """'we1 2ab' or 'WE1' -> 'WE1': the area only; the rest of a postcode is dropped, never stored."""
    cleaned = " ".join(text.upper().split())
    postcode = POSTCODE_PATTERN.match(cleaned)
    if postcode:
        return postcode.group(1)
    if DISTRICT_PATTERN.match(cleaned):
        return cleaned
    raise AdvertError("Enter the first part of a postcode, like WE1.", field="postcode_district")


def _district_place(district: str) -> Place:
    place = Place.objects.filter(kind=Place.Kind.DISTRICT, lookup_key=district.replace(" ", "")).first()
    if place is None:
        raise AdvertError(
            f"We could not find the postcode district {district} in this area. Check it.", field="postcode_district"
        )
    return place


def _validate(details: AdvertDetails) -> Place:
    if not details.title.strip():
        raise AdvertError("Enter a short title for the advert.", field="title")
    if not details.services:
        raise AdvertError("Select the support you need.", field="services")
    if not details.availability_mask:
        raise AdvertError("Select at least one time you need support.", field="slots")
    if not 1 <= details.hours_per_week <= MAX_HOURS_PER_WEEK:
        raise AdvertError(f"Enter the hours as a whole number from 1 to {MAX_HOURS_PER_WEEK}.", field="hours_per_week")
    if not 1 <= details.hourly_rate_pence <= MAX_RATE_PENCE:
        raise AdvertError("Enter an hourly rate between £0.01 and £100.", field="hourly_rate")
    if details.employment not in Advert.Employment.values:
        raise AdvertError("Select how the personal assistant would work for you.", field="employment")
    if details.worker_gender and details.worker_gender not in Advert.WorkerGender.values:
        raise AdvertError("Choose a gender from the list.", field="worker_gender")
    return _district_place(district_from(details.postcode_district))


def _ensure_may_post(*, by: User, holder: DirectPaymentHolder) -> None:
    if not by.has_perm("accounts.post_adverts_for_holder", holder):
        raise AdvertError("You cannot post adverts for this person.")


@transaction.atomic
def advert_save(
    *,
    by: User,
    holder: DirectPaymentHolder,
    details: AdvertDetails,
    advert: Advert | None = None,
    now: datetime | None = None,
) -> Advert:
    """Create a draft advert, or change a draft or open one. Only the holder or someone with the right may."""
    _ensure_may_post(by=by, holder=holder)
    if advert is not None and (
        advert.holder_id != holder.pk or advert.status not in (Advert.Status.DRAFT, Advert.Status.OPEN)
    ):
        raise AdvertError("This advert is closed, so it cannot be changed.")
    place = _validate(details)
    moment = now or timezone.now()
    if advert is None:
        advert = Advert(holder=holder, created_at=moment, posted_by=by)
    advert.title = details.title.strip()
    advert.postcode_district = place.name.upper()
    advert.locality_id = place.locality_id
    advert.availability_mask = details.availability_mask
    advert.hours_per_week = details.hours_per_week
    advert.hourly_rate_pence = details.hourly_rate_pence
    advert.employment = details.employment
    advert.needs_dbs_check = details.needs_dbs_check
    advert.worker_gender = details.worker_gender
    advert.needs_driver = details.needs_driver
    advert.description = details.description.strip()
    advert.save()
    advert.services.set(details.services)
    advert.languages.set(details.languages)
    return advert


@transaction.atomic
def advert_publish(*, advert: Advert, by: User, today: date | None = None, now: datetime | None = None) -> Advert:
    """Open a draft for applications until the closing date (today plus the site's advert lifetime)."""
    _ensure_may_post(by=by, holder=advert.holder)
    advert = Advert.objects.select_for_update(of=("self",)).get(pk=advert.pk)
    if advert.status != Advert.Status.DRAFT:
        raise AdvertError("This advert has already been published.")
    today = today or timezone.localdate()
    advert.status = Advert.Status.OPEN
    advert.published_at = now or timezone.now()
    advert.published_by = by
    advert.closes_on = today + timedelta(days=advert_settings().advert_open_days)
    advert.reminder_sent_on = None
    advert.save()
    return advert


@transaction.atomic
def advert_close(*, advert: Advert, by: User | None, reason: str, now: datetime | None = None) -> Advert:
    """Close an advert (filled, no longer needed); applicants who were not declined are told."""
    if by is not None:
        _ensure_may_post(by=by, holder=advert.holder)
    advert = Advert.objects.select_for_update(of=("self",)).get(pk=advert.pk)
    if advert.status not in (Advert.Status.OPEN, Advert.Status.DRAFT):
        raise AdvertError("This advert is already closed.")
    advert.status = Advert.Status.CLOSED
    advert.closed_at = now or timezone.now()
    advert.closed_by = by
    advert.close_reason = reason.strip()[:200]
    advert.save()
    _tell_applicants_closed(advert)
    return advert


def _tell_applicants_closed(advert: Advert) -> None:
    waiting = advert.applications.filter(
        status__in=[AdvertApplication.Status.APPLIED, AdvertApplication.Status.SHORTLISTED]
    ).select_related("provider")
    for application in waiting:
        email_send(
            to=provider_email_addresses(application.provider, or_contact_address=False),
            subject="An advert you applied to has closed",
            template="adverts_closed_to_applicant",
            context={"advert": advert, "application": application},
        )


@transaction.atomic
def application_create(
    *, advert: Advert, provider: Provider, by: User, message: str, now: datetime | None = None
) -> AdvertApplication:
    """A personal assistant applies with a message; the advertiser is emailed (without the message)."""
    if not by.has_perm("adverts.apply_as_provider", provider):
        raise AdvertError("Only a published personal assistant listing you manage can apply.")
    if not message.strip():
        raise AdvertError("Write a message to go with your application.", field="message")
    if len(message) > MAX_MESSAGE_LENGTH:
        raise AdvertError(f"Your message must be {MAX_MESSAGE_LENGTH} characters or fewer.", field="message")
    advert = (
        Advert.objects.select_for_update(of=("self",))
        .select_related("holder", "holder__user", "posted_by")
        .get(pk=advert.pk)
    )
    if not advert.is_open:
        raise AdvertError("This advert has closed, so it no longer takes applications.")
    moment = now or timezone.now()
    try:
        with transaction.atomic():
            application = AdvertApplication.objects.create(
                advert=advert, provider=provider, applicant=by, created_at=moment
            )
    except IntegrityError as error:
        raise AdvertError(f"{provider.name} has already applied to this advert.") from error
    AdvertMessage.objects.create(
        application=application, sender=by, is_from_advertiser=False, body=message.strip(), sent_at=moment
    )
    email_send(
        to=advertiser_recipients(advert),
        subject="A personal assistant has applied to your advert",
        template="adverts_application_received",
        context={"advert": advert, "application": application},
    )
    return application


def _advertiser_side(application: AdvertApplication, by: User) -> DirectPaymentHolder:
    holder = application.advert.holder
    if not by.has_perm("adverts.manage_advert", application.advert):
        raise AdvertError("You cannot answer applications for this advert.")
    return holder


def _on_behalf_of(holder: DirectPaymentHolder, by: User) -> DirectPaymentHolder | None:
    return None if holder.user_id == by.pk else holder


@transaction.atomic
def application_shortlist(
    *, application: AdvertApplication, by: User, now: datetime | None = None
) -> AdvertApplication:
    holder = _advertiser_side(application, by)
    application = AdvertApplication.objects.select_for_update(of=("self",)).get(pk=application.pk)
    if application.status != AdvertApplication.Status.APPLIED:
        raise AdvertError(f"This application is {application.get_status_display().lower()} already.")
    application.status = AdvertApplication.Status.SHORTLISTED
    application.decided_at = now or timezone.now()
    application.decided_by = by
    application.save()
    email_send(
        to=provider_email_addresses(application.provider, or_contact_address=False),
        subject="You have been shortlisted for a personal assistant job",
        template="adverts_application_shortlisted",
        context={
            "application": application,
            "advert": application.advert,
            "sender": by,
            "on_behalf_of": _on_behalf_of(holder, by),
        },
    )
    return application


@transaction.atomic
def application_decline(
    *, application: AdvertApplication, by: User, message: str = "", now: datetime | None = None
) -> AdvertApplication:
    """Decline an applicant, with an optional note they see on the application page."""
    holder = _advertiser_side(application, by)
    if len(message) > MAX_MESSAGE_LENGTH:
        raise AdvertError(f"Your message must be {MAX_MESSAGE_LENGTH} characters or fewer.", field="message")
    application = AdvertApplication.objects.select_for_update(of=("self",)).get(pk=application.pk)
    if application.status not in (AdvertApplication.Status.APPLIED, AdvertApplication.Status.SHORTLISTED):
        raise AdvertError(f"This application is {application.get_status_display().lower()} already.")
    moment = now or timezone.now()
    application.status = AdvertApplication.Status.DECLINED
    application.decided_at = moment
    application.decided_by = by
    application.save()
    if message.strip():
        AdvertMessage.objects.create(
            application=application,
            sender=by,
            on_behalf_of=_on_behalf_of(holder, by),
            is_from_advertiser=True,
            body=message.strip(),
            sent_at=moment,
        )
    email_send(
        to=provider_email_addresses(application.provider, or_contact_address=False),
        subject="An update on your application",
        template="adverts_application_declined",
        context={"application": application, "advert": application.advert},
    )
    return application


@transaction.atomic
def application_reply(
    *, application: AdvertApplication, by: User, body: str, now: datetime | None = None
) -> AdvertMessage:
    """A message in the thread, from either side; the other side is emailed that it waits (not its text)."""
    if not body.strip():
        raise AdvertError("Write your message.", field="body")
    if len(body) > MAX_MESSAGE_LENGTH:
        raise AdvertError(f"Your message must be {MAX_MESSAGE_LENGTH} characters or fewer.", field="body")
    advert = application.advert
    if by.has_perm("adverts.reply_as_applicant", application):
        is_from_advertiser = False
        on_behalf_of = None
        recipients = advertiser_recipients(advert)
    elif by.has_perm("adverts.manage_advert", advert):
        is_from_advertiser = True
        on_behalf_of = _on_behalf_of(advert.holder, by)
        recipients = provider_email_addresses(application.provider, or_contact_address=False)
    else:
        raise AdvertError("You cannot write in this conversation.")
    if application.status == AdvertApplication.Status.WITHDRAWN:
        raise AdvertError("This application was withdrawn.")
    message = AdvertMessage.objects.create(
        application=application,
        sender=by,
        on_behalf_of=on_behalf_of,
        is_from_advertiser=is_from_advertiser,
        body=body.strip(),
        sent_at=now or timezone.now(),
    )
    email_send(
        to=[address for address in recipients if address != by.email],
        subject="You have a new message about a personal assistant advert",
        template="adverts_message_waiting",
        context={"application": application, "advert": advert, "is_to_advertiser": not is_from_advertiser},
    )
    return message


# The daily job --------------------------------------------------------------


@dataclass
class DailySummary:
    reminded: int = 0
    expired: int = 0
    match_emails: int = 0
    adverts_matched: int = 0

    def __str__(self) -> str:
        return (
            f"{self.reminded} reminded, {self.expired} expired, {self.adverts_matched} new adverts sent to "
            f"personal assistants in {self.match_emails} emails"
        )


@transaction.atomic
def adverts_daily(*, today: date | None = None, now: datetime | None = None) -> DailySummary:
    """Remind advertisers before closing, expire adverts past their date, and email matching PAs once.

    Idempotent: each step records what it did on the rows, so a second run the
    same day sends nothing twice.
    """
    today = today or timezone.localdate()
    now = now or timezone.now()
    summary = DailySummary()
    reminder_days = advert_settings().reminder_days_before_closing

    closing_soon = (
        Advert.objects.open()
        .filter(
            closes_on__lte=today + timedelta(days=reminder_days), closes_on__gt=today, reminder_sent_on__isnull=True
        )
        .select_related("holder__user", "posted_by")
    )
    for advert in closing_soon:
        email_send(
            to=advertiser_recipients(advert),
            subject="Your advert for a personal assistant closes soon",
            template="adverts_closing_reminder",
            context={"advert": advert, "days_left": advert.days_left(today)},
        )
        advert.reminder_sent_on = today
        advert.save(update_fields=["reminder_sent_on"])
        summary.reminded += 1

    for advert in Advert.objects.open().filter(closes_on__lte=today).select_related("holder__user", "posted_by"):
        advert.status = Advert.Status.EXPIRED
        advert.closed_at = now
        advert.close_reason = "Reached its closing date"
        advert.save(update_fields=["status", "closed_at", "close_reason"])
        email_send(
            to=advertiser_recipients(advert),
            subject="Your advert for a personal assistant has closed",
            template="adverts_expired",
            context={"advert": advert},
        )
        _tell_applicants_closed(advert)
        summary.expired += 1

    _send_match_emails(now=now, summary=summary)
    return summary


def _send_match_emails(*, now: datetime, summary: DailySummary) -> None:
    """One email per personal assistant listing naming the open adverts it fits that it was not yet told about."""
    new_adverts = list(Advert.objects.open().filter(matches_notified_at__isnull=True).prefetch_related("services"))
    by_provider: dict[int, list[Advert]] = defaultdict(list)
    providers: dict[int, Provider] = {}
    for advert in new_adverts:
        already = set(AdvertMatchNotice.objects.filter(advert=advert).values_list("provider_id", flat=True))
        for provider in personal_assistants_fitting(advert=advert):
            if provider.pk in already:
                continue
            providers[provider.pk] = provider
            by_provider[provider.pk].append(advert)
    notices = []
    for provider_id, adverts in by_provider.items():
        provider = providers[provider_id]
        email_send(
            to=provider_email_addresses(provider, or_contact_address=False),
            subject="New adverts for personal assistants near you"
            if len(adverts) > 1
            else "A new advert for a personal assistant near you",
            template="adverts_new_matches",
            context={"provider": provider, "adverts": adverts},
        )
        notices += [AdvertMatchNotice(advert=advert, provider=provider, sent_at=now) for advert in adverts]
        summary.match_emails += 1
    AdvertMatchNotice.objects.bulk_create(notices, ignore_conflicts=True)
    Advert.objects.filter(pk__in=[advert.pk for advert in new_adverts]).update(matches_notified_at=now)
    summary.adverts_matched = len(new_adverts)
