"""Every write to agreements, timesheet entries and invoices.

Apps above this one (the budget ledger, online payments) record that an
invoice was paid through `mark_invoice_paid`, in their own transaction, and
post the money themselves.

Who may call what is the views' business (the rules in accounts/rules.py);
these functions check what the agreement itself allows: which version is
waiting, which side has accepted, what a timesheet entry's state permits.
Follow-up emails go to the outbox in the same transaction.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q, Sum
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.accounts.selectors import holder_email_addresses
from marketplace.adverts.models import AdvertApplication
from marketplace.core.errors import DomainError
from marketplace.core.notifications import email_send
from marketplace.engagement.models import Enquiry
from marketplace.providers.models import Provider, ServiceType
from marketplace.providers.selectors import provider_email_addresses

from .models import Agreement, AgreementVersion, Invoice, PoolMember, Side, TimesheetEntry, TimesheetMessage
from .money import amount_in_pence, bank_holiday_name, split_by_shares
from .selectors import agreement_settings

MAX_TEXT = 3000
MAX_RATE_PENCE = 100_000  # £1,000 an hour or session: far above any real rate, a guard against typing slips
MAX_UNITS_PER_WEEK = Decimal("168")
MAX_QUANTITY = Decimal("24")


class AgreementError(DomainError):
    """Something the agreement rules do not allow; the message is for people."""


@dataclass(frozen=True)
class AgreementTerms:
    """The terms of one version, as typed on the form (money already in pence)."""

    services: list[ServiceType]
    availability_mask: int
    unit: str
    units_per_week: Decimal
    rate_pence: int
    start_on: date
    employment: str
    notice_weeks: int = 4
    bank_holiday_rate_pence: int | None = None
    rate_includes: str = ""
    topup_pence: int = 0
    cancellation_terms: str = ""
    change_note: str = ""
    extra: dict[str, object] = field(default_factory=dict)


def default_employment(provider: Provider, *, advert_employment: str = "") -> str:
    """Who is the employer, to start the form with: either side may change it before accepting.

    A personal assistant is employed by the person (the person is the employer)
    unless the advert they answered asked for a self-employed one; any other
    kind of provider is an organisation.
    """
    if provider.kind == Provider.Kind.PERSONAL_ASSISTANT:
        if advert_employment == Agreement.Employment.SELF_EMPLOYED:
            return Agreement.Employment.SELF_EMPLOYED
        return Agreement.Employment.EMPLOYED
    return Agreement.Employment.ORGANISATION


def _check_terms(terms: AgreementTerms) -> None:
    if not terms.services:
        raise AgreementError("Choose the support the agreement covers.", field="services")
    if terms.availability_mask <= 0:
        raise AgreementError("Choose at least one time in the week.", field="slots")
    if terms.unit not in AgreementVersion.Unit.values:
        raise AgreementError("Choose per hour or per session.", field="unit")
    if not (Decimal("0.25") <= terms.units_per_week <= MAX_UNITS_PER_WEEK):
        raise AgreementError("Enter the hours or sessions a week, from 0.25 to 168.", field="units_per_week")
    if not (1 <= terms.rate_pence <= MAX_RATE_PENCE):
        raise AgreementError("Enter a rate between £0.01 and £1,000.", field="rate")
    if terms.bank_holiday_rate_pence is not None and not (
        terms.rate_pence <= terms.bank_holiday_rate_pence <= MAX_RATE_PENCE
    ):
        raise AgreementError(
            "The bank holiday rate must be at least the usual rate and at most £1,000.", field="bank_holiday_rate"
        )
    if not (0 <= terms.topup_pence <= terms.rate_pence):
        raise AgreementError("The part paid from the person's own money cannot be more than the rate.", field="topup")
    if terms.employment not in Agreement.Employment.values:
        raise AgreementError("Choose who is the employer.", field="employment")
    if not (0 <= terms.notice_weeks <= 52):
        raise AgreementError("Enter a notice period from 0 to 52 weeks.", field="notice_weeks")
    for name, value, limit in (
        ("rate_includes", terms.rate_includes, 300),
        ("cancellation_terms", terms.cancellation_terms, MAX_TEXT),
        ("change_note", terms.change_note, MAX_TEXT),
    ):
        if len(value) > limit:
            raise AgreementError(f"This must be {limit} characters or fewer.", field=name)


def _create_version(
    *, agreement: Agreement, number: int, terms: AgreementTerms, by: User, side: str, now: datetime
) -> AgreementVersion:
    version = AgreementVersion.objects.create(
        agreement=agreement,
        number=number,
        availability_mask=terms.availability_mask,
        unit=terms.unit,
        units_per_week=terms.units_per_week,
        rate_pence=terms.rate_pence,
        bank_holiday_rate_pence=terms.bank_holiday_rate_pence,
        rate_includes=terms.rate_includes.strip(),
        topup_pence=terms.topup_pence,
        start_on=terms.start_on,
        notice_weeks=terms.notice_weeks,
        cancellation_terms=terms.cancellation_terms.strip(),
        employment=terms.employment,
        change_note=terms.change_note.strip(),
        proposed_by=by,
        proposed_by_side=side,
        proposed_at=now,
        # Proposing is accepting: the side that wrote the terms has agreed to them.
        holder_accepted_at=now if side == Side.HOLDER else None,
        holder_accepted_by=by if side == Side.HOLDER else None,
        provider_accepted_at=now if side == Side.PROVIDER else None,
        provider_accepted_by=by if side == Side.PROVIDER else None,
    )
    version.services.set(terms.services)
    return version


# Emails -------------------------------------------------------------------------------------


def _tell_other_side(*, agreement: Agreement, from_side: str, what: str, subject: str, money: bool = False) -> None:
    """Email the other side that something about the agreement needs them; links only, no details in the email."""
    if from_side == Side.HOLDER:
        to = provider_email_addresses(agreement.provider, or_contact_address=False)
        path = reverse("agreements:provider_agreement", kwargs={"agreement_uuid": agreement.uuid})
    else:
        to = holder_email_addresses(agreement.holder, right="may_see_money" if money else "may_agree_support")
        path = reverse("agreements:agreement", kwargs={"agreement_uuid": agreement.uuid})
    email_send(to=to, subject=subject, template="agreements_needs_you", context={"what": what, "path": path})


# Agreements ---------------------------------------------------------------------------------


def _open_agreement_between(holder_id: int, provider_id: int) -> Agreement | None:
    return (
        Agreement.objects.filter(holder_id=holder_id, provider_id=provider_id, is_pooled=False)
        .exclude(status=Agreement.Status.ENDED)
        .first()
    )


@transaction.atomic
def agreement_propose(
    *,
    holder: DirectPaymentHolder,
    provider: Provider,
    by: User,
    side: str,
    terms: AgreementTerms,
    now: datetime,
    enquiry: Enquiry | None = None,
    advert_application: AdvertApplication | None = None,
) -> Agreement:
    """Propose an agreement; the proposing side has accepted it, the other side is asked to."""
    if side not in Side.values:
        raise AgreementError("Say which side is proposing.")
    if enquiry is not None and (enquiry.holder_id != holder.pk or enquiry.provider_id != provider.pk):
        raise AgreementError("That enquiry is between other people.")
    if advert_application is not None and (
        advert_application.advert.holder_id != holder.pk or advert_application.provider_id != provider.pk
    ):
        raise AgreementError("That application is between other people.")
    if enquiry is not None and advert_application is not None:
        raise AgreementError("An agreement comes from one enquiry or one application.")
    _check_terms(terms)
    DirectPaymentHolder.objects.select_for_update().get(pk=holder.pk)  # one open agreement per pair, even at once
    if _open_agreement_between(holder.pk, provider.pk) is not None:
        raise AgreementError(
            "There is already an agreement between them. Change that agreement instead of starting another."
        )
    agreement = Agreement.objects.create(
        holder=holder,
        provider=provider,
        enquiry=enquiry,
        advert_application=advert_application,
        status=Agreement.Status.PROPOSED,
        created_by=by,
        created_at=now,
    )
    _create_version(agreement=agreement, number=1, terms=terms, by=by, side=side, now=now)
    _tell_other_side(
        agreement=agreement,
        from_side=side,
        what="A support agreement has been proposed. Read it and accept it if it is right.",
        subject="A support agreement is waiting for you",
    )
    return agreement


def _lock(agreement: Agreement) -> Agreement:
    return Agreement.objects.select_for_update().select_related("holder").get(pk=agreement.pk)


def pending_version(agreement: Agreement) -> AgreementVersion | None:
    """The newest version not yet accepted by both and not withdrawn, if any."""
    return (
        agreement.versions.filter(withdrawn_at__isnull=True)
        .filter(Q(holder_accepted_at__isnull=True) | Q(provider_accepted_at__isnull=True))
        .order_by("-number")
        .first()
    )


@transaction.atomic
def agreement_accept(*, agreement: Agreement, version_number: int, by: User, side: str, now: datetime) -> Agreement:
    """One side accepts the waiting version; once both have, it is in force (the previous one until then).

    Locks the agreement, so two people accepting at once record one acceptance
    each side and the version comes into force once.
    """
    locked = _lock(agreement)
    if locked.status == Agreement.Status.ENDED:
        raise AgreementError("This agreement has ended.")
    version = pending_version(locked)
    if version is None or version.number != version_number:
        raise AgreementError("These terms were changed or already agreed. Read the latest version.")
    if side == Side.HOLDER:
        if version.holder_accepted_at is not None:
            raise AgreementError("The person's side has already accepted this version.")
        version.holder_accepted_at, version.holder_accepted_by = now, by
    elif side == Side.PROVIDER:
        if version.provider_accepted_at is not None:
            raise AgreementError("The provider has already accepted this version.")
        version.provider_accepted_at, version.provider_accepted_by = now, by
    else:
        raise AgreementError("Say which side is accepting.")
    version.save(update_fields=[f"{side}_accepted_at", f"{side}_accepted_by"])
    if version.is_accepted_by_both:
        locked.in_force = version
        locked.status = Agreement.Status.LIVE
        locked.save(update_fields=["in_force", "status"])
    _tell_other_side(
        agreement=locked,
        from_side=side,
        what=f"Version {version.number} of your support agreement was accepted"
        + (" by both sides and is now in force." if version.is_accepted_by_both else "."),
        subject="A support agreement was accepted",
    )
    return locked


@transaction.atomic
def agreement_change(
    *, agreement: Agreement, by: User, side: str, terms: AgreementTerms, now: datetime
) -> AgreementVersion:
    """Propose new terms: a new version both sides accept again; the version in force stays until they do.

    A change proposed while another was waiting replaces it (the older one is withdrawn).
    """
    locked = _lock(agreement)
    if locked.status == Agreement.Status.ENDED:
        raise AgreementError("This agreement has ended. Propose a new one instead.")
    if side not in Side.values:
        raise AgreementError("Say which side is proposing.")
    _check_terms(terms)
    if not terms.change_note.strip():
        raise AgreementError("Say what changed, so the other side can see it at a glance.", field="change_note")
    waiting = pending_version(locked)
    if waiting is not None:
        waiting.withdrawn_at = now
        waiting.save(update_fields=["withdrawn_at"])
    number = (locked.versions.aggregate(highest=Max("number"))["highest"] or 0) + 1
    version = _create_version(agreement=locked, number=number, terms=terms, by=by, side=side, now=now)
    _tell_other_side(
        agreement=locked,
        from_side=side,
        what="A change to your support agreement has been proposed. Until you accept it, the agreed terms stay.",
        subject="A change to a support agreement is waiting for you",
    )
    return version


def earliest_last_day(agreement: Agreement, *, today: date) -> date:
    """With the notice in the version in force: today plus the notice (a proposal never agreed ends today)."""
    if agreement.in_force is None:
        return today
    return today + timedelta(weeks=agreement.in_force.notice_weeks)


@transaction.atomic
def agreement_end(
    *,
    agreement: Agreement,
    by: User,
    side: str,
    reason: str,
    last_day: date,
    shorter_notice_agreed: bool = False,
    today: date,
    now: datetime,
) -> Agreement:
    """End the agreement: who, when, which side, why and the last day of support.

    The last day respects the notice in force unless both sides agreed a
    shorter one (`shorter_notice_agreed`, recorded with the reason). A
    proposal nobody accepted yet simply ends today.
    """
    locked = _lock(agreement)
    if locked.status == Agreement.Status.ENDED:
        raise AgreementError("This agreement has already ended.")
    if side not in Side.values:
        raise AgreementError("Say which side is ending the agreement.")
    reason = reason.strip()
    if not reason:
        raise AgreementError("Say why the agreement is ending.", field="reason")
    if len(reason) > MAX_TEXT:
        raise AgreementError(f"The reason must be {MAX_TEXT} characters or fewer.", field="reason")
    if last_day < today:
        raise AgreementError("The last day cannot be in the past.", field="last_day")
    earliest = earliest_last_day(locked, today=today)
    if last_day < earliest and not shorter_notice_agreed:
        raise AgreementError(
            f"With the notice agreed, the last day can be {earliest:%-d %B %Y} at the earliest, "
            "unless you have both agreed a shorter notice.",
            field="last_day",
        )
    if last_day > today + timedelta(days=366):
        raise AgreementError("The last day must be within a year.", field="last_day")
    if shorter_notice_agreed and last_day < earliest and locked.in_force is not None:
        notice = locked.in_force.notice_weeks
        reason = f"{reason}\n\nBoth sides agreed a shorter notice than the {notice} weeks in the agreement."
    waiting = pending_version(locked)
    if waiting is not None:
        waiting.withdrawn_at = now
        waiting.save(update_fields=["withdrawn_at"])
    locked.status = Agreement.Status.ENDED
    locked.ended_on = last_day if locked.in_force is not None else today
    locked.ended_at = now
    locked.ended_by = by
    locked.ended_by_side = side
    locked.end_reason = reason
    locked.save(update_fields=["status", "ended_on", "ended_at", "ended_by", "ended_by_side", "end_reason"])
    _tell_other_side(
        agreement=locked,
        from_side=side,
        what=f"Your support agreement is ending. The last day of support is {locked.ended_on:%-d %B %Y}.",
        subject="A support agreement is ending",
    )
    return locked


# Timesheets ---------------------------------------------------------------------------------


def version_on(agreement: Agreement, day: date) -> AgreementVersion | None:
    """The terms both sides had accepted that apply on `day`: the newest accepted version starting by then."""
    return (
        agreement.versions.filter(holder_accepted_at__isnull=False, provider_accepted_at__isnull=False)
        .filter(start_on__lte=day)
        .order_by("-number")
        .first()
    )


@transaction.atomic
def timesheet_record(
    *, agreement: Agreement, by: User, worked_on: date, quantity: Decimal, note: str = "", today: date, now: datetime
) -> TimesheetEntry:
    """The provider records what was delivered on a day; the amount is worked out once, rounded half up."""
    locked = _lock(agreement)
    if locked.in_force is None:
        raise AgreementError("Both sides must accept the agreement before anything is recorded against it.")
    if worked_on > today:
        raise AgreementError("You can only record support already given.", field="worked_on")
    if locked.ended_on is not None and worked_on > locked.ended_on:
        raise AgreementError(f"The agreement ended on {locked.ended_on:%-d %B %Y}.", field="worked_on")
    if worked_on < today - timedelta(days=366):
        raise AgreementError("Record support within a year of giving it.", field="worked_on")
    version = version_on(locked, worked_on)
    if version is None:
        raise AgreementError("The agreement had not started on that day.", field="worked_on")
    if not (Decimal("0.25") <= quantity <= MAX_QUANTITY) or quantity != quantity.quantize(Decimal("0.01")):
        raise AgreementError("Enter the hours or sessions, from 0.25 to 24, like 3.5.", field="quantity")
    note = note.strip()
    if len(note) > 1000:
        raise AgreementError("The note must be 1000 characters or fewer.", field="note")
    is_bank_holiday = bank_holiday_name(worked_on) is not None
    rate = (
        version.bank_holiday_rate_pence if is_bank_holiday and version.bank_holiday_rate_pence else version.rate_pence
    )
    amount = amount_in_pence(quantity, rate)
    own_money = min(amount_in_pence(quantity, version.topup_pence), amount)
    entry = TimesheetEntry.objects.create(
        agreement=locked,
        version=version,
        worked_on=worked_on,
        quantity=quantity,
        is_bank_holiday=is_bank_holiday,
        rate_pence=rate,
        amount_pence=amount,
        own_money_pence=own_money,
        note=note,
        submitted_by=by,
        submitted_at=now,
        decide_by=today + timedelta(days=agreement_settings().days_to_approve),
    )
    return entry


def timesheet_tell_holder(*, agreement: Agreement, count: int) -> None:
    """One email for the entries recorded in one go, to whoever approves them."""
    if count:
        _tell_other_side(
            agreement=agreement,
            from_side=Side.PROVIDER,
            what=f"{count} timesheet entr{'y' if count == 1 else 'ies'} to approve or query.",
            subject="A timesheet is waiting for you",
            money=True,
        )


def _lock_entry(entry: TimesheetEntry) -> TimesheetEntry:
    return TimesheetEntry.objects.select_for_update().select_related("agreement", "agreement__holder").get(pk=entry.pk)


@transaction.atomic
def timesheet_approve(*, entry: TimesheetEntry, by: User, now: datetime) -> TimesheetEntry:
    """The person (or whoever holds the money right) approves an entry waiting or queried."""
    locked = _lock_entry(entry)
    if locked.status not in (TimesheetEntry.Status.SUBMITTED, TimesheetEntry.Status.QUERIED):
        raise AgreementError(f"This entry is {locked.get_status_display().lower()} already.")
    locked.status = TimesheetEntry.Status.APPROVED
    locked.decided_at, locked.decided_by = now, by
    locked.save(update_fields=["status", "decided_at", "decided_by"])
    return locked


def _message(*, entry: TimesheetEntry, side: str, by: User, body: str, now: datetime) -> TimesheetMessage:
    body = body.strip()
    if not body:
        raise AgreementError("Enter a message.", field="body")
    if len(body) > MAX_TEXT:
        raise AgreementError(f"The message must be {MAX_TEXT} characters or fewer.", field="body")
    holder = entry.agreement.holder
    on_behalf_of = holder if side == Side.HOLDER and holder.user_id != by.pk else None
    return TimesheetMessage.objects.create(
        entry=entry, side=side, sent_by=by, on_behalf_of=on_behalf_of, body=body, sent_at=now
    )


@transaction.atomic
def timesheet_query(*, entry: TimesheetEntry, by: User, body: str, now: datetime) -> TimesheetEntry:
    """Question an entry instead of approving it: opens a thread the provider answers."""
    locked = _lock_entry(entry)
    if locked.status != TimesheetEntry.Status.SUBMITTED:
        raise AgreementError(
            f"Only an entry waiting for approval can be queried; this one is {locked.get_status_display().lower()}."
        )
    _message(entry=locked, side=Side.HOLDER, by=by, body=body, now=now)
    locked.status = TimesheetEntry.Status.QUERIED
    locked.save(update_fields=["status"])
    _tell_other_side(
        agreement=locked.agreement,
        from_side=Side.HOLDER,
        what=f"A timesheet entry for {locked.worked_on:%-d %B %Y} was queried. Answer or correct it.",
        subject="A timesheet entry was queried",
    )
    return locked


@transaction.atomic
def timesheet_reply(*, entry: TimesheetEntry, by: User, side: str, body: str, now: datetime) -> TimesheetMessage:
    """A message in a queried entry's thread, from either side."""
    locked = _lock_entry(entry)
    if locked.status != TimesheetEntry.Status.QUERIED:
        raise AgreementError("Only a queried entry has a conversation.")
    if side not in Side.values:
        raise AgreementError("Say which side is writing.")
    message = _message(entry=locked, side=side, by=by, body=body, now=now)
    _tell_other_side(
        agreement=locked.agreement,
        from_side=side,
        what=f"There is a new message about the timesheet entry for {locked.worked_on:%-d %B %Y}.",
        subject="A new message about a timesheet entry",
        money=True,
    )
    return message


@transaction.atomic
def timesheet_correct(
    *, entry: TimesheetEntry, by: User, worked_on: date, quantity: Decimal, note: str, today: date, now: datetime
) -> TimesheetEntry:
    """The provider corrects an entry not yet approved: the old one is withdrawn and a new one recorded."""
    locked = _lock_entry(entry)
    if locked.status not in (TimesheetEntry.Status.SUBMITTED, TimesheetEntry.Status.QUERIED):
        raise AgreementError("Only an entry not yet approved can be corrected.")
    was_queried = locked.status == TimesheetEntry.Status.QUERIED
    locked.status = TimesheetEntry.Status.WITHDRAWN
    locked.save(update_fields=["status"])
    replacement = timesheet_record(
        agreement=locked.agreement, by=by, worked_on=worked_on, quantity=quantity, note=note, today=today, now=now
    )
    if was_queried:
        _message(
            entry=locked,
            side=Side.PROVIDER,
            by=by,
            body=f"Corrected: {replacement.quantity} on {replacement.worked_on:%-d %B %Y} replaces this entry.",
            now=now,
        )
    timesheet_tell_holder(agreement=locked.agreement, count=1)
    return replacement


@transaction.atomic
def timesheet_withdraw(*, entry: TimesheetEntry, by: User, now: datetime) -> TimesheetEntry:
    locked = _lock_entry(entry)
    if locked.status not in (TimesheetEntry.Status.SUBMITTED, TimesheetEntry.Status.QUERIED):
        raise AgreementError("Only an entry not yet approved can be withdrawn.")
    locked.status = TimesheetEntry.Status.WITHDRAWN
    locked.save(update_fields=["status"])
    return locked


@transaction.atomic
def timesheets_approve_overdue(*, today: date, now: datetime) -> int:
    """Approve every entry still waiting after its decide-by day. Idempotent: run it any day, as often as you like.

    A queried entry is never approved automatically: someone is waiting for an answer.
    """
    overdue = TimesheetEntry.objects.select_for_update().filter(
        status=TimesheetEntry.Status.SUBMITTED, decide_by__lt=today
    )
    return overdue.update(
        status=TimesheetEntry.Status.APPROVED, decided_at=now, decided_by=None, approved_automatically=True
    )


# Invoices -----------------------------------------------------------------------------------


def _invoice_number(provider: Provider) -> str:
    """The provider's next number; the caller holds the lock on the provider row."""
    sequence = Invoice.objects.filter(provider=provider).count() + 1
    return f"INV-{provider.pk}-{sequence:04d}"


def _entries_to_invoice(agreement: Agreement, up_to: date) -> list[TimesheetEntry]:
    # `of=self`: PostgreSQL locks no row on the nullable side of the outer join to the shares.
    return list(
        TimesheetEntry.objects.select_for_update(of=("self",))
        .filter(
            agreement=agreement,
            status=TimesheetEntry.Status.APPROVED,
            invoice__isnull=True,
            share_invoices__isnull=True,
            worked_on__lte=up_to,
        )
        .order_by("worked_on", "pk")
    )


@transaction.atomic
def invoice_issue(*, agreement: Agreement, by: User | None, up_to: date, today: date, now: datetime) -> Invoice:
    """Gather the agreement's approved entries not yet invoiced, worked up to `up_to`, into a payable invoice.

    The number is the provider's own sequence (INV-<provider>-<n>), taken under
    a lock on the provider, so two invoices issued at once get different numbers.
    A pooled agreement makes one invoice per member: use `invoices_issue`.
    """
    if agreement.pool_members.exists():
        raise AgreementError("This agreement is shared: each person gets an invoice for their own share.")
    return _individual_invoice(agreement=agreement, by=by, up_to=up_to, today=today, now=now)


def _individual_invoice(*, agreement: Agreement, by: User | None, up_to: date, today: date, now: datetime) -> Invoice:
    if up_to > today:
        raise AgreementError("Invoice only for support already given.", field="up_to")
    provider = Provider.objects.select_for_update().get(pk=agreement.provider_id)
    entries = _entries_to_invoice(agreement, up_to)
    if not entries:
        raise AgreementError("There are no approved entries to invoice up to that date.", field="up_to")
    total = sum(entry.amount_pence for entry in entries)
    own_money = sum(entry.own_money_pence for entry in entries)
    invoice = Invoice.objects.create(
        number=_invoice_number(provider),
        agreement=agreement,
        holder_id=agreement.holder_id,
        provider=provider,
        total_pence=total,
        council_pence=total - own_money,
        own_money_pence=own_money,
        period_start=entries[0].worked_on,
        period_end=entries[-1].worked_on,
        issued_at=now,
        issued_by=by,
        due_on=today + timedelta(days=agreement_settings().invoice_due_days),
    )
    TimesheetEntry.objects.filter(pk__in=[entry.pk for entry in entries]).update(invoice=invoice)
    _tell_other_side(
        agreement=agreement,
        from_side=Side.PROVIDER,
        what=f"Invoice {invoice.number} is ready to pay by {invoice.due_on:%-d %B %Y}.",
        subject="An invoice for your support",
        money=True,
    )
    return invoice


@dataclass
class PoolShare:
    """One member's share of the entries invoiced in one go: the council part and own-money part, in pence."""

    member: PoolMember
    council_pence: int = 0
    own_money_pence: int = 0
    entries: list[TimesheetEntry] = field(default_factory=list)

    @property
    def total_pence(self) -> int:
        return self.council_pence + self.own_money_pence


def pool_shares(entries: list[TimesheetEntry], members: list[PoolMember]) -> list[PoolShare]:
    """Split entries between the members sharing on each entry's day, without losing or inventing a penny.

    Entries are grouped by who shared on their day (membership changes when
    someone joins or leaves); each group's council part and own-money part
    are split by the members' parts with `split_by_shares`, separately, so
    each part and the whole add up exactly and no share's own-money part
    comes from someone else's council money. Members with nothing to pay
    are left out.
    """
    shares = {member.pk: PoolShare(member=member) for member in members}
    groups: dict[tuple[int, ...], list[TimesheetEntry]] = {}
    for entry in entries:
        sharing = tuple(member.pk for member in members if member.shares_on(entry.worked_on))
        if not sharing:
            raise AgreementError(f"Nobody shared the support given on {entry.worked_on:%-d %B %Y}.", field="up_to")
        groups.setdefault(sharing, []).append(entry)
    for sharing, grouped in groups.items():
        parts = [shares[pk].member.share_parts for pk in sharing]
        own_money = sum(entry.own_money_pence for entry in grouped)
        council = sum(entry.amount_pence for entry in grouped) - own_money
        for pk, council_piece, own_piece in zip(
            sharing, split_by_shares(council, parts), split_by_shares(own_money, parts), strict=True
        ):
            shares[pk].council_pence += council_piece
            shares[pk].own_money_pence += own_piece
            shares[pk].entries.extend(grouped)
    return [share for share in shares.values() if share.total_pence > 0]


@transaction.atomic
def invoices_issue(*, agreement: Agreement, by: User | None, up_to: date, today: date, now: datetime) -> list[Invoice]:
    """Invoice the approved entries up to `up_to`: one invoice, or for a pooled agreement one per member's share.

    A pooled period's invoices share one `transfer_group`
    (`pool-<agreement uuid>-<n>`, n counting the agreement's pooled periods),
    which online payments use to charge each share separately and transfer
    it to the provider. When only one person shared the support invoiced,
    theirs is an ordinary invoice with no transfer group.
    """
    members = list(
        PoolMember.objects.filter(
            agreement=agreement, status__in=[PoolMember.Status.JOINED, PoolMember.Status.LEFT]
        ).select_related("holder")
    )
    if not members:
        return [_individual_invoice(agreement=agreement, by=by, up_to=up_to, today=today, now=now)]
    if up_to > today:
        raise AgreementError("Invoice only for support already given.", field="up_to")
    provider = Provider.objects.select_for_update().get(pk=agreement.provider_id)
    entries = _entries_to_invoice(agreement, up_to)
    if not entries:
        raise AgreementError("There are no approved entries to invoice up to that date.", field="up_to")
    shares = pool_shares(entries, members)
    transfer_group = ""
    if len(shares) > 1:
        periods = Invoice.objects.filter(agreement=agreement).exclude(transfer_group="").values("transfer_group")
        transfer_group = f"pool-{agreement.uuid}-{periods.distinct().count() + 1}"
    due_on = today + timedelta(days=agreement_settings().invoice_due_days)
    invoices = []
    for share in shares:
        covered = sorted({entry.pk: entry for entry in share.entries}.values(), key=lambda e: (e.worked_on, e.pk))
        invoice = Invoice.objects.create(
            number=_invoice_number(provider),
            agreement=agreement,
            holder_id=share.member.holder_id,
            provider=provider,
            total_pence=share.total_pence,
            council_pence=share.council_pence,
            own_money_pence=share.own_money_pence,
            period_start=covered[0].worked_on,
            period_end=covered[-1].worked_on,
            issued_at=now,
            issued_by=by,
            due_on=due_on,
            transfer_group=transfer_group,
        )
        invoice.shared_entries.set(covered)
        invoices.append(invoice)
        email_send(
            to=holder_email_addresses(share.member.holder, right="may_see_money"),
            subject="An invoice for your share of shared support",
            template="agreements_needs_you",
            context={
                "what": f"Invoice {invoice.number} for your share is ready to pay by {due_on:%-d %B %Y}.",
                "path": reverse("agreements:agreement", kwargs={"agreement_uuid": agreement.uuid}),
            },
        )
    return invoices


def invoice_totals_check(invoice: Invoice) -> bool:
    """Whether an invoice's total equals its entries' amounts (for tests and the budget app's audits).

    A pooled share is one part of its entries; its period's shares together equal them.
    """
    if invoice.transfer_group:
        period = Invoice.objects.filter(transfer_group=invoice.transfer_group)
        shared = TimesheetEntry.objects.filter(share_invoices__in=period).distinct()
        return bool(
            (period.aggregate(total=Sum("total_pence"))["total"] or 0)
            == (shared.aggregate(total=Sum("amount_pence"))["total"] or 0)
        )
    summed = invoice.entries.aggregate(total=Sum("amount_pence"))["total"] or 0
    return bool(summed == invoice.total_pence)


@transaction.atomic
def mark_invoice_paid(
    *, invoice: Invoice, by: User | None, route: str, reference: str, paid_on: date, now: datetime
) -> Invoice:
    """Record that a payable invoice was paid, by which route and with what reference.

    Locks the invoice row, so two people recording the same payment at once
    record it once: the second gets an AgreementError.
    """
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status == Invoice.Status.PAID:
        raise AgreementError(f"Invoice {locked.number} is already paid.")
    if locked.status != Invoice.Status.PAYABLE:
        raise AgreementError(f"Invoice {locked.number} was cancelled and cannot be paid.")
    if route not in Invoice.Route.values:
        raise AgreementError("Choose how the invoice was paid.", field="route")
    if paid_on < timezone.localdate(locked.issued_at):
        raise AgreementError("The payment date must be on or after the day the invoice was issued.", field="paid_on")
    locked.status = Invoice.Status.PAID
    locked.paid_route = route
    locked.paid_reference = reference.strip()
    locked.paid_on = paid_on
    locked.paid_at = now
    locked.paid_by = by
    locked.save(update_fields=["status", "paid_route", "paid_reference", "paid_on", "paid_at", "paid_by"])
    return locked
