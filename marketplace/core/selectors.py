"""Reads shared by every app."""

from typing import Any

from django.db.models import Count

from .models import OutboxEmail

SHOWN = 200


def outbox_problems() -> dict[str, Any]:
    """Failed emails (newest first) and those still retrying, with the counts of each state."""
    counts = dict(OutboxEmail.objects.values_list("state").annotate(count=Count("pk")).order_by())
    failed = list(OutboxEmail.objects.filter(state=OutboxEmail.State.FAILED).order_by("-created_at")[:SHOWN])
    retrying = list(
        OutboxEmail.objects.filter(state=OutboxEmail.State.QUEUED, attempts__gt=0).order_by("next_attempt_at")[:SHOWN]
    )
    return {
        "failed": failed,
        "retrying": retrying,
        "counts": {state.label: counts.get(state.value, 0) for state in OutboxEmail.State},
    }
