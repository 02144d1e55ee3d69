"""Every write to contract monitoring goes through these functions.

Visits: recorded as drafts, finalised (the overall rating is derived by
`rating.py` and the decision appended to `RatingDecision`), published to the
provider, and afterwards changed only by an amendment with a reason, which
appends another decision. Actions: created and changed by commissioners,
answered by the provider; each change is appended to `ActionUpdate`.
Feedback: submitted from the public profile and moderated before it counts.
"""

import logging
import os
from collections.abc import Mapping
from datetime import date, timedelta

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.core.errors import DomainError
from marketplace.core.notifications import email_send
from marketplace.core.uploads import DetectedType, UploadError, check_upload
from marketplace.providers import hooks as provider_hooks
from marketplace.providers.models import Provider
from marketplace.providers.selectors import provider_email_addresses

from .models import (
    DOMAIN_FIELDS,
    Action,
    ActionUpdate,
    Arrangement,
    ArrangementMembership,
    Domain,
    Feedback,
    MonitoringVisit,
    OverdueAlert,
    Rating,
    RatingDecision,
    VisitAttachment,
)
from .rating import IncompleteRatings, overall_rating

logger = logging.getLogger(__name__)

FEEDBACK_MIN_LENGTH = 10
FEEDBACK_MAX_LENGTH = 2000
OVERDUE_ALERT_EVERY_DAYS = 7


class MonitoringError(DomainError):
    """A change to monitoring records that the rules do not allow; the message is for people."""


# Arrangements --------------------------------------------------------------


@transaction.atomic
def arrangement_membership_add(
    *, arrangement: Arrangement, provider: Provider, start_on: date, end_on: date | None = None, reference: str = ""
) -> ArrangementMembership:
    """Put a provider on an arrangement from a date; refuses overlapping memberships of the same arrangement."""
    if end_on is not None and end_on < start_on:
        raise MonitoringError("The end date must be on or after the start date.")
    if arrangement.ends_on is not None and start_on > arrangement.ends_on:
        raise MonitoringError(f"{arrangement.name} ended on {arrangement.ends_on:%d %B %Y}.")
    membership = ArrangementMembership(arrangement=arrangement, provider=provider, start_on=start_on, end_on=end_on)
    if membership.overlapping().exists():
        raise MonitoringError(f"{provider.name} is already on {arrangement.name} for some of those dates.")
    return ArrangementMembership.objects.create(
        arrangement=arrangement, provider=provider, start_on=start_on, end_on=end_on, reference=reference.strip()
    )


@transaction.atomic
def arrangement_membership_end(*, membership: ArrangementMembership, end_on: date) -> ArrangementMembership:
    """Take a provider off an arrangement from a date (the membership is kept, with its end date)."""
    if end_on < membership.start_on:
        raise MonitoringError("The end date must be on or after the start date.")
    membership.end_on = end_on
    membership.save(update_fields=["end_on"])
    return membership


# Visits --------------------------------------------------------------------


def _clean_ratings(ratings: Mapping[str, str] | None) -> dict[str, str]:
    ratings = ratings or {}
    unknown = set(ratings) - set(DOMAIN_FIELDS)
    if unknown:
        raise MonitoringError(f"Unknown domains: {', '.join(sorted(unknown))}.")
    cleaned = {}
    for domain in DOMAIN_FIELDS:
        value = (ratings.get(domain) or "").strip()
        if value and value not in Rating.values:
            raise MonitoringError(f"Choose Excellent, Good, Requires improvement or Poor for {Domain(domain).label}.")
        cleaned[domain] = value
    return cleaned


def _check_visit_facts(
    *,
    provider: Provider,
    visit_type: str,
    visited_on: date,
    arrangement: Arrangement | None,
    follows_up: MonitoringVisit | None,
    today: date,
) -> None:
    if visit_type not in MonitoringVisit.VisitType.values:
        raise MonitoringError("Choose the type of visit.")
    if visited_on > today:
        raise MonitoringError("The date of the visit must be today or in the past.")
    if (
        arrangement is not None
        and not ArrangementMembership.objects.filter(
            arrangement=arrangement, provider=provider, start_on__lte=visited_on
        ).exists()
    ):
        raise MonitoringError(f"{provider.name} was not on {arrangement.name} on the date of the visit.")
    if follows_up is not None:
        if follows_up.provider_id != provider.pk:
            raise MonitoringError("A follow-up visit must be to the same provider as the visit it follows up.")
        if follows_up.visited_on > visited_on:
            raise MonitoringError("A follow-up visit cannot take place before the visit it follows up.")


@transaction.atomic
def visit_record(
    *,
    provider: Provider,
    visit_type: str,
    visited_on: date,
    by: User,
    officer: User | None = None,
    arrangement: Arrangement | None = None,
    follows_up: MonitoringVisit | None = None,
    ratings: Mapping[str, str] | None = None,
    evidence_notes: str = "",
    summary_for_provider: str = "",
    today: date | None = None,
) -> MonitoringVisit:
    """Record a visit or audit as a draft; ratings may be filled in now or later, until it is finalised."""
    today = today or timezone.localdate()
    _check_visit_facts(
        provider=provider,
        visit_type=visit_type,
        visited_on=visited_on,
        arrangement=arrangement,
        follows_up=follows_up,
        today=today,
    )
    return MonitoringVisit.objects.create(
        provider=provider,
        visit_type=visit_type,
        visited_on=visited_on,
        officer=officer or by,
        arrangement=arrangement,
        follows_up=follows_up,
        evidence_notes=evidence_notes.strip(),
        summary_for_provider=summary_for_provider.strip(),
        created_by=by,
        **_clean_ratings(ratings),
    )


def _lock_visit(visit: MonitoringVisit) -> MonitoringVisit:
    # Lock the visit's row only: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    return MonitoringVisit.objects.select_for_update(of=("self",)).select_related("provider").get(pk=visit.pk)


@transaction.atomic
def visit_update_draft(
    *,
    visit: MonitoringVisit,
    by: User,
    visit_type: str,
    visited_on: date,
    officer: User | None,
    arrangement: Arrangement | None,
    ratings: Mapping[str, str] | None,
    evidence_notes: str,
    summary_for_provider: str,
    today: date | None = None,
) -> MonitoringVisit:
    """Change a draft visit. Finalised visits are never edited: amend them (`visit_amend`)."""
    today = today or timezone.localdate()
    visit = _lock_visit(visit)
    if not visit.is_draft:
        raise MonitoringError("This visit is finalised, so it cannot be edited. Record an amendment instead.")
    _check_visit_facts(
        provider=visit.provider,
        visit_type=visit_type,
        visited_on=visited_on,
        arrangement=arrangement,
        follows_up=visit.follows_up,
        today=today,
    )
    visit.visit_type = visit_type
    visit.visited_on = visited_on
    visit.officer = officer or by
    visit.arrangement = arrangement
    visit.evidence_notes = evidence_notes.strip()
    visit.summary_for_provider = summary_for_provider.strip()
    for domain, value in _clean_ratings(ratings).items():
        setattr(visit, domain, value)
    visit.save()
    return visit


def _decide(*, visit: MonitoringVisit, kind: str, by: User, reason: str) -> RatingDecision:
    """Derive the overall rating from the visit's domain ratings and append the decision."""
    try:
        result = overall_rating(visit.domain_ratings)
    except IncompleteRatings as error:
        raise MonitoringError(str(error)) from error
    visit.overall_rating = result.rating
    return RatingDecision.objects.create(
        visit=visit,
        kind=kind,
        rule_explanation=result.explanation[:300],
        reason=reason.strip(),
        decided_by=by,
        overall_rating=result.rating,
        **visit.domain_ratings,
    )


def _signal_poor_rating(visit: MonitoringVisit) -> None:
    """Tell the contingency app, through the providers' hook, that a visit was rated Poor overall (it may open or
    raise a flag)."""
    provider_hooks.risk_signal(
        provider=visit.provider,
        signal="poor_monitoring_rating",
        detail=f"{visit.get_visit_type_display()} on {visit.visited_on:%d %B %Y} rated Poor overall.",
    )


@transaction.atomic
def visit_finalise(*, visit: MonitoringVisit, by: User, reason: str = "") -> RatingDecision:
    """Fix a draft visit's ratings and derive its overall rating; from now on it changes only by amendment.

    A Poor overall rating is reported to the contingency app in the same transaction.
    """
    visit = _lock_visit(visit)
    if not visit.is_draft:
        raise MonitoringError("This visit is already finalised.")
    decision = _decide(visit=visit, kind=RatingDecision.Kind.FINALISED, by=by, reason=reason)
    visit.status = MonitoringVisit.Status.FINALISED
    visit.finalised_by = by
    visit.finalised_at = decision.decided_at
    visit.save(update_fields=["overall_rating", "status", "finalised_by", "finalised_at", "updated_at"])
    if visit.overall_rating == Rating.POOR:
        _signal_poor_rating(visit)
    return decision


@transaction.atomic
def visit_publish(*, visit: MonitoringVisit, by: User) -> RatingDecision:
    """Show a finalised visit's outcome (ratings, summary and actions) to the provider and tell them."""
    visit = _lock_visit(visit)
    if visit.is_draft:
        raise MonitoringError("Finalise the visit before publishing it to the provider.")
    if visit.is_published:
        raise MonitoringError("This visit is already published to the provider.")
    decision = _decide(visit=visit, kind=RatingDecision.Kind.PUBLISHED, by=by, reason="Published to the provider")
    visit.status = MonitoringVisit.Status.PUBLISHED
    visit.published_by = by
    visit.published_at = decision.decided_at
    visit.save(update_fields=["overall_rating", "status", "published_by", "published_at", "updated_at"])
    email_send(
        to=provider_email_addresses(visit.provider),
        subject=f"Your monitoring visit outcome: {visit.get_overall_rating_display()}",
        template="monitoring_outcome_published",
        context={"visit": visit, "provider": visit.provider, "actions": list(visit.actions.all())},
    )
    return decision


@transaction.atomic
def visit_amend(
    *,
    visit: MonitoringVisit,
    by: User,
    ratings: Mapping[str, str],
    reason: str,
    summary_for_provider: str | None = None,
) -> RatingDecision:
    """Correct a finalised visit's ratings: the new ratings are in force, the old decision stays in the history.

    A reason is required. Becoming Poor is reported to the contingency app;
    a provider who has the outcome is told it changed.
    """
    visit = _lock_visit(visit)
    if visit.is_draft:
        raise MonitoringError("A draft visit is edited, not amended.")
    if not reason.strip():
        raise MonitoringError("Give the reason for the amendment: it is kept in the visit's history.")
    cleaned = _clean_ratings(ratings)
    was_poor = visit.overall_rating == Rating.POOR
    changed_summary = summary_for_provider is not None and summary_for_provider.strip() != visit.summary_for_provider
    if cleaned == visit.domain_ratings and not changed_summary:
        raise MonitoringError("Nothing has changed: change a rating or the summary to amend the visit.")
    for domain, value in cleaned.items():
        setattr(visit, domain, value)
    if summary_for_provider is not None:
        visit.summary_for_provider = summary_for_provider.strip()
    decision = _decide(visit=visit, kind=RatingDecision.Kind.AMENDED, by=by, reason=reason)
    visit.save(update_fields=[*DOMAIN_FIELDS, "overall_rating", "summary_for_provider", "updated_at"])
    if visit.overall_rating == Rating.POOR and not was_poor:
        _signal_poor_rating(visit)
    if visit.is_published:
        email_send(
            to=provider_email_addresses(visit.provider),
            subject="Your monitoring visit outcome has been amended",
            template="monitoring_outcome_amended",
            context={"visit": visit, "provider": visit.provider, "decision": decision},
        )
    return decision


def _check_attachment(upload: UploadedFile) -> DetectedType:
    """What the upload really is (by content, not name), after the virus scan when one is configured."""
    try:
        return check_upload(upload)
    except UploadError as error:
        raise MonitoringError(str(error)) from error


@transaction.atomic
def visit_attach(*, visit: MonitoringVisit, upload: UploadedFile, by: User, description: str = "") -> VisitAttachment:
    """Keep a document or photo with a visit's evidence, in private storage (commissioners only).

    A PDF, JPEG or PNG by content, within the size limit and virus-scanned
    when a scanner is configured. Allowed at any stage: evidence may arrive
    after the ratings are decided, and adding it changes no rating.
    """
    detected = _check_attachment(upload)
    attachment = VisitAttachment(
        visit=visit,
        original_name=os.path.basename(upload.name or "attachment")[:200] or "attachment",
        content_type=detected.content_type,
        size=upload.size or 0,
        description=description.strip()[:200],
        uploaded_by=by,
    )
    # The stored name comes from attachment_path: random, saying nothing of the provider or the person.
    attachment.file.save(f"upload.{detected.extension}", File(upload), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def visit_follow_up_create(
    *,
    visit: MonitoringVisit,
    by: User,
    visit_type: str,
    visited_on: date,
    officer: User | None = None,
    today: date | None = None,
) -> MonitoringVisit:
    """Record a follow-up visit (a draft) to check the actions of an earlier one."""
    if visit.is_draft:
        raise MonitoringError("Finalise this visit before recording a follow-up to it.")
    return visit_record(
        provider=visit.provider,
        visit_type=visit_type,
        visited_on=visited_on,
        by=by,
        officer=officer,
        arrangement=visit.arrangement,
        follows_up=visit,
        today=today,
    )


# Actions -------------------------------------------------------------------


def _check_action_fields(*, description: str, owner: str, status: str | None = None) -> None:
    if not description.strip():
        raise MonitoringError("Describe what must be done.")
    if owner not in Action.Owner.values:
        raise MonitoringError("Choose who owns the action.")
    if status is not None and status not in Action.Status.values:
        raise MonitoringError("Choose the status of the action.")


@transaction.atomic
def action_create(
    *,
    visit: MonitoringVisit,
    by: User,
    description: str,
    due_on: date,
    owner: str = Action.Owner.PROVIDER,
    owner_name: str = "",
    owner_user: User | None = None,
    domain: str = "",
) -> Action:
    """Add an action to a visit's action plan."""
    _check_action_fields(description=description, owner=owner)
    if domain and domain not in Domain.values:
        raise MonitoringError("Choose one of the quality domains, or none.")
    if due_on < visit.visited_on:
        raise MonitoringError("The due date must be on or after the date of the visit.")
    action = Action.objects.create(
        visit=visit,
        description=description.strip(),
        due_on=due_on,
        owner=owner,
        owner_name=owner_name.strip(),
        owner_user=owner_user,
        domain=domain,
        created_by=by,
    )
    ActionUpdate.objects.create(
        action=action,
        kind=ActionUpdate.Kind.CREATED,
        to_status=action.status,
        note=f"Due {due_on:%d %B %Y}, owned by {action.owner_label}.",
        by=by,
    )
    return action


@transaction.atomic
def action_update(
    *,
    action: Action,
    by: User,
    description: str,
    due_on: date,
    owner: str,
    owner_name: str,
    status: str,
    domain: str = "",
    note: str = "",
) -> Action:
    """A commissioner changes an action (including closing or reopening it); the change is appended to its history."""
    _check_action_fields(description=description, owner=owner, status=status)
    if domain and domain not in Domain.values:
        raise MonitoringError("Choose one of the quality domains, or none.")
    action = Action.objects.select_for_update(of=("self",)).select_related("visit").get(pk=action.pk)
    if due_on < action.visit.visited_on:
        raise MonitoringError("The due date must be on or after the date of the visit.")
    changes = []
    if description.strip() != action.description:
        changes.append("description changed")
    if due_on != action.due_on:
        changes.append(f"due date {action.due_on:%d %B %Y} → {due_on:%d %B %Y}")
    if owner != action.owner or owner_name.strip() != action.owner_name:
        changes.append("owner changed")
    if domain != action.domain:
        changes.append("domain changed")
    from_status = action.status
    if not changes and status == from_status and not note.strip():
        raise MonitoringError("Nothing has changed.")
    action.description = description.strip()
    action.due_on = due_on
    action.owner = owner
    action.owner_name = owner_name.strip()
    action.domain = domain
    action.status = status
    action.save()
    summary = "; ".join(changes)
    parts = [f"{summary[:1].upper()}{summary[1:]}." if summary else "", note.strip()]
    ActionUpdate.objects.create(
        action=action,
        kind=ActionUpdate.Kind.CHANGED,
        from_status=from_status,
        to_status=status,
        note=" ".join(part for part in parts if part),
        by=by,
    )
    return action


@transaction.atomic
def action_respond(*, action: Action, by: User, response: str, status: str) -> Action:
    """The provider answers an action of a published visit: what they did, and whether it is in progress or done."""
    action = (
        Action.objects.select_for_update(of=("self",))
        .select_related("visit__provider", "visit__officer")
        .get(pk=action.pk)
    )
    if not action.visit.is_published:
        raise MonitoringError("This action is not published to you yet.")
    if action.status == Action.Status.CLOSED:
        raise MonitoringError("The council has closed this action, so it cannot be answered.")
    if status not in Action.PROVIDER_STATUSES:
        raise MonitoringError("Choose whether the action is in progress or done.")
    if not response.strip():
        raise MonitoringError("Say what you have done or are doing about this action.")
    if len(response) > FEEDBACK_MAX_LENGTH:
        raise MonitoringError(f"Your answer must be {FEEDBACK_MAX_LENGTH:,} characters or fewer.")
    from_status = action.status
    action.provider_response = response.strip()
    action.status = status
    action.responded_at = timezone.now()
    action.responded_by = by
    action.save(update_fields=["provider_response", "status", "responded_at", "responded_by"])
    ActionUpdate.objects.create(
        action=action,
        kind=ActionUpdate.Kind.PROVIDER_RESPONSE,
        from_status=from_status,
        to_status=status,
        note=action.provider_response,
        by=by,
    )
    officer = action.visit.officer
    email_send(
        to=[officer.email] if officer is not None and officer.is_active else _commissioner_emails(),
        subject=f"{action.visit.provider.name} answered a monitoring action",
        template="monitoring_action_response",
        context={"action": action, "visit": action.visit, "provider": action.visit.provider},
    )
    return action


# Feedback ------------------------------------------------------------------


@transaction.atomic
def feedback_submit(
    *,
    provider: Provider,
    text: str,
    relationship: str,
    from_name: str = "",
    rating: int | None = None,
    is_complaint: bool = False,
) -> Feedback:
    """Keep feedback from the public profile, waiting for moderation: it is never published or counted before."""
    if not provider.is_published:
        raise MonitoringError("Feedback can only be left about a listing in the directory.")
    if relationship not in Feedback.Relationship.values:
        raise MonitoringError("Say how you know the service.")
    text = text.strip()
    if len(text) < FEEDBACK_MIN_LENGTH:
        raise MonitoringError(f"Your feedback must be at least {FEEDBACK_MIN_LENGTH} characters.")
    if len(text) > FEEDBACK_MAX_LENGTH:
        raise MonitoringError(f"Your feedback must be {FEEDBACK_MAX_LENGTH:,} characters or fewer.")
    if rating is not None and not 1 <= rating <= 5:
        raise MonitoringError("Choose a rating from 1 to 5, or leave it out.")
    return Feedback.objects.create(
        provider=provider,
        text=text,
        relationship=relationship,
        from_name=from_name.strip()[:200],
        rating=rating,
        is_complaint=is_complaint,
    )


@transaction.atomic
def feedback_moderate(*, feedback: Feedback, by: User, decision: str, reason: str = "") -> Feedback:
    """Approve feedback (it then counts: an approved complaint shortens the monitoring interval) or reject it."""
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if feedback.moderation_status != Feedback.Moderation.PENDING:
        raise MonitoringError(f"This feedback was already {feedback.get_moderation_status_display().lower()}.")
    if decision not in (Feedback.Moderation.APPROVED, Feedback.Moderation.REJECTED):
        raise MonitoringError("Choose approve or reject.")
    if decision == Feedback.Moderation.REJECTED and not reason.strip():
        raise MonitoringError("Give the reason for rejecting the feedback.")
    feedback.moderation_status = decision
    feedback.moderated_by = by
    feedback.moderated_at = timezone.now()
    feedback.moderation_reason = reason.strip()
    feedback.save(update_fields=["moderation_status", "moderated_by", "moderated_at", "moderation_reason"])
    return feedback


# Overdue visits ------------------------------------------------------------


def _commissioner_emails() -> list[str]:
    from marketplace.accounts.selectors import commissioner_email_addresses

    return commissioner_email_addresses()


@transaction.atomic
def monitoring_alert_overdue(*, today: date | None = None) -> int:
    """Email commissioners the providers whose monitoring visit is overdue, each at most once a week.

    Returns how many providers were in the alert (0 when none was sent).
    Safe to run more than once a day: a provider alerted in the last seven
    days is left out.
    """
    from .schedule import monitoring_overdue

    today = today or timezone.localdate()
    recently_alerted = set(
        OverdueAlert.objects.filter(sent_on__gt=today - timedelta(days=OVERDUE_ALERT_EVERY_DAYS)).values_list(
            "provider_id", flat=True
        )
    )
    rows = [row for row in monitoring_overdue(today=today) if row.provider.pk not in recently_alerted]
    if not rows:
        return 0
    recipients = _commissioner_emails()
    if not recipients:
        logger.warning("%s providers are overdue for monitoring but there is no commissioner to tell", len(rows))
        return 0
    rows.sort(key=lambda row: (-row.days_overdue, row.provider.name))
    email_send(
        to=recipients,
        subject=f"Monitoring overdue: {len(rows)} provider{'s' if len(rows) != 1 else ''}",
        template="monitoring_overdue_alert",
        context={"rows": rows, "today": today},
    )
    OverdueAlert.objects.bulk_create(
        [OverdueAlert(provider=row.provider, due_on=row.due_on, sent_on=today) for row in rows]
    )
    return len(rows)
