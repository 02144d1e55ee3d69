"""Every write about shortlists, enquiries, messages, reports and blocks.

Keyword-only, atomic, validated before saving; refusals raise EngagementError
with a message for people (and the form field it belongs to, when there is
one). Callers check permissions with the rules in accounts/rules.py; these
functions check what the records themselves allow (published listings,
blocks, rate limits). Emails say only that a message waits, with a link:
never the message or anything about the person's health.
"""

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.accounts.selectors import commissioner_email_addresses, holder_email_addresses
from marketplace.core.errors import DomainError
from marketplace.core.notifications import email_send
from marketplace.providers.availability import FULL_WEEK
from marketplace.providers.models import Provider, ServiceType
from marketplace.providers.selectors import provider_email_addresses

from .models import MESSAGE_MAX_LENGTH, NOTE_MAX_LENGTH, Block, Enquiry, Message, MessageReport, ShortlistEntry

MAX_PROVIDERS_PER_ENQUIRY = 5
# Rate limits: generous for a person arranging support, tight enough to stop a flood.
ENQUIRIES_PER_HOLDER_PER_DAY = 15
MESSAGES_PER_PERSON_PER_MINUTE = 5
MAX_HOURS_PER_WEEK = 100
MAX_RATE_PENCE = 100_00
LATEST_START_DAYS = 366
MAX_SHORTLIST = 50


class EngagementError(DomainError):
    """A shortlist, enquiry or message change the rules do not allow; the message is for people.

    `field` names the form field the message belongs to, when there is one.
    """


def _moment(now: datetime | None) -> datetime:
    return now or timezone.now()


# Shortlists ---------------------------------------------------------------------------


@transaction.atomic
def shortlist_add(
    *, holder: DirectPaymentHolder, provider: Provider, by: User | None, now: datetime | None = None
) -> ShortlistEntry:
    """Put a published listing on the holder's shortlist (nothing changes if it is there already)."""
    if not provider.is_published:
        raise EngagementError("You can only shortlist listings that are published")
    existing = ShortlistEntry.objects.filter(holder=holder, provider=provider).first()
    if existing is not None:
        return existing
    if ShortlistEntry.objects.filter(holder=holder).count() >= MAX_SHORTLIST:
        raise EngagementError(f"A shortlist can hold {MAX_SHORTLIST} providers. Remove one to add another.")
    return ShortlistEntry.objects.create(holder=holder, provider=provider, added_by=by, added_at=_moment(now))


@transaction.atomic
def shortlist_remove(*, holder: DirectPaymentHolder, provider: Provider) -> bool:
    """Take a listing off the shortlist, with its note. True if it was there."""
    deleted, _ = ShortlistEntry.objects.filter(holder=holder, provider=provider).delete()
    return bool(deleted)


@transaction.atomic
def shortlist_note_save(
    *, entry: ShortlistEntry, note: str, by: User | None, now: datetime | None = None
) -> ShortlistEntry:
    """Keep a private note on a shortlisted listing (seen by the holder and those acting for them only)."""
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise EngagementError(f"The note must be {NOTE_MAX_LENGTH} characters or fewer", field="note")
    entry.note = note
    entry.note_changed_by = by
    entry.note_changed_at = _moment(now)
    entry.save(update_fields=["note", "note_changed_by", "note_changed_at"])
    return entry


@transaction.atomic
def shortlist_save_from_session(
    *, holder: DirectPaymentHolder, provider_uuids: Iterable[str], by: User | None, now: datetime | None = None
) -> int:
    """Save a shortlist kept while signed out to the holder's. Unknown or unpublished listings are skipped."""
    wanted = []
    for value in list(provider_uuids)[:MAX_SHORTLIST]:
        try:
            wanted.append(uuid.UUID(str(value)))
        except ValueError:
            continue  # a session holds what the site put there, but a session store can be tampered with
    providers = Provider.objects.published().filter(uuid__in=wanted)
    added = 0
    for provider in providers:
        try:
            before = ShortlistEntry.objects.filter(holder=holder, provider=provider).exists()
            shortlist_add(holder=holder, provider=provider, by=by, now=now)
        except EngagementError:
            break  # the shortlist is full
        added += 0 if before else 1
    return added


# Enquiries and messages ----------------------------------------------------------------


def _is_blocked(holder_id: int, provider_id: int) -> bool:
    return Block.objects.filter(holder_id=holder_id, provider_id=provider_id).exists()


def _refuse_if_sending_too_fast(by: User | None, moment: datetime) -> None:
    if by is None:
        return
    recent = Message.objects.filter(sent_by=by, sent_at__gt=moment - timedelta(minutes=1)).count()
    if recent >= MESSAGES_PER_PERSON_PER_MINUTE:
        raise EngagementError(
            f"You have sent {MESSAGES_PER_PERSON_PER_MINUTE} messages in the last minute. "
            "Wait a minute, then send this one: what you wrote is kept below."
        )


def _notify(enquiry: Enquiry, *, to_side: str) -> None:
    """Tell the other side a message waits, with a link; never the message itself."""
    if to_side == Message.Side.PROVIDER:
        recipients = provider_email_addresses(enquiry.provider, or_contact_address=False)
        path = reverse("engagement:provider_enquiry", kwargs={"enquiry_uuid": enquiry.uuid})
    else:
        recipients = holder_email_addresses(enquiry.holder, right="may_message")
        path = reverse("engagement:enquiry", kwargs={"enquiry_uuid": enquiry.uuid})
    email_send(
        to=recipients,
        subject="You have a new message about care and support",
        template="engagement_message_waiting",
        context={"path": path, "to_provider": to_side == Message.Side.PROVIDER},
    )


def _clean_message(body: str, *, required: bool = True, field: str = "message") -> str:
    body = body.strip()
    if required and not body:
        raise EngagementError("Enter a message", field=field)
    if len(body) > MESSAGE_MAX_LENGTH:
        raise EngagementError(f"The message must be {MESSAGE_MAX_LENGTH} characters or fewer", field=field)
    return body


def _on_behalf_of(holder: DirectPaymentHolder, by: User | None) -> DirectPaymentHolder | None:
    """The holder, when someone other than the holder writes for them."""
    if by is not None and holder.user_id == by.pk:
        return None
    return holder


@transaction.atomic
def enquiry_send(
    *,
    holder: DirectPaymentHolder,
    providers: Sequence[Provider],
    by: User | None,
    service: ServiceType,
    availability_mask: int,
    hours_per_week: int,
    start_on: date,
    rate_pence: int,
    message: str,
    now: datetime | None = None,
    today: date | None = None,
) -> list[Enquiry]:
    """Send one structured enquiry to each of up to five published providers; each gets its own conversation."""
    moment = _moment(now)
    day = today or timezone.localdate(moment)
    chosen = list({provider.pk: provider for provider in providers}.values())
    if not chosen:
        raise EngagementError("Choose at least one provider to send your enquiry to", field="providers")
    if len(chosen) > MAX_PROVIDERS_PER_ENQUIRY:
        raise EngagementError(
            f"You can send an enquiry to up to {MAX_PROVIDERS_PER_ENQUIRY} providers at once", field="providers"
        )
    unpublished = [provider.name for provider in chosen if not provider.is_published]
    if unpublished:
        raise EngagementError(f"{unpublished[0]} is not taking enquiries through this site", field="providers")
    blocked = [provider.name for provider in chosen if _is_blocked(holder.pk, provider.pk)]
    if blocked:
        raise EngagementError(f"You cannot send an enquiry to {blocked[0]}", field="providers")
    if not 0 < availability_mask <= FULL_WEEK:
        raise EngagementError("Choose the days and the parts of the day you need support", field="days")
    if not 1 <= hours_per_week <= MAX_HOURS_PER_WEEK:
        raise EngagementError(f"Hours a week must be between 1 and {MAX_HOURS_PER_WEEK}", field="hours_per_week")
    if start_on < day:
        raise EngagementError("The start date must be today or in the future", field="start_on")
    if start_on > day + timedelta(days=LATEST_START_DAYS):
        raise EngagementError("The start date must be within the next year", field="start_on")
    if not 0 < rate_pence <= MAX_RATE_PENCE:
        raise EngagementError("The hourly rate must be more than £0 and no more than £100", field="rate")
    body = _clean_message(message)
    sent_today = Enquiry.objects.filter(holder=holder, created_at__gt=moment - timedelta(days=1)).count()
    if sent_today + len(chosen) > ENQUIRIES_PER_HOLDER_PER_DAY:
        left = max(0, ENQUIRIES_PER_HOLDER_PER_DAY - sent_today)
        raise EngagementError(
            f"You can send {ENQUIRIES_PER_HOLDER_PER_DAY} enquiries a day. "
            f"You can send {left} more today; choose fewer providers or try again tomorrow."
        )
    _refuse_if_sending_too_fast(by, moment)
    together = uuid.uuid4()
    enquiries = []
    for provider in chosen:
        enquiry = Enquiry.objects.create(
            sent_together=together,
            holder=holder,
            provider=provider,
            sent_by=by,
            service=service,
            availability_mask=availability_mask,
            hours_per_week=hours_per_week,
            start_on=start_on,
            rate_pence=rate_pence,
            created_at=moment,
            last_message_at=moment,
            last_message_side=Message.Side.HOLDER,
            holder_read_at=moment,
        )
        Message.objects.create(
            enquiry=enquiry,
            side=Message.Side.HOLDER,
            kind=Message.Kind.ENQUIRY,
            sent_by=by,
            on_behalf_of=_on_behalf_of(holder, by),
            body=body,
            sent_at=moment,
        )
        _notify(enquiry, to_side=Message.Side.PROVIDER)
        enquiries.append(enquiry)
    return enquiries


def _record_message(
    enquiry: Enquiry, *, side: str, kind: str, by: User | None, body: str, moment: datetime
) -> Message:
    message = Message.objects.create(
        enquiry=enquiry,
        side=side,
        kind=kind,
        sent_by=by,
        on_behalf_of=_on_behalf_of(enquiry.holder, by) if side == Message.Side.HOLDER else None,
        body=body,
        sent_at=moment,
    )
    enquiry.last_message_at = moment
    enquiry.last_message_side = side
    read_field = "holder_read_at" if side == Message.Side.HOLDER else "provider_read_at"
    setattr(enquiry, read_field, moment)
    enquiry.save(update_fields=["last_message_at", "last_message_side", read_field])
    other = Message.Side.PROVIDER if side == Message.Side.HOLDER else Message.Side.HOLDER
    _notify(enquiry, to_side=other)
    return message


@transaction.atomic
def message_send(*, enquiry: Enquiry, side: str, by: User | None, body: str, now: datetime | None = None) -> Message:
    """Add a message to the conversation from the holder's side or the provider's."""
    moment = _moment(now)
    if side not in Message.Side.values:
        raise EngagementError("Messages come from the person or the provider")
    text = _clean_message(body)
    if _is_blocked(enquiry.holder_id, enquiry.provider_id):
        raise EngagementError("You cannot send messages in this conversation any more: one of you has blocked it")
    _refuse_if_sending_too_fast(by, moment)
    enquiry = Enquiry.objects.select_for_update().select_related("holder").get(pk=enquiry.pk)
    return _record_message(enquiry, side=side, kind=Message.Kind.MESSAGE, by=by, body=text, moment=moment)


ACCEPT = "accept"
DECLINE = "decline"


@transaction.atomic
def enquiry_respond(
    *, enquiry: Enquiry, by: User | None, decision: str, message: str, now: datetime | None = None
) -> Enquiry:
    """The provider says whether they can help. Declining needs a reason, which the person reads."""
    moment = _moment(now)
    enquiry = Enquiry.objects.select_for_update().select_related("holder").get(pk=enquiry.pk)
    if enquiry.status != Enquiry.Status.OPEN:
        raise EngagementError("You have already answered this enquiry")
    if decision not in (ACCEPT, DECLINE):
        raise EngagementError("Choose whether you can help", field="decision")
    text = _clean_message(message, required=False, field="message")
    if decision == DECLINE and not text:
        raise EngagementError("Give the reason you cannot help", field="message")
    if _is_blocked(enquiry.holder_id, enquiry.provider_id):
        raise EngagementError("You cannot answer this enquiry any more: one of you has blocked the conversation")
    enquiry.status = Enquiry.Status.ACCEPTED if decision == ACCEPT else Enquiry.Status.DECLINED
    enquiry.decided_by = by
    enquiry.decided_at = moment
    enquiry.decline_reason = text if decision == DECLINE else ""
    enquiry.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
    kind = Message.Kind.ACCEPTED if decision == ACCEPT else Message.Kind.DECLINED
    _record_message(enquiry, side=Message.Side.PROVIDER, kind=kind, by=by, body=text, moment=moment)
    return enquiry


@transaction.atomic
def enquiry_share_contact(
    *, enquiry: Enquiry, by: User, name: str, email: str, phone: str, now: datetime | None = None
) -> Enquiry:
    """The person chooses to give this provider a name, email address and phone number to contact them on."""
    moment = _moment(now)
    name, email, phone = name.strip(), email.strip().lower(), phone.strip()
    if not name:
        raise EngagementError("Enter the name the provider should ask for", field="name")
    if not email and not phone:
        raise EngagementError("Enter an email address or a phone number", field="email")
    if _is_blocked(enquiry.holder_id, enquiry.provider_id):
        raise EngagementError("You cannot share your details in this conversation: it has been blocked")
    enquiry = Enquiry.objects.select_for_update().select_related("holder").get(pk=enquiry.pk)
    enquiry.contact_name, enquiry.contact_email, enquiry.contact_phone = name[:200], email[:254], phone[:32]
    enquiry.contact_shared_at = moment
    enquiry.contact_shared_by = by
    enquiry.save(
        update_fields=["contact_name", "contact_email", "contact_phone", "contact_shared_at", "contact_shared_by"]
    )
    _record_message(enquiry, side=Message.Side.HOLDER, kind=Message.Kind.CONTACT_SHARED, by=by, body="", moment=moment)
    return enquiry


@transaction.atomic
def enquiry_mark_read(*, enquiry: Enquiry, side: str, now: datetime | None = None) -> None:
    """Record that `side` has opened the conversation, so it no longer shows as new."""
    field = "holder_read_at" if side == Message.Side.HOLDER else "provider_read_at"
    Enquiry.objects.filter(pk=enquiry.pk).update(**{field: _moment(now)})


# Reports and blocks --------------------------------------------------------------------


@transaction.atomic
def message_report(
    *, message: Message, by: User | None, side: str, reason: str, block: bool, now: datetime | None = None
) -> MessageReport:
    """Report a message from the other side to the commissioners' safeguarding queue, and block them if asked."""
    moment = _moment(now)
    if side not in Message.Side.values:
        raise EngagementError("Reports come from the person or the provider")
    if message.side == side:
        raise EngagementError("You can only report messages the other side sent you")
    reason = reason.strip()
    if not reason:
        raise EngagementError("Tell us what is wrong with this message", field="reason")
    if len(reason) > MESSAGE_MAX_LENGTH:
        raise EngagementError(f"What is wrong must be {MESSAGE_MAX_LENGTH} characters or fewer", field="reason")
    report = MessageReport.objects.create(
        message=message, reported_by=by, reporter_side=side, reason=reason, blocked=block, reported_at=moment
    )
    if block:
        enquiry = message.enquiry
        Block.objects.get_or_create(
            holder_id=enquiry.holder_id,
            provider_id=enquiry.provider_id,
            blocked_by_side=side,
            defaults={"by": by, "at": moment, "report": report},
        )
    email_send(
        to=commissioner_email_addresses(),
        subject="A message has been reported for safeguarding review",
        template="engagement_message_reported",
        context={"path": reverse("engagement_reports:edit", args=[report.pk])},
    )
    return report


@transaction.atomic
def report_review(*, report: MessageReport, by: User | None, notes: str, now: datetime | None = None) -> MessageReport:
    """A commissioner records what they did about a reported message; once only."""
    report = MessageReport.objects.select_for_update().get(pk=report.pk)
    if report.status != MessageReport.Status.OPEN:
        raise EngagementError("This report has already been reviewed")
    notes = notes.strip()
    if not notes:
        raise EngagementError("Say what you found and what you did", field="notes")
    report.status = MessageReport.Status.REVIEWED
    report.reviewed_by = by
    report.reviewed_at = _moment(now)
    report.review_notes = notes
    report.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_notes"])
    return report
