"""Reads of monitoring records for pages, the admin, reports and other apps.

The schedule (who is due a visit, who is overdue) lives in `schedule.py`;
`monitoring_due` and `monitoring_overdue` are re-exported here so other apps
read monitoring through this module.
"""

from collections.abc import Iterable
from datetime import date

from django.db.models import Prefetch, QuerySet

from marketplace.providers.models import Provider

from .hooks import Voice, registered_voice_sources
from .models import Action, ActionUpdate, Feedback, MonitoringVisit
from .schedule import ScheduleRow, monitoring_due, monitoring_overdue, monitoring_schedule

__all__ = [
    "ScheduleRow",
    "action_for_provider_response",
    "feedback_moderation_queue",
    "monitoring_due",
    "monitoring_overdue",
    "monitoring_schedule",
    "overdue_actions_for_providers",
    "published_outcomes",
    "visits_for_admin",
    "what_people_said",
]


def visits_for_admin() -> QuerySet[MonitoringVisit]:
    """Every visit, with what the admin listing shows."""
    return MonitoringVisit.objects.select_related("provider", "provider__locality", "officer", "arrangement")


def published_outcomes(*, provider: Provider) -> QuerySet[MonitoringVisit]:
    """A provider's published visit outcomes, newest first, with their actions (never drafts or unpublished ones)."""
    return (
        MonitoringVisit.objects.published()
        .filter(provider=provider)
        .select_related("follows_up")
        .prefetch_related(
            Prefetch("actions", queryset=Action.objects.order_by("due_on", "id")),
            Prefetch(
                "actions__updates",
                queryset=ActionUpdate.objects.filter(kind=ActionUpdate.Kind.PROVIDER_RESPONSE).order_by("-at"),
                to_attr="responses",
            ),
        )
        .order_by("-visited_on", "-id")
    )


def action_for_provider_response(*, provider: Provider, action_uuid: str) -> Action | None:
    """An action the provider may see and answer: on one of its own published visits."""
    return (
        Action.objects.select_related("visit", "visit__provider")
        .filter(
            uuid=action_uuid,
            visit__provider=provider,
            visit__status=MonitoringVisit.Status.PUBLISHED,
        )
        .first()
    )


def feedback_moderation_queue() -> QuerySet[Feedback]:
    """Feedback waiting for a commissioner, oldest first."""
    return (
        Feedback.objects.filter(moderation_status=Feedback.Moderation.PENDING)
        .select_related("provider")
        .order_by("submitted_at", "id")
    )


def what_people_said(*, provider: Provider, limit: int = 10) -> list[Voice]:
    """Approved feedback and what other apps register (published reviews), newest first, at most `limit`.

    One query for feedback and one per registered source, whatever the number of rows.
    """
    voices = [
        Voice(
            kind="Feedback",
            at=feedback.submitted_at,
            rating=feedback.rating,
            text=feedback.text,
            is_complaint=feedback.is_complaint,
        )
        for feedback in Feedback.objects.filter(
            provider=provider, moderation_status=Feedback.Moderation.APPROVED
        ).order_by("-submitted_at", "-id")[:limit]
    ]
    for source in registered_voice_sources():
        voices.extend(source(provider, limit))
    voices.sort(key=lambda voice: voice.at, reverse=True)
    return voices[:limit]


def overdue_actions_for_providers(*, providers: Iterable[Provider], today: date) -> list[Action]:
    """The providers' own actions past their due date and not done, on published visits, oldest due first.

    Overdue as `Action.is_overdue` says it (open or in progress, due before today); only actions
    the provider owns: those a council officer owns are not theirs to answer.
    """
    return list(
        Action.objects.filter(
            visit__provider__in=list(providers),
            visit__status=MonitoringVisit.Status.PUBLISHED,
            owner=Action.Owner.PROVIDER,
            status__in=Action.OPEN_STATUSES,
            due_on__lt=today,
        )
        .select_related("visit__provider")
        .order_by("due_on", "id")
    )
