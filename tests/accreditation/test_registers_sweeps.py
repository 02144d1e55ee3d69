"""The nightly sweeps: which providers and checks they visit, that one failure does not stop the rest,
that a register without settings is skipped and says so, the tasks beat runs and the management command."""

import json
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from pytest_httpserver import HTTPServer

from marketplace.accreditation.models import ProviderCheck, RegisterAlert, RegisterRecord
from marketplace.accreditation.registers import tasks
from marketplace.accreditation.registers.sync import (
    companies_house_sync_all,
    cqc_sync_all,
    dbs_checks_to_sweep,
    dbs_update_check_all,
    registers_sync_all,
)
from marketplace.core.models import ScheduledJobRun
from marketplace.providers.models import Provider
from tests.factories import ProviderCheckFactory, ProviderFactory, WorkerFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "registers"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def registers_unconfigured(settings: Any) -> Any:
    settings.CQC_API_KEY = ""
    settings.COMPANIES_HOUSE_API_KEY = ""
    settings.DBS_UPDATE_SERVICE_ORGANISATION = ""
    settings.DBS_UPDATE_SERVICE_CHECKER_FORENAME = ""
    settings.DBS_UPDATE_SERVICE_CHECKER_SURNAME = ""
    return settings


@pytest.fixture
def registers_on_stub(settings: Any, httpserver: HTTPServer) -> Any:
    settings.CQC_API_URL = httpserver.url_for("/cqc")
    settings.CQC_API_KEY = "cqc-key"
    settings.COMPANIES_HOUSE_API_URL = httpserver.url_for("/ch")
    settings.COMPANIES_HOUSE_API_KEY = "ch-key"
    settings.DBS_UPDATE_SERVICE_URL = httpserver.url_for("/crsc/api/status")
    settings.DBS_UPDATE_SERVICE_ORGANISATION = "Example County Council"
    settings.DBS_UPDATE_SERVICE_CHECKER_FORENAME = "Pat"
    settings.DBS_UPDATE_SERVICE_CHECKER_SURNAME = "Officer"
    settings.REGISTER_TIMEOUT_SECONDS = 2
    return settings


def requested_paths(httpserver: HTTPServer) -> list[str]:
    return sorted(request.path for request, _ in httpserver.log)


def test_registers_without_settings_are_skipped_and_say_so(
    registers_unconfigured: Any, httpserver: HTTPServer
) -> None:
    ProviderFactory.create(cqc_location_id="1-1234567890", company_number="09876543")

    summaries = registers_sync_all()

    assert [str(summary) for summary in summaries] == [
        "CQC: skipped, CQC_API_KEY not set",
        "Companies House: skipped, COMPANIES_HOUSE_API_KEY not set",
        "DBS Update Service: skipped, DBS_UPDATE_SERVICE_ORGANISATION, DBS_UPDATE_SERVICE_CHECKER_FORENAME "
        "and DBS_UPDATE_SERVICE_CHECKER_SURNAME not set",
    ]
    runs = dict(ScheduledJobRun.objects.values_list("name", "last_result"))
    assert runs["registers-cqc"] == "CQC: skipped, CQC_API_KEY not set"
    assert runs["registers-companies-house"].startswith("Companies House: skipped")
    assert runs["registers-dbs-update-service"].startswith("DBS Update Service: skipped")
    assert httpserver.log == []
    assert not RegisterRecord.objects.exists()


def test_the_cqc_sweep_visits_published_listings_with_an_id_and_survives_a_failure(
    registers_on_stub: Any, httpserver: HTTPServer
) -> None:
    good = ProviderFactory.create(cqc_location_id="1-000000001")
    failing = ProviderFactory.create(cqc_location_id="1-000000002")
    inadequate = ProviderFactory.create(cqc_provider_id="1-000000003")
    ProviderFactory.create(cqc_location_id="1-000000004", status=Provider.Status.DRAFT)
    ProviderFactory.create()
    httpserver.expect_request("/cqc/locations/1-000000001").respond_with_json(fixture("cqc_location_good.json"))
    httpserver.expect_request("/cqc/locations/1-000000002").respond_with_data("", status=500)
    httpserver.expect_request("/cqc/providers/1-000000003").respond_with_json(fixture("cqc_location_inadequate.json"))

    summary = cqc_sync_all()

    assert (summary.checked, summary.failed, summary.alerts) == (2, 1, 1)
    assert not summary.register_seems_down
    assert requested_paths(httpserver) == [
        "/cqc/locations/1-000000001",
        "/cqc/locations/1-000000002",
        "/cqc/providers/1-000000003",
    ]
    assert set(RegisterRecord.objects.values_list("provider", flat=True)) == {good.pk, inadequate.pk}
    assert not RegisterRecord.objects.filter(provider=failing).exists()
    assert RegisterAlert.objects.get().provider == inadequate
    run = ScheduledJobRun.objects.get(name="registers-cqc")
    assert run.last_result == "CQC: 2 checked, 1 alerts, 1 failed"


def test_a_sweep_where_every_request_timed_out_says_the_register_seems_down(
    registers_on_stub: Any, httpserver: HTTPServer
) -> None:
    ProviderFactory.create_batch(2, company_number="09876543")
    httpserver.expect_request("/ch/company/09876543").respond_with_data("", status=503)

    summary = companies_house_sync_all()

    assert (summary.checked, summary.failed) == (0, 2)
    assert summary.register_seems_down


def test_the_companies_house_sweep_visits_only_published_listings_with_a_company_number(
    registers_on_stub: Any, httpserver: HTTPServer
) -> None:
    provider = ProviderFactory.create(company_number="09876543")
    ProviderFactory.create(company_number="01111111", status=Provider.Status.WITHDRAWN)
    ProviderFactory.create()
    httpserver.expect_request("/ch/company/09876543").respond_with_json(fixture("companies_house_company_active.json"))

    summary = companies_house_sync_all()

    assert (summary.checked, summary.failed, summary.alerts) == (1, 0, 0)
    assert requested_paths(httpserver) == ["/ch/company/09876543"]
    assert RegisterRecord.objects.get().provider == provider


def dbs_check(**fields: Any) -> ProviderCheck:
    defaults: dict[str, Any] = {
        "code": "enhanced-dbs",
        "status": ProviderCheck.Status.VERIFIED,
        "certificate_number": "001234567890",
        "certificate_number_last_digits": "7890",
        "is_on_update_service": True,
        "holder_surname": "Smith",
        "holder_date_of_birth": "1980-04-02",
    }
    return ProviderCheckFactory.create(**{**defaults, **fields})


def test_the_dbs_sweep_checks_verified_update_service_certificates_of_published_providers_and_active_workers() -> None:
    due = dbs_check()
    worker_due = dbs_check(worker=WorkerFactory.create())
    dbs_check(status=ProviderCheck.Status.SUBMITTED)
    dbs_check(is_on_update_service=False)
    dbs_check(holder_date_of_birth="")
    dbs_check(worker=WorkerFactory.create(is_active=False))
    dbs_check(provider=ProviderFactory.create(status=Provider.Status.SUSPENDED))
    ProviderCheckFactory.create(code="public-liability-insurance", status=ProviderCheck.Status.VERIFIED)

    assert dbs_checks_to_sweep() == [due.pk, worker_due.pk]


def test_the_dbs_sweep_asks_about_each_due_certificate(registers_on_stub: Any, httpserver: HTTPServer) -> None:
    check = dbs_check()
    httpserver.expect_request("/crsc/api/status/001234567890").respond_with_data(
        (FIXTURES / "dbs_new_info.xml").read_text(), content_type="application/xml"
    )

    summary = dbs_update_check_all()

    assert (summary.checked, summary.failed, summary.alerts) == (1, 0, 1)
    check.refresh_from_db()
    assert check.status == ProviderCheck.Status.SUBMITTED
    assert ScheduledJobRun.objects.get(name="registers-dbs-update-service").last_result == (
        "DBS Update Service: 1 checked, 1 alerts, 0 failed"
    )


def test_only_the_registers_asked_for_run(registers_unconfigured: Any) -> None:
    assert [summary.register for summary in registers_sync_all(only=["dbs", "cqc"])] == ["DBS Update Service", "CQC"]
    with pytest.raises(ValueError, match="Unknown registers: nope"):
        registers_sync_all(only=["nope"])


def test_the_command_prints_each_summary(registers_on_stub: Any, httpserver: HTTPServer) -> None:
    ProviderFactory.create(cqc_location_id="1-000000001")
    httpserver.expect_request("/cqc/locations/1-000000001").respond_with_json(fixture("cqc_location_good.json"))
    out = StringIO()

    call_command("registers_sync", "--only", "cqc", stdout=out)

    assert out.getvalue().strip() == "CQC: 1 checked, 0 alerts, 0 failed"


def test_the_command_refuses_an_unknown_register() -> None:
    with pytest.raises(CommandError):
        call_command("registers_sync", "--only", "hmrc")


# --- Tasks and the schedule ----------------------------------------------------------------------------------


def test_beat_runs_each_register_sweep_daily_and_the_worker_knows_the_tasks() -> None:
    from config.celery import app

    app.loader.import_default_modules()
    entries = {
        name: entry for name, entry in django_settings.CELERY_BEAT_SCHEDULE.items() if name.startswith("registers-")
    }
    assert sorted(entries) == ["registers-companies-house", "registers-cqc", "registers-dbs-update-service"]
    for entry in entries.values():
        assert entry["task"] in app.tasks
    schedules = [entry["schedule"] for entry in entries.values()]
    for schedule in schedules:
        assert len(schedule.hour) == 1
        assert len(schedule.minute) == 1
        assert len(schedule.day_of_week) == 7
    assert len({repr(schedule) for schedule in schedules}) == 3, "the sweeps are staggered"


def test_the_sweep_task_returns_its_summary(registers_on_stub: Any, httpserver: HTTPServer) -> None:
    ProviderFactory.create(company_number="09876543")
    httpserver.expect_request("/ch/company/09876543").respond_with_json(fixture("companies_house_company_active.json"))

    result = tasks.registers_sync_companies_house.apply()

    assert result.get() == "Companies House: 1 checked, 0 alerts, 0 failed"


@pytest.fixture
def eager_retries() -> Iterator[None]:
    """Let eagerly run tasks retry in this process (at once: a worker would wait) instead of raising Retry."""
    from config.celery import app

    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = propagates


def test_the_sweep_task_tries_again_when_the_register_is_down(
    registers_on_stub: Any, httpserver: HTTPServer, eager_retries: None
) -> None:
    ProviderFactory.create(cqc_location_id="1-000000001")
    httpserver.expect_request("/cqc/locations/1-000000001").respond_with_data("", status=503)

    result = tasks.registers_sync_cqc.apply()

    assert result.get() == "CQC: 0 checked, 0 alerts, 1 failed"

    assert len(httpserver.log) == 1 + len(tasks.SWEEP_RETRY_DELAYS)


def test_the_one_provider_task_retries_a_temporary_failure_then_gives_up(
    registers_on_stub: Any, httpserver: HTTPServer, eager_retries: None
) -> None:
    provider = ProviderFactory.create(cqc_location_id="1-000000001")
    httpserver.expect_request("/cqc/locations/1-000000001").respond_with_data("", status=503)

    result = tasks.register_sync_provider.apply(args=[provider.pk, "cqc"])

    assert result.failed()
    assert len(httpserver.log) == 1 + tasks.register_sync_provider.max_retries


def test_the_one_check_task_counts_its_alerts(registers_on_stub: Any, httpserver: HTTPServer) -> None:
    check = dbs_check()
    httpserver.expect_request("/crsc/api/status/001234567890").respond_with_data(
        (FIXTURES / "dbs_no_match_found.xml").read_text(), content_type="application/xml"
    )

    assert tasks.dbs_update_check_one.apply(args=[check.pk]).get() == 1
    assert tasks.dbs_update_check_one.apply(args=[check.pk + 1000]).get() == 0


# --- As the worker runs them: no test transaction around the sweep ---------------------------------------------


@pytest.mark.django_db
def test_the_three_sweeps_together_alert_and_email_commissioners_after_commit(
    registers_on_stub: Any, httpserver: HTTPServer, commissioner_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Not a transactional test: its flush would empty the data migrations' rows (the default
    # checks, the site) for every later test on the worker. The locking reads' PostgreSQL rule is
    # covered by running this whole suite on PostgreSQL.
    from django.core import mail

    provider = ProviderFactory.create(cqc_location_id="1-000000001", company_number="09876543")
    check = dbs_check(provider=provider)
    httpserver.expect_request("/cqc/locations/1-000000001").respond_with_json(fixture("cqc_location_inadequate.json"))
    httpserver.expect_request("/ch/company/09876543").respond_with_json(
        fixture("companies_house_company_liquidation.json")
    )
    httpserver.expect_request("/ch/company/09876543/insolvency").respond_with_json(
        fixture("companies_house_insolvency.json")
    )
    httpserver.expect_request("/crsc/api/status/001234567890").respond_with_data(
        (FIXTURES / "dbs_new_info.xml").read_text(), content_type="application/xml"
    )

    with django_capture_on_commit_callbacks(execute=True):
        summaries = registers_sync_all()

    assert [(summary.checked, summary.failed) for summary in summaries] == [(1, 0), (1, 0), (1, 0)]
    assert sorted(RegisterAlert.objects.values_list("code", flat=True)) == [
        "accounts_overdue",
        "inadequate",
        "insolvency",
        "new_info",
    ]
    check.refresh_from_db()
    assert check.status == ProviderCheck.Status.SUBMITTED
    alert_subjects = {message.subject for message in mail.outbox if commissioner_user.email in message.to}
    assert {f"CQC: {provider.name}", f"Companies House: {provider.name}", f"DBS Update Service: {provider.name}"} <= (
        alert_subjects
    )
