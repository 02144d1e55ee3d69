"""Every write to contingency flags goes through these functions.

Other apps report what they notice with `contingency_signal` (and the capacity
update with `contingency_check_capacity`); commissioners act on flags through
the rest. Levels rise automatically but only a person lowers one, and every
change of level is appended to `FlagLevelChange`; everything else a
commissioner does to a flag is appended to its timeline (`FlagEvent`).

Nothing here tells the provider or the public about a flag: the only public
trace is the neutral notice or the paused listing a commissioner chooses.
"""

import logging
import re
from datetime import date, datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.backups.models import CannotCome
from marketplace.backups.services import cannot_come_clear, cannot_come_tell
from marketplace.core.errors import DomainError
from marketplace.core.notifications import email_send
from marketplace.core.uploads import UploadError, check_upload
from marketplace.providers.models import Provider, ProviderLocation, ServiceType
from marketplace.providers.services import ProviderError, provider_change_status, provider_set_public_notice

from .models import (
    LEVEL_RANK,
    OPEN_LEVELS,
    AffectedPerson,
    AutomaticTrigger,
    BusinessContinuityPlanView,
    ClosingOutcome,
    ContingencyFlag,
    Duty,
    FlagEvent,
    FlagLevelChange,
    FlagTrigger,
    Level,
    ManualTrigger,
    Scope,
    Visibility,
)

logger = logging.getLogger(__name__)


class ContingencyError(DomainError):
    """A change to a contingency flag that the rules do not allow; the message is for people."""


# The level an automatic signal opens a flag at, or raises an open flag to
# (never lowers it). Documented in docs/contingency.md; change both together.
AUTOMATIC_TRIGGER_LEVELS: dict[str, str] = {
    AutomaticTrigger.ACCREDITATION_LAPSED: Level.WATCH,
    AutomaticTrigger.OVERDUE_ACCOUNTS: Level.WATCH,
    AutomaticTrigger.CAPACITY_FALL: Level.WATCH,
    AutomaticTrigger.POOR_MONITORING_RATING: Level.AT_RISK,
    AutomaticTrigger.CQC_INADEQUATE: Level.AT_RISK,
    AutomaticTrigger.INSOLVENCY: Level.AT_RISK,
    AutomaticTrigger.CQC_DEREGISTERED: Level.FAILING,
    AutomaticTrigger.STRUCK_OFF: Level.FAILING,
}

# A fall in capacity of at least this share (or to zero) is a signal.
CAPACITY_FALL_SHARE = 0.5

# The only wording a commissioner may put on a public listing: neutral, and
# saying nothing about why. The first is the default.
NEUTRAL_NOTICES: tuple[str, ...] = (
    "This provider is not currently taking new referrals through the council.",
    "This provider's availability is being confirmed. Contact the council before arranging new support.",
    "Contact the council's Commissioning and Quality team before arranging new support with this provider.",
)

# What a paused listing's status history says (the provider can read it): neutral too.
NEUTRAL_SUSPENSION_REASON = "Listing paused by the council."
NEUTRAL_RESTORE_REASON = "Listing restored by the council."
NEUTRAL_EXIT_REASON = "The provider no longer offers services."

# Affected people are recorded by case reference or initials only, never by name.
REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./\-]{1,39}$")

BCP_MAX_BYTES = 10 * 1024 * 1024


def default_duty(provider: Provider) -> str:
    """The Care Act s.48 temporary duty applies to CQC-registered providers; otherwise the general duty."""
    return Duty.S48_TEMPORARY if provider.is_registered_with_cqc else Duty.GENERAL_ELIGIBLE_NEEDS


def flag_admin_path(flag: ContingencyFlag) -> str:
    """Where commissioners see the flag in the Wagtail admin."""
    return reverse("contingency_admin:flag", args=[flag.pk])


# Notifications -------------------------------------------------------------


def _commissioner_emails() -> list[str]:
    from marketplace.accounts.selectors import commissioner_email_addresses

    return commissioner_email_addresses()


def _notify_commissioners(*, flag: ContingencyFlag, subject: str, what: str) -> None:
    email_send(
        to=_commissioner_emails(),
        subject=subject,
        template="contingency_flag_changed",
        context={"flag": flag, "provider": flag.provider, "what": what, "admin_path": flag_admin_path(flag)},
    )


# Opening and raising ------------------------------------------------------


def _lock_open_flag(provider: Provider) -> ContingencyFlag | None:
    return (
        ContingencyFlag.objects.select_for_update()
        .select_related("provider")
        .filter(provider=provider, closed_at__isnull=True)
        .first()
    )


def _lock_flag(flag: ContingencyFlag) -> ContingencyFlag:
    locked = ContingencyFlag.objects.select_for_update().select_related("provider").get(pk=flag.pk)
    if locked.closed_at is not None:
        raise ContingencyError("This flag is closed. Open a new flag if there is a new concern.")
    return locked


# Levels at which the people a provider supports are told it may not be able to come, and shown their
# back-ups (marketplace.backups). Only that: never the level, the triggers or anything else about the flag.
LEVELS_THAT_AFFECT_PEOPLE = (Level.FAILING, Level.FAILED)


def _tell_people_supported(flag: ContingencyFlag, *, today: date | None = None) -> None:
    """After any change to a flag: tell the holders with live agreements (once per flag), or clear their alerts."""
    event_key = f"flag:{flag.pk}"
    if flag.closed_at is None and flag.level in LEVELS_THAT_AFFECT_PEOPLE:
        cannot_come_tell(
            provider=flag.provider,
            cause=CannotCome.Cause.CONTINGENCY,
            event_key=event_key,
            starts_on=today or timezone.localdate(),
        )
    else:
        cannot_come_clear(provider=flag.provider, event_key=event_key)


def _create_flag(*, provider: Provider, level: str, today: date, **fields: object) -> ContingencyFlag:
    try:
        with transaction.atomic():
            return ContingencyFlag.objects.create(
                provider=provider, level=level, duty=default_duty(provider), opened_on=today, **fields
            )
    except IntegrityError as error:
        raise ContingencyError(f"{provider.name} already has an open contingency flag.") from error


@transaction.atomic
def contingency_signal(
    *, provider: Provider, signal: str, detail: str, today: date | None = None
) -> ContingencyFlag | None:
    """Record an automatic trigger: open a flag, or raise the open one to the signal's level.

    Returns the flag, or None when nothing new was recorded (the same signal
    with the same detail is already on the open flag). Never lowers a level.
    Commissioners are emailed about every new trigger.
    """
    if signal not in AUTOMATIC_TRIGGER_LEVELS:
        raise ContingencyError(f"“{signal}” is not a contingency signal.")
    label = AutomaticTrigger(signal).label
    detail = detail.strip() or label
    today = today or timezone.localdate()
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    signal_level = AUTOMATIC_TRIGGER_LEVELS[signal]
    reason = f"Automatic: {label}. {detail}"
    flag = _lock_open_flag(provider)
    if flag is None:
        flag = _create_flag(provider=provider, level=signal_level, today=today)
        FlagLevelChange.objects.create(flag=flag, from_level="", to_level=signal_level, decided_by=None, reason=reason)
        FlagTrigger.objects.create(flag=flag, source=FlagTrigger.Source.AUTOMATIC, kind=signal, detail=detail)
        _notify_commissioners(
            flag=flag,
            subject=f"Contingency flag opened: {provider.name} ({flag.get_level_display()})",
            what=f"A contingency flag was opened at “{flag.get_level_display()}” because: {label}. {detail}",
        )
        _tell_people_supported(flag, today=today)
        return flag
    if flag.triggers.filter(source=FlagTrigger.Source.AUTOMATIC, kind=signal, detail=detail).exists():
        return None
    FlagTrigger.objects.create(flag=flag, source=FlagTrigger.Source.AUTOMATIC, kind=signal, detail=detail)
    if LEVEL_RANK[signal_level] > LEVEL_RANK[flag.level]:
        previous = flag.get_level_display()
        FlagLevelChange.objects.create(
            flag=flag, from_level=flag.level, to_level=signal_level, decided_by=None, reason=reason
        )
        flag.level = signal_level
        flag.save(update_fields=["level"])
        subject = f"Contingency flag raised: {provider.name} ({flag.get_level_display()})"
        what = f"The flag was raised from “{previous}” to “{flag.get_level_display()}” because: {label}. {detail}"
    else:
        subject = f"Contingency flag: new trigger for {provider.name}"
        what = f"A new trigger was recorded on the open flag (level unchanged): {label}. {detail}"
    _notify_commissioners(flag=flag, subject=subject, what=what)
    _tell_people_supported(flag, today=today)
    return flag


def capacity_fell_sharply(previous: int | None, new: int | None) -> bool:
    """True when capacity fell by half or more, or to zero, from a known positive figure."""
    if not previous or new is None:
        return False
    return new == 0 or new <= previous * (1 - CAPACITY_FALL_SHARE)


def contingency_check_capacity(
    *,
    provider: Provider,
    previous_hours: int | None = None,
    new_hours: int | None = None,
    previous_places: int | None = None,
    new_places: int | None = None,
    today: date | None = None,
) -> ContingencyFlag | None:
    """Raise the capacity-fall signal when hours a week or places a day fell by half or more, or to zero.

    The providers app calls this with the figures before and after a capacity
    update; a figure that was unknown (None or 0) before cannot fall.
    """
    falls = []
    if capacity_fell_sharply(previous_hours, new_hours):
        falls.append(f"Capacity fell from {previous_hours} to {new_hours} hours a week.")
    if capacity_fell_sharply(previous_places, new_places):
        falls.append(f"Capacity fell from {previous_places} to {new_places} places a day.")
    if not falls:
        return None
    return contingency_signal(
        provider=provider, signal=AutomaticTrigger.CAPACITY_FALL, detail=" ".join(falls), today=today
    )


def _clean_text(value: str, *, what: str, required: bool = True) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise ContingencyError(f"Enter {what}.")
    return cleaned


def _check_manual_kind(kind: str) -> None:
    if kind not in ManualTrigger.values:
        raise ContingencyError("Select what the concern is: intelligence, self-report, safeguarding or other.")


def _check_lead_officer(lead_officer: User | None) -> None:
    if lead_officer is not None and not lead_officer.has_perm("contingency.manage_flags"):
        raise ContingencyError("The lead officer must be a commissioner.")


def _check_scope(
    *, provider: Provider, scope: str, service: ServiceType | None, location: ProviderLocation | None
) -> None:
    if scope not in Scope.values:
        raise ContingencyError("Select the scope: a service, a location or the whole business.")
    if scope == Scope.SERVICE:
        if service is None:
            raise ContingencyError("Select the service the concern is about.")
        if not provider.services.filter(pk=service.pk).exists():
            raise ContingencyError(f"{provider.name} does not offer {service.name}.")
    if scope == Scope.LOCATION:
        if location is None:
            raise ContingencyError("Select the location the concern is about.")
        if location.provider_id != provider.pk:
            raise ContingencyError(f"That location is not one of {provider.name}'s.")


@transaction.atomic
def contingency_open_flag(
    *,
    provider: Provider,
    by: User,
    kind: str,
    detail: str,
    level: str = Level.WATCH,
    duty: str = "",
    scope: str = Scope.WHOLE_BUSINESS,
    scope_service: ServiceType | None = None,
    scope_location: ProviderLocation | None = None,
    scope_detail: str = "",
    lead_officer: User | None = None,
    today: date | None = None,
) -> ContingencyFlag:
    """Open a flag by hand, from intelligence, a self-report, a safeguarding concern or other."""
    _check_manual_kind(kind)
    detail = _clean_text(detail, what="what the concern is")
    if level not in OPEN_LEVELS:
        raise ContingencyError("Select a level: watch, at risk, failing or failed.")
    if duty and duty not in Duty.values:
        raise ContingencyError("Select which duty applies.")
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    _check_scope(provider=provider, scope=scope, service=scope_service, location=scope_location)
    _check_lead_officer(lead_officer)
    if _lock_open_flag(provider) is not None:
        raise ContingencyError(f"{provider.name} already has an open contingency flag: add the concern to it instead.")
    flag = _create_flag(
        provider=provider,
        level=level,
        today=today or timezone.localdate(),
        scope=scope,
        scope_service=scope_service if scope == Scope.SERVICE else None,
        scope_location=scope_location if scope == Scope.LOCATION else None,
        scope_detail=scope_detail.strip(),
        lead_officer=lead_officer or by,
    )
    if duty:
        flag.duty = duty
        flag.save(update_fields=["duty"])
    FlagTrigger.objects.create(flag=flag, source=FlagTrigger.Source.MANUAL, kind=kind, detail=detail, recorded_by=by)
    FlagLevelChange.objects.create(
        flag=flag, from_level="", to_level=level, decided_by=by, reason=f"{ManualTrigger(kind).label}: {detail}"
    )
    _notify_commissioners(
        flag=flag,
        subject=f"Contingency flag opened: {provider.name} ({flag.get_level_display()})",
        what=f"{by} opened a contingency flag at “{flag.get_level_display()}”: {ManualTrigger(kind).label}. {detail}",
    )
    _tell_people_supported(flag, today=today)
    return flag


@transaction.atomic
def contingency_record_trigger(*, flag: ContingencyFlag, by: User, kind: str, detail: str) -> FlagTrigger:
    """Add a concern reported by hand to an open flag (the level is changed separately, with a reason)."""
    _check_manual_kind(kind)
    detail = _clean_text(detail, what="what the concern is")
    flag = _lock_flag(flag)
    return FlagTrigger.objects.create(
        flag=flag, source=FlagTrigger.Source.MANUAL, kind=kind, detail=detail, recorded_by=by
    )


@transaction.atomic
def contingency_change_level(*, flag: ContingencyFlag, to_level: str, by: User, reason: str) -> FlagLevelChange:
    """Move an open flag to another level, up or down, with the reason recorded."""
    reason = _clean_text(reason, what="why the level is changing")
    if to_level not in OPEN_LEVELS:
        raise ContingencyError("Select a level: watch, at risk, failing or failed. To close the flag, use Close.")
    flag = _lock_flag(flag)
    if flag.level == to_level:
        raise ContingencyError(f"The flag is already at “{flag.get_level_display()}”.")
    change = FlagLevelChange.objects.create(
        flag=flag, from_level=flag.level, to_level=to_level, decided_by=by, reason=reason
    )
    previous = flag.get_level_display()
    flag.level = to_level
    flag.save(update_fields=["level"])
    _notify_commissioners(
        flag=flag,
        subject=f"Contingency flag changed: {flag.provider.name} ({flag.get_level_display()})",
        what=f"{by} changed the level from “{previous}” to “{flag.get_level_display()}”: {reason}",
    )
    _tell_people_supported(flag)
    return change


@transaction.atomic
def contingency_update_details(
    *,
    flag: ContingencyFlag,
    by: User,
    duty: str,
    scope: str,
    scope_service: ServiceType | None = None,
    scope_location: ProviderLocation | None = None,
    scope_detail: str = "",
    lead_officer: User | None = None,
) -> ContingencyFlag:
    """Change the duty, scope or lead officer; what changed goes on the timeline."""
    if duty not in Duty.values:
        raise ContingencyError("Select which duty applies.")
    flag = _lock_flag(flag)
    _check_scope(provider=flag.provider, scope=scope, service=scope_service, location=scope_location)
    _check_lead_officer(lead_officer)
    new_values = {
        "duty": duty,
        "scope": scope,
        "scope_service": scope_service if scope == Scope.SERVICE else None,
        "scope_location": scope_location if scope == Scope.LOCATION else None,
        "scope_detail": scope_detail.strip(),
        "lead_officer": lead_officer,
    }
    changed = [name for name, value in new_values.items() if getattr(flag, name) != value]
    if not changed:
        return flag
    for name, value in new_values.items():
        setattr(flag, name, value)
    flag.save(update_fields=changed)
    labels = {
        "duty": f"duty: {flag.get_duty_display()}",
        "scope": f"scope: {flag.get_scope_display()}",
        "scope_service": f"service: {flag.scope_service or '—'}",
        "scope_location": f"location: {flag.scope_location or '—'}",
        "scope_detail": f"scope detail: {flag.scope_detail or '—'}",
        "lead_officer": f"lead officer: {flag.lead_officer or 'none'}",
    }
    FlagEvent.objects.create(
        flag=flag,
        kind=FlagEvent.Kind.EVENT,
        party=FlagEvent.Party.INTERNAL,
        summary="Details changed — " + "; ".join(labels[name] for name in changed) + ".",
        recorded_by=by,
    )
    return flag


@transaction.atomic
def contingency_add_event(
    *,
    flag: ContingencyFlag,
    by: User,
    kind: str,
    summary: str,
    party: str = "",
    occurred_at: datetime | None = None,
) -> FlagEvent:
    """Add an event, or a communication with someone, to an open flag's timeline."""
    if kind not in FlagEvent.Kind.values:
        raise ContingencyError("Select whether this is an event or a communication.")
    summary = _clean_text(summary, what="a summary of what happened")
    if party and party not in FlagEvent.Party.values:
        raise ContingencyError("Select who the communication was with.")
    if kind == FlagEvent.Kind.COMMUNICATION and not party:
        raise ContingencyError("Select who the communication was with.")
    now = timezone.now()
    if occurred_at is not None and occurred_at > now:
        raise ContingencyError("The date and time it happened must be in the past.")
    flag = _lock_flag(flag)
    return FlagEvent.objects.create(
        flag=flag, kind=kind, party=party, summary=summary, occurred_at=occurred_at or now, recorded_by=by
    )


# Public visibility ---------------------------------------------------------


def _suspend_listing(flag: ContingencyFlag, by: User) -> None:
    provider = flag.provider
    if provider.status != Provider.Status.PUBLISHED:
        return  # nothing public to hide; nothing to restore later either
    try:
        provider_change_status(
            provider=provider, to_status=Provider.Status.SUSPENDED, by=by, reason=NEUTRAL_SUSPENSION_REASON
        )
    except ProviderError as error:
        raise ContingencyError(str(error)) from error
    flag.suspended_listing = True


def _restore_listing(flag: ContingencyFlag, by: User, *, to_status: str = Provider.Status.PUBLISHED) -> None:
    if not flag.suspended_listing:
        return
    flag.suspended_listing = False
    provider = Provider.objects.get(pk=flag.provider_id)
    if provider.status != Provider.Status.SUSPENDED:
        return  # someone has moved the listing on since; leave it where they put it
    reason = NEUTRAL_RESTORE_REASON if to_status == Provider.Status.PUBLISHED else NEUTRAL_EXIT_REASON
    try:
        provider_change_status(provider=provider, to_status=to_status, by=by, reason=reason)
    except ProviderError as error:
        raise ContingencyError(str(error)) from error


@transaction.atomic
def contingency_set_visibility(
    *, flag: ContingencyFlag, by: User, visibility: str, notice: str = "", reason: str
) -> ContingencyFlag:
    """Decide what the public listing shows: unchanged, a neutral notice, or hidden (paused).

    The notice must be one of NEUTRAL_NOTICES. Hiding pauses a published
    listing with a neutral reason; showing it again restores it if the flag
    paused it. The reason stays on the internal timeline.
    """
    if visibility not in Visibility.values:
        raise ContingencyError("Select what the public listing should show.")
    reason = _clean_text(reason, what="why the public listing is changing")
    notice = notice.strip()
    if visibility == Visibility.NOTICE:
        if not notice:
            notice = NEUTRAL_NOTICES[0]
        if notice not in NEUTRAL_NOTICES:
            raise ContingencyError("Choose one of the neutral notices.")
    else:
        notice = ""
    flag = _lock_flag(flag)
    if visibility == Visibility.HIDDEN:
        _suspend_listing(flag, by)
    else:
        _restore_listing(flag, by)
    provider_set_public_notice(provider=flag.provider, notice=notice)
    flag.public_visibility = visibility
    flag.public_notice_text = notice
    flag.save(update_fields=["public_visibility", "public_notice_text", "suspended_listing"])
    shown = f"neutral notice “{notice}”" if notice else flag.get_public_visibility_display().lower()
    FlagEvent.objects.create(
        flag=flag,
        kind=FlagEvent.Kind.EVENT,
        party=FlagEvent.Party.INTERNAL,
        summary=f"Public listing: {shown} — reason: {reason}",
        recorded_by=by,
    )
    return flag


# Closing ------------------------------------------------------------------


@transaction.atomic
def contingency_close_flag(*, flag: ContingencyFlag, by: User, outcome: str, reason: str) -> ContingencyFlag:
    """Close a flag with its outcome: clears the notice, and restores a listing the flag paused.

    When the provider has left the market, a listing the flag paused is
    withdrawn instead of restored.
    """
    if outcome not in ClosingOutcome.values:
        raise ContingencyError("Select the outcome.")
    reason = _clean_text(reason, what="why the flag is being closed")
    flag = _lock_flag(flag)
    exit_market = outcome == ClosingOutcome.PROVIDER_EXITED_MARKET
    _restore_listing(flag, by, to_status=Provider.Status.WITHDRAWN if exit_market else Provider.Status.PUBLISHED)
    if flag.public_visibility == Visibility.NOTICE or flag.provider.public_notice:
        provider_set_public_notice(provider=flag.provider, notice="")
    FlagLevelChange.objects.create(
        flag=flag, from_level=flag.level, to_level=Level.CLOSED, decided_by=by, reason=reason
    )
    flag.level = Level.CLOSED
    flag.closed_at = timezone.now()
    flag.closing_outcome = outcome
    flag.closing_note = reason
    flag.public_visibility = Visibility.UNCHANGED
    flag.public_notice_text = ""
    flag.save(
        update_fields=[
            "level",
            "closed_at",
            "closing_outcome",
            "closing_note",
            "public_visibility",
            "public_notice_text",
            "suspended_listing",
        ]
    )
    _notify_commissioners(
        flag=flag,
        subject=f"Contingency flag closed: {flag.provider.name}",
        what=f"{by} closed the flag. Outcome: {flag.get_closing_outcome_display()}. {reason}",
    )
    _tell_people_supported(flag)
    return flag


# Business continuity plan --------------------------------------------------


def _validate_plan(upload: UploadedFile) -> None:
    """A PDF of at most 10MB by what the file contains, virus-scanned like every upload (the shared check)."""
    try:
        check_upload(upload, allowed=("pdf",), max_bytes=BCP_MAX_BYTES)
    except UploadError as error:
        raise ContingencyError(str(error)) from error


@transaction.atomic
def contingency_upload_plan(
    *, flag: ContingencyFlag, by: User, upload: UploadedFile, reviewed_on: date | None = None
) -> ContingencyFlag:
    """Keep the provider's business continuity plan on file (private storage), replacing any earlier one."""
    _validate_plan(upload)
    today = timezone.localdate()
    if reviewed_on is not None and reviewed_on > today:
        raise ContingencyError("The date the plan was reviewed must be today or in the past.")
    flag = _lock_flag(flag)
    flag.business_continuity_plan.save(upload.name or "business-continuity-plan.pdf", upload, save=False)
    flag.bcp_uploaded_at = timezone.now()
    flag.bcp_reviewed_on = reviewed_on
    flag.save(update_fields=["business_continuity_plan", "bcp_uploaded_at", "bcp_reviewed_on"])
    reviewed = f", reviewed on {reviewed_on:%d %B %Y}" if reviewed_on else ""
    FlagEvent.objects.create(
        flag=flag,
        kind=FlagEvent.Kind.EVENT,
        party=FlagEvent.Party.INTERNAL,
        summary=f"Business continuity plan put on file{reviewed}.",
        recorded_by=by,
    )
    return flag


@transaction.atomic
def contingency_review_plan(*, flag: ContingencyFlag, by: User, reviewed_on: date) -> ContingencyFlag:
    """Record that the plan on file was reviewed."""
    if reviewed_on > timezone.localdate():
        raise ContingencyError("The date the plan was reviewed must be today or in the past.")
    flag = _lock_flag(flag)
    if not flag.business_continuity_plan:
        raise ContingencyError("There is no business continuity plan on file to review.")
    flag.bcp_reviewed_on = reviewed_on
    flag.save(update_fields=["bcp_reviewed_on"])
    FlagEvent.objects.create(
        flag=flag,
        kind=FlagEvent.Kind.EVENT,
        party=FlagEvent.Party.INTERNAL,
        summary=f"Business continuity plan reviewed on {reviewed_on:%d %B %Y}.",
        recorded_by=by,
    )
    return flag


def contingency_record_plan_view(*, flag: ContingencyFlag, by: User) -> BusinessContinuityPlanView:
    """Log that someone opened the plan (the view that serves it calls this first)."""
    return BusinessContinuityPlanView.objects.create(flag=flag, viewed_by=by)


# People affected -----------------------------------------------------------


def _clean_reference(reference: str) -> str:
    reference = reference.strip()
    if not REFERENCE_PATTERN.match(reference):
        raise ContingencyError(
            "Enter a case reference or initials only, with no spaces (for example ASC-10234 or J.S.), not a name."
        )
    return reference


@transaction.atomic
def contingency_add_affected_person(
    *,
    flag: ContingencyFlag,
    by: User,
    reference: str,
    needs_summary: str = "",
    holder: DirectPaymentHolder | None = None,
    status: str = AffectedPerson.Status.IDENTIFIED,
    notes: str = "",
) -> AffectedPerson:
    """Record someone whose care depends on the flagged provider, by reference or initials only."""
    reference = _clean_reference(reference)
    if status not in AffectedPerson.Status.values:
        raise ContingencyError("Select the person's status.")
    flag = _lock_flag(flag)
    if flag.affected_people.filter(reference__iexact=reference).exists():
        raise ContingencyError(f"{reference} is already on this flag.")
    if holder is not None and flag.affected_people.filter(holder=holder).exists():
        raise ContingencyError("That direct payment holder is already on this flag.")
    person = AffectedPerson.objects.create(
        flag=flag,
        holder=holder,
        reference=reference,
        needs_summary=needs_summary.strip(),
        status=status,
        notes=notes.strip(),
    )
    FlagEvent.objects.create(
        flag=flag,
        kind=FlagEvent.Kind.EVENT,
        party=FlagEvent.Party.PEOPLE_AFFECTED,
        summary=f"{person.reference} recorded as affected ({person.get_status_display().lower()}).",
        recorded_by=by,
    )
    return person


@transaction.atomic
def contingency_update_affected_person(
    *, person: AffectedPerson, by: User, status: str, notes: str = ""
) -> AffectedPerson:
    """Move someone on (contacted, alternative arranged...); the change goes on the flag's timeline."""
    if status not in AffectedPerson.Status.values:
        raise ContingencyError("Select the person's status.")
    person = AffectedPerson.objects.select_for_update().select_related("flag").get(pk=person.pk)
    _lock_flag(person.flag)
    previous = person.get_status_display()
    person.status = status
    if notes.strip():
        person.notes = notes.strip()
    person.save(update_fields=["status", "notes", "updated_at"])
    if previous != person.get_status_display():
        FlagEvent.objects.create(
            flag=person.flag,
            kind=FlagEvent.Kind.EVENT,
            party=FlagEvent.Party.PEOPLE_AFFECTED,
            summary=f"{person.reference}: {previous} → {person.get_status_display()}.",
            recorded_by=by,
        )
    return person
