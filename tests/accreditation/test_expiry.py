"""The daily expiry job: reminders 60, 30 and 7 days before, expiry on the day after, lapse the same day."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from marketplace.accreditation.models import (
    Accreditation,
    AccreditationDecision,
    CheckDecision,
    ExpiryReminder,
    ProviderCheck,
)
from marketplace.accreditation.selectors import checks_expiring_within
from marketplace.accreditation.services import expiry_sweep
from marketplace.accreditation.tasks import run_expiry_sweep
from marketplace.core.models import ScheduledJobRun

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def insurance(accredited_pa):
    check = ProviderCheck.objects.get(provider=accredited_pa, check_type__code="public-liability-insurance")
    expiry = TODAY + timedelta(days=60)
    ProviderCheck.objects.filter(pk=check.pk).update(expires_on=expiry, verified_expires_on=expiry)
    check.refresh_from_db()
    return check


def sweep_on(day, capture):
    mail.outbox.clear()
    with capture(execute=True):
        return expiry_sweep(today=day)


def reminder_subjects():
    return [message.subject for message in mail.outbox]


def test_reminders_go_60_30_and_7_days_before_each_once(insurance, django_capture_on_commit_callbacks):
    expires = insurance.expires_on
    sent_on = {}
    for days_before in range(61, -1, -1):
        summary = sweep_on(expires - timedelta(days=days_before), django_capture_on_commit_callbacks)
        if summary.reminders_sent:
            sent_on[days_before] = reminder_subjects()
    assert sorted(sent_on) == [7, 30, 60]
    for subjects in sent_on.values():
        assert subjects == [f"Public liability insurance expires on {expires:%-d %B %Y}"]
    assert list(
        ExpiryReminder.objects.filter(provider_check=insurance)
        .order_by("-days_before")
        .values_list("days_before", flat=True)
    ) == [60, 30, 7]


def test_a_job_that_missed_days_sends_only_the_nearest_reminder(insurance, django_capture_on_commit_callbacks):
    summary = sweep_on(insurance.expires_on - timedelta(days=5), django_capture_on_commit_callbacks)
    assert summary.reminders_sent == 1
    assert list(ExpiryReminder.objects.values_list("days_before", flat=True)) == [7]


def test_running_twice_on_the_same_day_sends_nothing_twice(insurance, django_capture_on_commit_callbacks):
    day = insurance.expires_on - timedelta(days=30)
    assert sweep_on(day, django_capture_on_commit_callbacks).reminders_sent == 1
    assert sweep_on(day, django_capture_on_commit_callbacks).reminders_sent == 0
    assert mail.outbox == []


def test_a_renewal_gets_its_own_reminders(insurance, django_capture_on_commit_callbacks):
    sweep_on(insurance.expires_on - timedelta(days=30), django_capture_on_commit_callbacks)
    new_expiry = insurance.expires_on + timedelta(days=365)
    ProviderCheck.objects.filter(pk=insurance.pk).update(expires_on=new_expiry)
    assert sweep_on(new_expiry - timedelta(days=59), django_capture_on_commit_callbacks).reminders_sent == 1


def test_on_its_expiry_date_a_check_still_counts_and_the_day_after_the_badge_goes(
    insurance, django_capture_on_commit_callbacks
):
    provider = insurance.provider
    on_the_day = sweep_on(insurance.expires_on, django_capture_on_commit_callbacks)
    assert on_the_day.checks_expired == 0
    provider.refresh_from_db()
    assert provider.is_accredited

    day_after = insurance.expires_on + timedelta(days=1)
    summary = sweep_on(day_after, django_capture_on_commit_callbacks)
    assert (summary.checks_expired, summary.providers_lapsed) == (1, 1)
    insurance.refresh_from_db()
    assert insurance.status == ProviderCheck.Status.EXPIRED
    expired = insurance.decisions.first()
    assert (expired.outcome, expired.decided_by) == (CheckDecision.Outcome.EXPIRED, None)
    provider.refresh_from_db()
    assert provider.is_accredited is False
    assert provider.accreditation.status == Accreditation.Status.LAPSED
    lapse = provider.accreditation_decisions.first()
    assert (lapse.outcome, lapse.decided_by) == (AccreditationDecision.Outcome.LAPSED, None)
    assert "Public liability insurance" in lapse.reason
    subjects = reminder_subjects()
    assert "Public liability insurance has expired" in subjects
    assert "Your accreditation has lapsed" in subjects
    assert "Accreditation lapsed: Priya Shah" in subjects

    again = sweep_on(day_after, django_capture_on_commit_callbacks)
    assert (again.checks_expired, again.providers_lapsed, again.reminders_sent) == (0, 0, 0)


def test_a_renewal_waiting_for_review_when_the_old_details_run_out_lapses_the_badge(
    insurance, django_capture_on_commit_callbacks
):
    ProviderCheck.objects.filter(pk=insurance.pk).update(
        status=ProviderCheck.Status.SUBMITTED, expires_on=insurance.expires_on + timedelta(days=365)
    )
    before = sweep_on(insurance.expires_on, django_capture_on_commit_callbacks)
    assert before.providers_lapsed == 0
    after = sweep_on(insurance.expires_on + timedelta(days=1), django_capture_on_commit_callbacks)
    assert (after.checks_expired, after.providers_lapsed) == (0, 1)


def test_the_report_lists_what_expires_in_the_next_30_days(insurance):
    assert list(checks_expiring_within(days=30, today=TODAY)) == []
    soon = checks_expiring_within(days=30, today=insurance.expires_on - timedelta(days=10))
    assert list(soon) == [insurance]


def test_the_task_runs_the_sweep_with_a_moved_clock_and_records_the_run(insurance):
    with time_machine.travel(insurance.expires_on + timedelta(days=1), tick=False):
        result = run_expiry_sweep.delay().get()
    assert "1 checks expired, 1 providers lapsed" in result
    run = ScheduledJobRun.objects.get(name="accreditation-expiry-sweep")
    assert "1 providers lapsed" in run.last_result


def test_the_task_is_in_the_beat_schedule_every_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["accreditation-expiry-sweep"]
    assert entry["task"] == "marketplace.accreditation.tasks.run_expiry_sweep"
    assert entry["schedule"].hour == {6}
    assert entry["schedule"].minute == {0}


def test_the_command_runs_as_of_a_given_day_and_reports(insurance):
    out = StringIO()
    call_command(
        "accreditation_expiry_sweep",
        today=(insurance.expires_on - timedelta(days=10)).isoformat(),
        report=True,
        stdout=out,
    )
    output = out.getvalue()
    assert "1 reminders sent" in output
    assert "Expiring in the next 30 days: 1" in output
    assert "Public liability insurance" in output


def test_the_command_refuses_a_date_it_cannot_read():
    with pytest.raises(CommandError, match="--today must be a date"):
        call_command("accreditation_expiry_sweep", today="next tuesday")
