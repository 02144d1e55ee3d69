"""Large exports are built by a worker: the person gets a page with the progress, then the download."""

import csv
import io
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketplace.core import exports, tasks
from marketplace.core.models import ExportJob
from marketplace.core.storage import private_storage
from tests.factories import (
    ArrangementFactory,
    ArrangementMembershipFactory,
    MonitoringVisitFactory,
    ProviderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

VISITS = reverse("monitoring_visits:index")


@pytest.fixture
def visits(commissioner_user: Any) -> list[Any]:
    arrangement = ArrangementFactory()
    return [
        MonitoringVisitFactory(provider=ProviderFactory(name=f"Provider {number}"), arrangement=arrangement)
        for number in range(5)
    ]


@pytest.fixture
def small_inline_limit(settings: Any) -> None:
    settings.EXPORT_INLINE_ROWS = 2


@pytest.fixture
def worker_idle(monkeypatch: Any) -> list[int]:
    """Tasks are queued but no worker runs them (yet): the ids queued are returned."""
    queued: list[int] = []
    monkeypatch.setattr(tasks.build_export, "delay", lambda *, job_id: queued.append(job_id))
    return queued


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_small_export_is_answered_at_once(client, commissioner_user, visits):
    client.force_login(commissioner_user)
    response = client.get(VISITS, {"export": "xlsx"})
    assert response.status_code == 200
    assert ExportJob.objects.count() == 0


def test_a_large_export_is_built_by_the_worker_and_downloaded(client, commissioner_user, visits, small_inline_limit):
    client.force_login(commissioner_user)
    response = client.get(VISITS, {"export": "xlsx", "q": "Provider"})

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exports:status", kwargs={"token": job.token})
    assert (job.state, job.rows_total, job.rows_done) == (ExportJob.State.READY, 5, 5)
    page = client.get(response["Location"])
    assert b"Your download is ready" in page.content
    assert b'http-equiv="refresh"' not in page.content
    assert b"Back to the list" in page.content
    assert b"export=xlsx" not in page.content
    download = client.get(reverse("exports:download", kwargs={"token": job.token}))
    assert download["Content-Disposition"] == 'attachment; filename="monitoring-visits.xlsx"'
    rows = list(openpyxl.load_workbook(io.BytesIO(body(download))).active.iter_rows(values_only=True))
    assert rows[0][0] == "Provider"
    assert sorted(row[0] for row in rows[1:]) == [f"Provider {number}" for number in range(5)]


def test_the_worker_applies_the_same_filters_to_a_csv(client, commissioner_user, visits, settings):
    settings.EXPORT_INLINE_ROWS = 0
    client.force_login(commissioner_user)
    client.get(VISITS, {"export": "csv", "q": "Provider 1"})
    client.get(VISITS, {"export": "csv", "q": "Provider"})

    narrow, wide = ExportJob.objects.order_by("created_at", "pk")
    for job, expected in ((narrow, 1), (wide, 5)):
        download = client.get(reverse("exports:download", kwargs={"token": job.token}))
        rows = list(csv.reader(io.StringIO(body(download).decode("utf-8"))))
        assert len(rows) == 1 + expected


def test_a_report_of_rows_not_from_a_queryset_goes_the_same_way(
    client, commissioner_user, visits, small_inline_limit, settings
):
    """The due-and-overdue report exports a list of computed rows, not a queryset."""
    client.force_login(commissioner_user)
    settings.EXPORT_INLINE_ROWS = 0
    for visit in visits:
        ArrangementMembershipFactory(provider=visit.provider, arrangement=visit.arrangement, start_on=visit.visited_on)
    response = client.get(reverse("monitoring_schedule:index"), {"export": "xlsx", "show": "all"})

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert job.state == ExportJob.State.READY
    assert job.rows_total == 5


def test_while_it_is_built_the_page_shows_progress_and_a_check_again_link_without_javascript(
    client, commissioner_user, visits, small_inline_limit, worker_idle
):
    client.force_login(commissioner_user)
    response = client.get(VISITS, {"export": "xlsx"})
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(state=ExportJob.State.RUNNING, rows_done=2)

    page = client.get(response["Location"])

    assert b'http-equiv="refresh"' not in page.content  # no timed refresh (WCAG 2.2.1; axe's meta-refresh rule)
    assert b"2 of 5 rows written" in page.content
    assert b'<progress id="export-progress" max="5" value="2">40%</progress>' in page.content
    assert f'href="{response["Location"]}">Check again'.encode() in page.content
    assert client.get(reverse("exports:download", kwargs={"token": job.token})).status_code == 404
    assert worker_idle == [job.pk]


def test_asking_twice_while_it_is_built_reuses_the_job(
    client, commissioner_user, visits, small_inline_limit, worker_idle
):
    client.force_login(commissioner_user)
    first = client.get(VISITS, {"export": "xlsx"})
    second = client.get(VISITS, {"export": "xlsx"})
    other_format = client.get(VISITS, {"export": "csv"})

    assert first["Location"] == second["Location"] != other_format["Location"]
    assert ExportJob.objects.count() == 2
    assert len(worker_idle) == 2


def test_a_task_delivered_twice_builds_the_file_once(
    commissioner_user, client, visits, small_inline_limit, worker_idle
):
    client.force_login(commissioner_user)
    client.get(VISITS, {"export": "xlsx"})
    job = ExportJob.objects.get()

    assert exports.export_build(job_id=job.pk) == "ready"
    assert exports.export_build(job_id=job.pk) == "not due"
    job.refresh_from_db()
    _folders, files = private_storage().listdir(f"exports/{job.token}")
    assert files == ["monitoring-visits.xlsx"]


def test_with_the_broker_down_the_request_builds_it_itself(
    client, commissioner_user, visits, small_inline_limit, monkeypatch
):
    def broker_down(**kwargs: Any) -> None:
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.build_export, "delay", broker_down)
    client.force_login(commissioner_user)
    response = client.get(VISITS, {"export": "xlsx"})

    assert response.status_code == 302
    assert ExportJob.objects.get().state == ExportJob.State.READY


def test_nobody_else_sees_or_downloads_someone_s_export(client, commissioner_user, visits, small_inline_limit):
    client.force_login(commissioner_user)
    job_url = client.get(VISITS, {"export": "xlsx"})["Location"]
    job = ExportJob.objects.get()
    download_url = reverse("exports:download", kwargs={"token": job.token})

    another_commissioner = UserFactory(multi_factor=True)
    another_commissioner.groups.set(commissioner_user.groups.all())
    client.force_login(another_commissioner)
    assert client.get(job_url).status_code == 404
    assert client.get(download_url).status_code == 404
    client.logout()
    assert client.get(download_url).status_code == 302  # to sign in


def test_someone_who_lost_access_before_it_was_built_gets_no_file(
    client, commissioner_user, visits, small_inline_limit, worker_idle
):
    client.force_login(commissioner_user)
    job_url = client.get(VISITS, {"export": "xlsx"})["Location"]
    commissioner_user.groups.clear()
    job = ExportJob.objects.get()

    assert exports.export_build(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.state == ExportJob.State.FAILED
    assert not job.file_name
    assert client.get(job_url).status_code == 302  # the admin refuses them altogether


def test_a_job_no_worker_took_says_so_after_half_an_hour(
    client, commissioner_user, visits, small_inline_limit, worker_idle
):
    client.force_login(commissioner_user)
    job_url = client.get(VISITS, {"export": "xlsx"})["Location"]

    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        page = client.get(job_url)

    assert b"The download could not be made" in page.content
    assert b'http-equiv="refresh"' not in page.content


def test_exports_are_kept_for_a_day(client, commissioner_user, visits, small_inline_limit):
    client.force_login(commissioner_user)
    client.get(VISITS, {"export": "xlsx"})
    job = ExportJob.objects.get()

    assert exports.export_jobs_forget_old(now=job.created_at + timedelta(hours=23)) == 0
    assert exports.export_jobs_forget_old(now=job.created_at + timedelta(hours=25)) == 1
    assert not ExportJob.objects.exists()
    assert not private_storage().exists(job.file_name)


def test_the_status_page_runs_a_fixed_number_of_queries(client, commissioner_user, visits, small_inline_limit):
    client.force_login(commissioner_user)
    job_url = client.get(VISITS, {"export": "xlsx"})["Location"]
    with CaptureQueriesContext(connection) as few:
        client.get(job_url)
    for _ in range(10):
        MonitoringVisitFactory(provider=ProviderFactory())
    second_job_url = client.get(VISITS, {"export": "csv"})["Location"]
    with CaptureQueriesContext(connection) as many:
        client.get(second_job_url)
    assert len(few) == len(many)
