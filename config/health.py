"""/healthz: the state of the database, the search backend and the task broker, as JSON."""

from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from marketplace.core.models import ScheduledJobRun


def database_state() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"status": "ok", "engine": connection.vendor}
    except Exception as error:
        return {"status": "error", "error": type(error).__name__}


def search_state() -> dict[str, Any]:
    from search.api import get_backend

    try:
        return get_backend().health()
    except Exception as error:
        return {"backend": settings.SEARCH_BACKEND, "status": "error", "error": type(error).__name__}


def broker_state() -> dict[str, Any]:
    from config.celery import app

    state: dict[str, Any] = {"url_scheme": settings.CELERY_BROKER_URL.split(":", 1)[0]}
    try:
        # The configured URL, read afresh: the app's own may be cached from start-up.
        with app.connection_for_write(url=settings.CELERY_BROKER_URL) as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
        state["status"] = "ok"
    except Exception as error:
        state.update(status="error", error=type(error).__name__)
    try:
        last = ScheduledJobRun.objects.order_by("-last_run_at").first()
    except Exception as error:
        # The database being down is the database check's to report; this one says what it could.
        state["scheduler_last_ran_at"] = None
        state["scheduler_error"] = type(error).__name__
        return state
    state["scheduler_last_ran_at"] = last.last_run_at.isoformat() if last else None
    if last:
        state["scheduler_minutes_since"] = round((timezone.now() - last.last_run_at).total_seconds() / 60, 1)
    return state


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": database_state(), "search": search_state(), "broker": broker_state()}
    # Search falls back to the database, so only the database makes the site unhealthy.
    healthy = checks["database"]["status"] == "ok"
    overall = "ok" if all(check["status"] == "ok" for check in checks.values()) else "degraded"
    return JsonResponse({"status": overall if healthy else "error", **checks}, status=200 if healthy else 503)
