"""Every write to vetting checks, evidence and accreditation goes through these functions.

Each decision is appended to its history (CheckDecision, AccreditationDecision)
and the provider is emailed with the reason. A provider shows "Accredited"
only while every check its kind requires is verified and in date and a
commissioner has accredited it: `accreditation_recompute` keeps that true,
and the daily `expiry_sweep` runs it.
"""

import calendar
import hashlib
import logging
import os
import re
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.core import virus_scan
from marketplace.core.clock import moment_on
from marketplace.core.errors import DomainError
from marketplace.core.notifications import email_send
from marketplace.core.uploads import UploadError, check_upload, file_size
from marketplace.providers import hooks as provider_hooks
from marketplace.providers.models import Provider
from marketplace.providers.selectors import provider_email_addresses

from .models import (
    Accreditation,
    AccreditationDecision,
    CheckDecision,
    CheckType,
    Evidence,
    EvidenceView,
    ExpiryReminder,
    ProviderCheck,
    Worker,
)
from .requirements import required_checks
from .selectors import check_label, provider_checks_for, provider_vetting_summary

logger = logging.getLogger(__name__)

# Days before a check's expiry date on which the provider is reminded.
REMINDER_DAYS = (60, 30, 7)
MAX_EVIDENCE_FILES_PER_CHECK = 10
DBS_CERTIFICATE_NUMBER = re.compile(r"^\d{12}$")


class AccreditationError(DomainError):
    """A vetting or accreditation change the rules do not allow; the message is for people."""


# --- Checks ---------------------------------------------------------------------------------------------------


@transaction.atomic
def provider_checks_sync(*, provider: Provider) -> list[ProviderCheck]:
    """Create a row for every check the provider needs now and has none for; returns the required rows.

    Rows for checks no longer required (a worker left, food no longer served)
    are kept with their history but no longer count.
    """
    created = [
        ProviderCheck.objects.get_or_create(provider=provider, check_type=check_type, worker=worker)[1]
        for check_type, worker in required_checks(provider)
    ]
    if any(created):
        _profile_changed(provider.pk)
    return provider_checks_for(provider=provider)


def _profile_changed(provider_id: int) -> None:
    """A listing's council checks and workers show on its public profile: cached pages need a new version."""
    provider_hooks.listings_changed([provider_id])


@transaction.atomic
def worker_add(*, provider: Provider, full_name: str, role: str = "", by: User | None = None) -> Worker:
    """Name someone who works for the provider; their own checks become required.

    Their checks count from now on: an accredited provider whose new worker is
    not yet vetted is no longer accredited (see accreditation_recompute).
    """
    full_name = " ".join(full_name.split())
    role = " ".join(role.split())
    if not full_name:
        raise AccreditationError("Enter the worker's full name.")
    if len(full_name) > 200:
        raise AccreditationError("The worker's full name must be 200 characters or fewer.")
    if len(role) > 100:
        raise AccreditationError("The worker's role must be 100 characters or fewer.")
    # Two people adding the same worker at once: the second waits here, then sees the first's.
    Provider.objects.select_for_update().only("pk").get(pk=provider.pk)
    if provider.workers.filter(is_active=True, full_name__iexact=full_name).exists():
        raise AccreditationError(f"{full_name} is already on your list of workers.")
    worker = Worker.objects.create(provider=provider, full_name=full_name, role=role)
    _profile_changed(provider.pk)
    provider_checks_sync(provider=provider)
    accreditation_recompute(provider=provider)
    return worker


@transaction.atomic
def worker_remove(*, worker: Worker, by: User | None = None) -> Worker:
    """Take someone off the provider's list of workers; their checks stop counting but keep their history."""
    worker = Worker.objects.select_for_update().get(pk=worker.pk)
    if not worker.is_active:
        raise AccreditationError(f"{worker.full_name} is not on your list of workers.")
    worker.is_active = False
    worker.save(update_fields=["is_active"])
    _profile_changed(worker.provider_id)
    return worker


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the last day of the month when that day does not exist)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def check_submit(
    *,
    provider_check: ProviderCheck,
    by: User | None,
    issued_on: date | None,
    expires_on: date | None = None,
    certificate_number: str = "",
    is_on_update_service: bool = False,
    holder_surname: str = "",
    holder_date_of_birth: date | None = None,
    level: str = "",
    rating: str = "",
    reference: str = "",
    note: str = "",
    evidence: Any = None,
    today: date | None = None,
) -> ProviderCheck:
    """A provider sends (or renews) a check's details, with optional documents, for review.

    `evidence` is one uploaded file or a list of them (both sides of a DBS certificate).

    Only the details the check type asks for are kept. With no expiry date the
    check type's default validity is used; an expiry date in the past is
    refused. A certificate number left empty keeps the one already held.
    """
    moment = moment_on(today)
    today = today or timezone.localdate(moment)
    check = (
        ProviderCheck.objects.select_for_update(of=("self",)).select_related("check_type").get(pk=provider_check.pk)
    )
    check_type = check.check_type

    check.issued_on = issued_on = _valid_issued_on(issued_on, today=today)
    check.expires_on = _valid_expires_on(check_type, issued_on=issued_on, expires_on=expires_on, today=today)
    if check_type.has_certificate_number:
        _take_certificate(
            check,
            certificate_number=certificate_number,
            is_on_update_service=is_on_update_service,
            holder_surname=holder_surname,
            holder_date_of_birth=holder_date_of_birth,
            today=today,
        )
    _take_details(check, level=level, rating=rating, reference=reference, note=note)

    for upload in evidence if isinstance(evidence, list | tuple) else [evidence]:
        if upload is not None:
            evidence_add(provider_check=check, upload=upload, by=by)
    if check_type.needs_evidence and not check.evidence.exists():
        raise AccreditationError("Upload a copy of the document.")

    # A renewal keeps verified_at and verified_expires_on: what was verified
    # still holds until it runs out (selectors.check_counts_as_verified).
    check.status = ProviderCheck.Status.SUBMITTED
    check.submitted_at = moment
    check.save()
    _profile_changed(check.provider_id)
    CheckDecision.objects.create(
        provider_check=check, outcome=CheckDecision.Outcome.SUBMITTED, decided_by=by, decided_at=moment
    )
    return check


def _valid_issued_on(issued_on: date | None, *, today: date) -> date:
    if issued_on is None:
        raise AccreditationError("Enter the date it was issued.")
    if issued_on > today:
        raise AccreditationError("The date it was issued must be today or in the past.")
    return issued_on


def _valid_expires_on(check_type: CheckType, *, issued_on: date, expires_on: date | None, today: date) -> date | None:
    """The expiry date to keep: none for a check type without one; the default validity when none is given."""
    if not check_type.has_expiry:
        return None
    if expires_on is None and check_type.default_validity_months:
        expires_on = add_months(issued_on, check_type.default_validity_months)
        if expires_on < today:
            raise AccreditationError(
                f"This was issued more than {check_type.default_validity_months} months ago, so it is out of "
                "date. Send a current one."
            )
    if expires_on is not None and expires_on < today:
        raise AccreditationError("The expiry date must be today or in the future.")
    if expires_on is not None and expires_on < issued_on:
        raise AccreditationError("The expiry date must be after the date it was issued.")
    return expires_on


def _take_certificate(
    check: ProviderCheck,
    *,
    certificate_number: str,
    is_on_update_service: bool,
    holder_surname: str,
    holder_date_of_birth: date | None,
    today: date,
) -> None:
    """The DBS certificate number (empty keeps the one held) and what the Update Service needs to find it."""
    number = re.sub(r"[\s-]", "", certificate_number or "")
    if number:
        if not DBS_CERTIFICATE_NUMBER.match(number):
            raise AccreditationError("The certificate number must be 12 digits, like 001234567890.")
        check.certificate_number = number
        check.certificate_number_last_digits = number[-4:]
    elif not check.certificate_number:
        raise AccreditationError("Enter the 12-digit certificate number.")
    check.is_on_update_service = bool(is_on_update_service)
    if not check.is_on_update_service:
        check.holder_surname = ""
        check.holder_date_of_birth = ""
        return
    holder_surname = holder_surname.strip()
    if not holder_surname:
        raise AccreditationError("Enter the surname on the certificate, so we can check the Update Service.")
    if holder_date_of_birth is None:
        raise AccreditationError("Enter the date of birth on the certificate.")
    if holder_date_of_birth >= today:
        raise AccreditationError("The date of birth must be in the past.")
    check.holder_surname = holder_surname[:100]
    check.holder_date_of_birth = holder_date_of_birth.isoformat()


def _take_details(check: ProviderCheck, *, level: str, rating: str, reference: str, note: str) -> None:
    """The level, rating and reference the check type asks for, and the provider's note."""
    check_type = check.check_type
    if check_type.has_level:
        if not level.strip():
            raise AccreditationError("Enter the level of the training.")
        check.level = level.strip()[:50]
    if check_type.has_rating:
        rating = rating.strip()
        choices = rating_choices_of(check_type.rating_choices)
        if not rating:
            raise AccreditationError("Choose the rating.")
        if choices and rating not in choices:
            raise AccreditationError(f"Choose one of the ratings: {', '.join(choices)}.")
        check.rating = rating[:20]
    if check_type.reference_label:
        check.reference = reference.strip()[:200]
    check.provider_note = note.strip()[:2000]


def rating_choices_of(text: str) -> list[str]:
    return [choice.strip() for choice in text.split(",") if choice.strip()]


# --- Evidence -------------------------------------------------------------------------------------------------


def _safe_original_name(name: str) -> str:
    name = os.path.basename(str(name or "").replace("\\", "/"))
    name = "".join(character for character in name if character.isprintable() and character not in '"<>')
    return name.strip()[:200] or "document"


@transaction.atomic
def evidence_add(*, provider_check: ProviderCheck, upload: Any, by: User | None) -> Evidence:
    """Keep an uploaded document for a check in private storage, after checking what it really is.

    The file must be a PDF, JPEG or PNG by its content, within the size limit,
    and pass the virus scanner when one is configured (refused if the scanner
    cannot be reached).
    """
    if provider_check.evidence.count() >= MAX_EVIDENCE_FILES_PER_CHECK:
        raise AccreditationError(
            f"A check can have up to {MAX_EVIDENCE_FILES_PER_CHECK} files. Contact the commissioning team "
            "if you need to replace one."
        )
    try:
        detected = check_upload(upload)
    except UploadError as error:
        raise AccreditationError(str(error)) from error
    was_scanned = virus_scan.scanner_is_configured()  # check_upload refuses what a configured scanner did not pass

    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)

    evidence = Evidence(
        provider_check=provider_check,
        original_name=_safe_original_name(getattr(upload, "name", "")),
        content_type=detected.content_type,
        size=file_size(upload),
        sha256=digest.hexdigest(),
        uploaded_by=by,
        was_virus_scanned=was_scanned,
    )
    # The stored name comes from evidence_path: random, saying nothing of the person.
    evidence.file.save(f"upload.{detected.extension}", File(upload), save=False)
    evidence.save()
    return evidence


def evidence_open(*, evidence: Evidence, user: User, ip_address: str | None) -> IO[bytes]:
    """Open a document to show it, logging who looked and when (every time).

    The caller has already checked `accreditation.view_evidence`.
    """
    try:
        handle = evidence.file.storage.open(str(evidence.file.name), "rb")
    except (FileNotFoundError, OSError) as error:
        raise AccreditationError("This file could not be found.") from error
    EvidenceView.objects.create(evidence=evidence, viewed_by=user, ip_address=ip_address or None)
    return handle


# --- Decisions on checks --------------------------------------------------------------------------------------


def _lock_check(provider_check: ProviderCheck) -> ProviderCheck:
    return (
        ProviderCheck.objects.select_for_update(of=("self",))
        .select_related("check_type", "worker", "provider")
        .get(pk=provider_check.pk)
    )


@transaction.atomic
def check_verify(
    *, provider_check: ProviderCheck, by: User, reason: str = "", today: date | None = None
) -> ProviderCheck:
    """A commissioner confirms a submitted check is genuine and current."""
    moment = moment_on(today)
    today = today or timezone.localdate(moment)
    check = _lock_check(provider_check)
    if check.status != ProviderCheck.Status.SUBMITTED:
        raise AccreditationError(
            f"Only a check waiting for review can be verified; this one is {check.get_status_display().lower()}."
        )
    if not check.is_in_date(today):
        raise AccreditationError(
            f"This check expired on {check.expires_on:%-d %B %Y}. Reject it and ask the provider for a current one."
        )
    if check.check_type.needs_evidence and not check.evidence.exists():
        raise AccreditationError("This check has no document to verify. Reject it and ask for one.")
    check.status = ProviderCheck.Status.VERIFIED
    check.verified_at = moment
    check.verified_by = by
    check.verified_expires_on = check.expires_on
    check.save(update_fields=["status", "verified_at", "verified_by", "verified_expires_on", "updated_at"])
    _profile_changed(check.provider_id)
    CheckDecision.objects.create(
        provider_check=check,
        outcome=CheckDecision.Outcome.VERIFIED,
        reason=reason.strip(),
        decided_by=by,
        decided_at=moment,
    )
    _email_provider(
        provider=check.provider,
        subject=f"Vetting check verified: {check_label(check)}",
        template="accreditation_check_verified",
        context={"check": check, "label": check_label(check), "reason": reason.strip()},
    )
    return check


@transaction.atomic
def check_reject(*, provider_check: ProviderCheck, by: User, reason: str, today: date | None = None) -> ProviderCheck:
    """A commissioner turns a check down, saying why; it no longer counts towards accreditation."""
    if not reason.strip():
        raise AccreditationError("Give a reason: the provider will see it and needs to know what to send instead.")
    check = _lock_check(provider_check)
    if check.status not in (ProviderCheck.Status.SUBMITTED, ProviderCheck.Status.VERIFIED):
        raise AccreditationError(
            f"Only a submitted or verified check can be rejected; this one is {check.get_status_display().lower()}."
        )
    _clear_verification(check, status=ProviderCheck.Status.REJECTED)
    CheckDecision.objects.create(
        provider_check=check, outcome=CheckDecision.Outcome.REJECTED, reason=reason.strip(), decided_by=by
    )
    _email_provider(
        provider=check.provider,
        subject=f"Vetting check not accepted: {check_label(check)}",
        template="accreditation_check_rejected",
        context={"check": check, "label": check_label(check), "reason": reason.strip()},
    )
    accreditation_recompute(provider=check.provider, today=today)
    return check


@transaction.atomic
def check_return_to_review(
    *, provider_check: ProviderCheck, reason: str, by: User | None = None, today: date | None = None
) -> ProviderCheck:
    """Send a check back to the review queue (the DBS Update Service reported new information).

    It stops counting as verified until a commissioner looks at it again.
    """
    check = _lock_check(provider_check)
    if check.status not in (ProviderCheck.Status.SUBMITTED, ProviderCheck.Status.VERIFIED):
        raise AccreditationError(
            "Only a submitted or verified check can be returned for review; "
            f"this one is {check.get_status_display().lower()}."
        )
    _clear_verification(check, status=ProviderCheck.Status.SUBMITTED)
    CheckDecision.objects.create(
        provider_check=check, outcome=CheckDecision.Outcome.RETURNED, reason=reason.strip(), decided_by=by
    )
    _email_provider(
        provider=check.provider,
        subject=f"Vetting check being reviewed again: {check_label(check)}",
        template="accreditation_check_returned",
        context={"check": check, "label": check_label(check)},
    )
    _email_commissioners(
        subject=f"Check returned for review: {check_label(check)} for {check.provider.name}",
        template="accreditation_check_returned_commissioners",
        context={"check": check, "label": check_label(check), "reason": reason.strip()},
    )
    accreditation_recompute(provider=check.provider, today=today)
    return check


def _clear_verification(check: ProviderCheck, *, status: str) -> None:
    check.status = status
    check.verified_at = None
    check.verified_by = None
    check.verified_expires_on = None
    check.save(update_fields=["status", "verified_at", "verified_by", "verified_expires_on", "updated_at"])
    _profile_changed(check.provider_id)


# --- Accreditation --------------------------------------------------------------------------------------------


def _lock_accreditation(provider: Provider) -> Accreditation:
    Accreditation.objects.get_or_create(provider=provider)
    return Accreditation.objects.select_for_update().get(provider=provider)


@transaction.atomic
def accreditation_apply(*, provider: Provider, by: User | None, today: date | None = None) -> Accreditation:
    """The provider asks to join the accredited supplier list, once every required check is sent."""
    moment = moment_on(today)
    accreditation = _lock_accreditation(provider)
    match accreditation.status:
        case Accreditation.Status.APPLIED:
            raise AccreditationError("You have already applied. The commissioning team will let you know.")
        case Accreditation.Status.ACCREDITED:
            raise AccreditationError("You are already accredited.")
        case Accreditation.Status.SUSPENDED:
            raise AccreditationError(
                "Your accreditation is suspended. Contact the commissioning team about what to do next."
            )
    summary = provider_vetting_summary(provider=provider, today=today)
    if not summary.is_complete:
        raise AccreditationError("Before you apply, send these checks: " + "; ".join(summary.outstanding) + ".")
    accreditation.status = Accreditation.Status.APPLIED
    accreditation.applied_at = moment
    accreditation.save(update_fields=["status", "applied_at"])
    AccreditationDecision.objects.create(
        provider=provider, outcome=AccreditationDecision.Outcome.APPLIED, decided_by=by, decided_at=moment
    )
    _email_commissioners(
        subject=f"Application for accreditation: {provider.name}",
        template="accreditation_applied",
        context={"provider": provider, "summary": summary},
    )
    _email_provider(
        provider=provider,
        subject="We have your application for accreditation",
        template="accreditation_applied_provider",
        context={"provider": provider},
    )
    return accreditation


# Which decisions a commissioner may take from each state of an accreditation.
DECISIONS_ALLOWED_FROM: dict[str, set[str]] = {
    AccreditationDecision.Outcome.ACCREDITED: {
        Accreditation.Status.APPLIED,
        Accreditation.Status.SUSPENDED,
        Accreditation.Status.LAPSED,
        Accreditation.Status.REFUSED,
    },
    AccreditationDecision.Outcome.REFUSED: {Accreditation.Status.APPLIED},
    AccreditationDecision.Outcome.SUSPENDED: {Accreditation.Status.ACCREDITED},
}
DECISIONS_NEEDING_A_REASON = {AccreditationDecision.Outcome.REFUSED, AccreditationDecision.Outcome.SUSPENDED}


@transaction.atomic
def accreditation_decide(
    *, provider: Provider, by: User, outcome: str, reason: str = "", today: date | None = None
) -> AccreditationDecision:
    """A commissioner accredits, refuses or suspends a provider.

    Accrediting needs every required check verified and in date; if the
    listing is waiting for review it is published too. Refusing and
    suspending need a reason, which the provider is sent.
    """
    from marketplace.providers.services import provider_change_status, provider_set_accreditation

    moment = moment_on(today)
    today = today or timezone.localdate(moment)
    reason = reason.strip()
    if outcome not in DECISIONS_ALLOWED_FROM:
        raise AccreditationError("Choose whether to accredit, refuse or suspend.")
    accreditation = _lock_accreditation(provider)
    if accreditation.status not in DECISIONS_ALLOWED_FROM[outcome]:
        raise AccreditationError(
            f"A provider whose accreditation is “{accreditation.get_status_display().lower()}” cannot be "
            f"{AccreditationDecision.Outcome(outcome).label.lower()}."
        )
    if outcome in DECISIONS_NEEDING_A_REASON and not reason:
        raise AccreditationError("Give a reason: the provider will be sent it.")
    if outcome == AccreditationDecision.Outcome.ACCREDITED:
        summary = provider_vetting_summary(provider=provider, today=today)
        if not summary.is_fully_verified:
            missing = list(summary.unverified) or ["the people who work for the provider"]
            raise AccreditationError(
                "Every required check must be verified and in date first. Not yet: " + "; ".join(missing) + "."
            )

    is_accredited = outcome == AccreditationDecision.Outcome.ACCREDITED
    accreditation.status = outcome
    accreditation.decided_at = moment
    accreditation.accredited_since = today if is_accredited else None
    accreditation.save(update_fields=["status", "decided_at", "accredited_since"])
    decision = AccreditationDecision.objects.create(
        provider=provider, outcome=outcome, reason=reason, decided_by=by, decided_at=moment
    )
    provider_set_accreditation(provider=provider, is_accredited=is_accredited, since=today if is_accredited else None)
    if is_accredited and provider.status == Provider.Status.SUBMITTED:
        provider_change_status(
            provider=provider, to_status=Provider.Status.PUBLISHED, by=by, reason="Accredited: vetting complete."
        )
    _email_provider(
        provider=provider,
        subject=f"Your accreditation: {decision.get_outcome_display().lower()}",
        template="accreditation_decided",
        context={"provider": provider, "decision": decision},
    )
    return decision


@transaction.atomic
def accreditation_recompute(*, provider: Provider, today: date | None = None) -> bool:
    """Keep the badge true to the rule: lapse an accredited provider whose checks no longer all hold.

    Returns True when the provider lapsed. The lapse is recorded as a decision
    by no one (the system), the badge goes at once, and the provider and the
    commissioners are told which checks are missing.
    """
    from marketplace.providers.services import provider_set_accreditation

    moment = moment_on(today)
    today = today or timezone.localdate(moment)
    accreditation = Accreditation.objects.select_for_update().filter(provider=provider).first()
    is_accredited_now = accreditation is not None and accreditation.status == Accreditation.Status.ACCREDITED
    if not is_accredited_now or accreditation is None:
        if provider.is_accredited:
            provider_set_accreditation(provider=provider, is_accredited=False, since=None)
        return False
    summary = provider_vetting_summary(provider=provider, today=today)
    if summary.is_fully_verified:
        if not provider.is_accredited:
            provider_set_accreditation(provider=provider, is_accredited=True, since=accreditation.accredited_since)
        return False

    missing = list(summary.unverified) or ["the people who work for the provider"]
    reason = "Not verified and in date: " + "; ".join(missing) + "."
    accreditation.status = Accreditation.Status.LAPSED
    accreditation.decided_at = moment
    accreditation.accredited_since = None
    accreditation.save(update_fields=["status", "decided_at", "accredited_since"])
    AccreditationDecision.objects.create(
        provider=provider,
        outcome=AccreditationDecision.Outcome.LAPSED,
        reason=reason,
        decided_by=None,
        decided_at=moment,
    )
    provider_set_accreditation(provider=provider, is_accredited=False, since=None)
    context = {"provider": provider, "missing": missing}
    _email_provider(
        provider=provider,
        subject="Your accreditation has lapsed",
        template="accreditation_lapsed",
        context=context,
    )
    _email_commissioners(
        subject=f"Accreditation lapsed: {provider.name}",
        template="accreditation_lapsed_commissioners",
        context=context,
    )
    _signal_contingency(provider=provider, detail=reason)
    return True


def _signal_contingency(*, provider: Provider, detail: str) -> None:
    """Tell the contingency app (provider-failure flags), through the providers' hook, that an accreditation lapsed."""
    provider_hooks.risk_signal(provider=provider, signal="accreditation_lapsed", detail=detail)


# --- The daily expiry job -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpirySweepSummary:
    reminders_sent: int
    checks_expired: int
    providers_lapsed: int

    def __str__(self) -> str:
        return (
            f"{self.reminders_sent} reminders sent, {self.checks_expired} checks expired, "
            f"{self.providers_lapsed} providers lapsed"
        )


def expiry_sweep(*, today: date | None = None) -> ExpirySweepSummary:
    """The daily job: remind 60, 30 and 7 days before expiry, expire checks past their date, lapse providers.

    Idempotent: reminders are recorded (ExpiryReminder) so each goes once, an
    expired check is expired once, and recomputing twice changes nothing. A
    job that missed days sends only the nearest reminder due, not every one.
    """
    today = today or timezone.localdate()
    reminders = _send_expiry_reminders(today=today)
    expired = _expire_checks(today=today)
    lapsed = 0
    accredited_ids = list(
        Accreditation.objects.filter(status=Accreditation.Status.ACCREDITED)
        .order_by("provider_id")
        .values_list("provider_id", flat=True)
    )
    for provider in Provider.objects.filter(pk__in=accredited_ids).order_by("pk"):
        if accreditation_recompute(provider=provider, today=today):
            lapsed += 1
    return ExpirySweepSummary(reminders_sent=reminders, checks_expired=expired, providers_lapsed=lapsed)


def _reminder_due(days_left: int) -> int | None:
    due = [days for days in sorted(REMINDER_DAYS) if days_left <= days]
    return due[0] if due else None


def _send_expiry_reminders(*, today: date) -> int:
    from .selectors import checks_expiring_within

    sent = 0
    for check in list(checks_expiring_within(days=max(REMINDER_DAYS), today=today)):
        assert check.expires_on is not None
        days_before = _reminder_due((check.expires_on - today).days)
        if days_before is None:
            continue
        with transaction.atomic():
            _, created = ExpiryReminder.objects.get_or_create(
                provider_check=check, expires_on=check.expires_on, days_before=days_before
            )
            if not created:
                continue
            _email_provider(
                provider=check.provider,
                subject=f"{check_label(check)} expires on {check.expires_on:%-d %B %Y}",
                template="accreditation_expiry_reminder",
                context={"check": check, "label": check_label(check), "days_left": (check.expires_on - today).days},
            )
            sent += 1
    return sent


def _expire_checks(*, today: date) -> int:
    expired = 0
    due = ProviderCheck.objects.filter(
        status__in=(ProviderCheck.Status.SUBMITTED, ProviderCheck.Status.VERIFIED), expires_on__lt=today
    ).select_related("provider", "check_type", "worker")
    for check in list(due.order_by("pk")):
        with transaction.atomic():
            locked = _lock_check(check)
            if locked.status not in (ProviderCheck.Status.SUBMITTED, ProviderCheck.Status.VERIFIED):
                continue
            locked.status = ProviderCheck.Status.EXPIRED
            locked.save(update_fields=["status", "updated_at"])
            _profile_changed(locked.provider_id)
            CheckDecision.objects.create(
                provider_check=locked,
                outcome=CheckDecision.Outcome.EXPIRED,
                reason=f"Expired on {locked.expires_on:%-d %B %Y}.",
                decided_by=None,
            )
            if locked.worker_id is None or (locked.worker is not None and locked.worker.is_active):
                _email_provider(
                    provider=locked.provider,
                    subject=f"{check_label(locked)} has expired",
                    template="accreditation_check_expired",
                    context={"check": locked, "label": check_label(locked)},
                )
            expired += 1
    return expired


# --- Email ------------------------------------------------------------------------------------------------------


def _email_provider(*, provider: Provider, subject: str, template: str, context: dict[str, Any]) -> None:
    email_send(
        to=provider_email_addresses(provider),
        subject=subject,
        template=template,
        context={"provider": provider, **context},
    )


def _email_commissioners(*, subject: str, template: str, context: dict[str, Any]) -> None:
    from marketplace.accounts.selectors import commissioner_email_addresses

    email_send(to=commissioner_email_addresses(), subject=subject, template=template, context=context)
