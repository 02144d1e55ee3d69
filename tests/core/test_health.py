"""/healthz: the database, the search backend and the task broker, as JSON."""

import datetime

import pytest
from django.db import OperationalError
from django.utils import timezone

from config import health
from marketplace.core.models import ScheduledJobRun
from marketplace.core.services import scheduled_job_record_run
from marketplace.providers.tasks import record_scheduler_heartbeat

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_with_every_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert set(body) == {"status", "database", "search", "broker"}
    assert body["database"]["status"] == "ok"
    assert body["database"]["engine"] in {"sqlite", "postgresql"}
    assert body["search"] == {"backend": "database", "status": "ok", "engine": body["database"]["engine"]}
    assert body["broker"]["url_scheme"] == "memory"
    assert body["broker"]["status"] == "ok"
    assert body["status"] == "ok"


def test_healthz_says_when_the_scheduler_has_never_run(client):
    broker = client.get("/healthz").json()["broker"]
    assert broker["scheduler_last_ran_at"] is None
    assert "scheduler_minutes_since" not in broker


def test_the_heartbeat_task_shows_on_healthz(client):
    record_scheduler_heartbeat.delay()
    broker = client.get("/healthz").json()["broker"]
    last_ran = datetime.datetime.fromisoformat(broker["scheduler_last_ran_at"])
    assert timezone.now() - last_ran < datetime.timedelta(minutes=1)
    assert broker["scheduler_minutes_since"] == 0.0


def test_healthz_reports_the_most_recent_scheduled_job():
    scheduled_job_record_run(name="heartbeat")
    ScheduledJobRun.objects.filter(name="heartbeat").update(last_run_at=timezone.now() - datetime.timedelta(hours=2))
    scheduled_job_record_run(name="availability-reminders", result="3 reminders sent")
    state = health.broker_state()
    run = ScheduledJobRun.objects.get(name="availability-reminders")
    assert state["scheduler_last_ran_at"] == run.last_run_at.isoformat()
    assert run.last_result == "3 reminders sent"


def test_recording_a_run_again_updates_the_one_row():
    scheduled_job_record_run(name="heartbeat", result="first")
    scheduled_job_record_run(name="heartbeat", result="x" * 400)
    run = ScheduledJobRun.objects.get()
    assert run.last_result == "x" * 300


def test_database_down_answers_503(client, monkeypatch):
    monkeypatch.setattr(health, "database_state", lambda: {"status": "error", "error": "OperationalError"})
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == {"status": "error", "error": "OperationalError"}


def test_the_database_check_reports_the_error_type_not_the_details(monkeypatch):
    class BrokenCursor:
        def __enter__(self):
            raise OperationalError("could not connect to server at 10.0.0.5 with password hunter2")

        def __exit__(self, *args: object) -> None:
            return None

    monkeypatch.setattr(health.connection, "cursor", lambda: BrokenCursor())
    assert health.database_state() == {"status": "error", "error": "OperationalError"}


def test_search_down_is_degraded_but_still_200(client, monkeypatch):
    def broken_backend(name=None):
        raise ConnectionError("search server unreachable")

    monkeypatch.setattr("search.api.get_backend", broken_backend)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["search"]["status"] == "error"
    assert body["search"]["error"] == "ConnectionError"


def test_broker_down_is_degraded_but_still_200(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["broker"]["url_scheme"] == "redis"
    assert body["broker"]["status"] == "error"


def test_healthz_refuses_other_methods(client):
    assert client.post("/healthz").status_code == 405


def _database_down(execute, sql, params, many, context):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def test_every_query_failing_answers_503_not_500(client):
    """The database down for real: every query fails, the scheduler lookup included."""
    from django.db import connection

    with connection.execute_wrapper(_database_down):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == {"status": "error", "error": "OperationalError"}
    assert body["broker"]["scheduler_last_ran_at"] is None
    assert body["broker"]["scheduler_error"] == "OperationalError"
