"""Back-up plans, absences, and telling people once when their provider cannot come.

Every write is here and raises BackupError with words for people. Three
events make a provider unable to come:

- an absence its team marks (`absence_mark`), told at once;
- a contingency flag at "failing" or "failed" (marketplace.contingency, the
  layer above, calls `cannot_come_tell` and `cannot_come_clear`);
- an accreditation lapse, found by the daily `cannot_come_sweep(today=)`.

Each event makes one `CannotCome` per live agreement with the provider (a
unique event key), so the holder and everyone acting for them are emailed
once per event however often the callers run.
"""

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.accounts.selectors import holder_email_addresses
from marketplace.accreditation.models import Accreditation, AccreditationDecision
from marketplace.agreements.models import Agreement
from marketplace.core.errors import DomainError
from marketplace.core.notifications import email_send
from marketplace.engagement.models import ShortlistEntry
from marketplace.providers.models import Provider

from .models import MAX_BACKUPS, REASON_MAX_LENGTH, Absence, BackupChoice, CannotCome

# How far ahead a provider can mark an absence.
ABSENCE_MAX_DAYS_AHEAD = 366
ABSENCE_MAX_LENGTH_DAYS = 366


class BackupError(DomainError):
    """A back-up plan or absence that cannot be saved, with a message a person can read."""


# Back-up plans -----------------------------------------------------------------------


@transaction.atomic
def backup_plan_set(
    *, agreement: Agreement, providers: list[Provider], by: User, now: datetime | None = None
) -> list[BackupChoice]:
    """Name the agreement's back-up providers, in order, from the holder's shortlist; replaces the previous choice."""
    if not by.has_perm("backups.manage_plan", agreement.holder):
        raise BackupError("You cannot change this person's back-up plan.")
    if agreement.status != Agreement.Status.LIVE:
        raise BackupError("You can only plan back-ups for support that is agreed and not ended.")
    if len(providers) > MAX_BACKUPS:
        raise BackupError(f"Choose up to {MAX_BACKUPS} back-up providers.")
    wanted = list(dict.fromkeys(provider.pk for provider in providers))
    if agreement.provider_id in wanted:
        raise BackupError(f"{agreement.provider.name} cannot be their own back-up.")
    shortlisted = set(
        ShortlistEntry.objects.filter(holder=agreement.holder, provider_id__in=wanted).values_list(
            "provider_id", flat=True
        )
    )
    if set(wanted) - shortlisted:
        raise BackupError("Choose back-ups from the shortlist.")
    moment = now or timezone.now()
    BackupChoice.objects.filter(agreement=agreement).delete()
    return BackupChoice.objects.bulk_create(
        [
            BackupChoice(
                agreement=agreement, provider_id=provider_id, position=position, chosen_by=by, chosen_at=moment
            )
            for position, provider_id in enumerate(wanted, start=1)
        ]
    )


# Telling people ---------------------------------------------------------------------


def _live_agreements(provider: Provider) -> list[Agreement]:
    return list(
        Agreement.objects.filter(provider=provider, status=Agreement.Status.LIVE).select_related("holder", "provider")
    )


@transaction.atomic
def cannot_come_tell(
    *,
    provider: Provider,
    cause: str,
    event_key: str,
    starts_on: date,
    ends_on: date | None = None,
    absence: Absence | None = None,
    now: datetime | None = None,
) -> int:
    """Record that the provider cannot come, for each of its live agreements, and email each holder's people once.

    Returns how many agreements were newly told; running again for the same
    event tells nobody twice.
    """
    if cause not in CannotCome.Cause.values:
        raise BackupError("Unknown reason the provider cannot come.")
    moment = now or timezone.now()
    told = 0
    for agreement in _live_agreements(provider):
        try:
            with transaction.atomic():
                alert = CannotCome.objects.create(
                    agreement=agreement,
                    provider=provider,
                    holder=agreement.holder,
                    cause=cause,
                    event_key=event_key,
                    absence=absence,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    created_at=moment,
                )
        except IntegrityError:
            # Told already. Only if the cause went away and came back (a flag lowered, then raised
            # again) is the alert shown and sent again.
            alert = CannotCome.objects.select_for_update().get(agreement=agreement, event_key=event_key)
            if alert.cleared_at is None:
                continue
            alert.cleared_at = None
            alert.starts_on = starts_on
            alert.save(update_fields=["cleared_at", "starts_on"])
        email_send(
            to=holder_email_addresses(agreement.holder),
            subject=f"{provider.name} cannot come: see your back-ups",
            template="backups_cannot_come",
            context={"alert": alert, "provider": provider, "holder": agreement.holder},
        )
        told += 1
    return told


@transaction.atomic
def cannot_come_clear(*, provider: Provider, event_key: str, now: datetime | None = None) -> int:
    """The cause went away (a flag lowered or closed, accreditation back): its alerts stop showing.

    Returns how many alerts were cleared.
    """
    return CannotCome.objects.filter(provider=provider, event_key=event_key, cleared_at__isnull=True).update(
        cleared_at=now or timezone.now()
    )


# Absences ---------------------------------------------------------------------------


@transaction.atomic
def absence_mark(
    *,
    provider: Provider,
    by: User,
    starts_on: date,
    ends_on: date,
    reason: str,
    today: date | None = None,
    now: datetime | None = None,
) -> Absence:
    """A provider's team marks days it cannot come; everyone it supports under a live agreement is told at once."""
    if not by.has_perm("backups.mark_absence", provider):
        raise BackupError("Only the provider's own team can mark its absences.")
    today = today or timezone.localdate()
    reason = " ".join((reason or "").split())
    if not reason:
        raise BackupError("Say why you cannot come, for example 'Ill' or 'On holiday'.")
    if len(reason) > REASON_MAX_LENGTH:
        raise BackupError(f"The reason must be {REASON_MAX_LENGTH} characters or fewer.")
    if ends_on < starts_on:
        raise BackupError("The last day away must be the same as or after the first day.")
    if ends_on < today:
        raise BackupError("The absence must include today or a day after it.")
    if starts_on > today + timedelta(days=ABSENCE_MAX_DAYS_AHEAD):
        raise BackupError("The first day away must be within a year from today.")
    if (ends_on - starts_on).days >= ABSENCE_MAX_LENGTH_DAYS:
        raise BackupError("An absence can be up to a year long. For longer, tell the council.")
    moment = now or timezone.now()
    absence = Absence.objects.create(
        provider=provider, starts_on=starts_on, ends_on=ends_on, reason=reason, marked_by=by, marked_at=moment
    )
    cannot_come_tell(
        provider=provider,
        cause=CannotCome.Cause.ABSENCE,
        event_key=f"absence:{absence.pk}",
        starts_on=starts_on,
        ends_on=ends_on,
        absence=absence,
        now=moment,
    )
    return absence


@transaction.atomic
def absence_cancel(*, absence: Absence, by: User, now: datetime | None = None) -> Absence:
    """The provider can come after all: the absence is kept as cancelled and its alerts stop showing."""
    absence = Absence.objects.select_for_update().select_related("provider").get(pk=absence.pk)
    if not by.has_perm("backups.mark_absence", absence.provider):
        raise BackupError("Only the provider's own team can cancel its absences.")
    if absence.is_cancelled:
        raise BackupError("This absence is already cancelled.")
    moment = now or timezone.now()
    absence.cancelled_at = moment
    absence.cancelled_by = by
    absence.save(update_fields=["cancelled_at", "cancelled_by"])
    cannot_come_clear(provider=absence.provider, event_key=f"absence:{absence.pk}", now=moment)
    return absence


# The daily job ---------------------------------------------------------------------


def cannot_come_sweep(*, today: date | None = None, now: datetime | None = None) -> int:
    """Daily: tell people whose provider's accreditation lapsed (once per lapse); clear alerts of lapses that ended.

    Idempotent: the lapse decision is the event, so running twice, or every
    hour, tells nobody twice. Returns how many agreements were newly told.
    """
    today = today or timezone.localdate()
    moment = now or timezone.now()
    lapsed_ids = list(
        Accreditation.objects.filter(
            status=Accreditation.Status.LAPSED,
            provider__agreements__status=Agreement.Status.LIVE,
        )
        .values_list("provider_id", flat=True)
        .distinct()
    )
    latest_lapse: dict[int, int] = {}
    for provider_id, decision_id in (
        AccreditationDecision.objects.filter(provider_id__in=lapsed_ids, outcome=AccreditationDecision.Outcome.LAPSED)
        .order_by("provider_id", "decided_at", "pk")
        .values_list("provider_id", "pk")
    ):
        latest_lapse[provider_id] = decision_id  # the last one wins
    told = 0
    for provider in Provider.objects.filter(pk__in=lapsed_ids).order_by("pk"):
        told += cannot_come_tell(
            provider=provider,
            cause=CannotCome.Cause.ACCREDITATION_LAPSED,
            event_key=f"lapse:{latest_lapse.get(provider.pk, 0)}",
            starts_on=today,
            now=moment,
        )
    with transaction.atomic():
        CannotCome.objects.filter(cause=CannotCome.Cause.ACCREDITATION_LAPSED, cleared_at__isnull=True).exclude(
            provider_id__in=lapsed_ids
        ).update(cleared_at=moment)
    return told
