"""The commissioners' morning digest: what changed, to whom, once a morning, and nothing when nothing changed."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from marketplace.accreditation.models import AccreditationDecision, CheckDecision
from marketplace.core.models import ScheduledJobRun
from marketplace.insights.models import DigestRun
from marketplace.insights.services import DigestError, insights_digest_build, insights_digest_send
from marketplace.insights.tasks import send_daily_digest
from marketplace.monitoring.models import Feedback, RatingDecision
from tests.factories import (
    CommissionerFactory,
    ContingencyFlagFactory,
    ProviderCheckFactory,
    ProviderFactory,
    UserFactory,
)
from tests.insights.conftest import TODAY, decided_visit, moment

pytestmark = pytest.mark.django_db

YESTERDAY = TODAY - datetime.timedelta(days=1)
# The 07:00 job runs a little after seven.
MORNING = moment(TODAY, 7).replace(minute=1)


@pytest.fixture
def commissioners():
    return [CommissionerFactory(email="ann@council.example"), CommissionerFactory(email="bob@council.example")]


def build(since=None, until=None):
    return insights_digest_build(since=since or moment(YESTERDAY, 7), until=until or moment(TODAY, 7))


def titles(digest):
    return {section.title: section.lines for section in digest.sections}


def test_the_digest_lists_what_changed_in_the_period_and_nothing_outside_it():
    provider = ProviderFactory(name="Oak Tree Care")
    officer = UserFactory(first_name="Priya", last_name="Shah")
    AccreditationDecision.objects.create(provider=provider, outcome="applied", decided_at=moment(YESTERDAY, 10))
    AccreditationDecision.objects.create(provider=provider, outcome="applied", decided_at=moment(YESTERDAY, 6))
    AccreditationDecision.objects.create(
        provider=ProviderFactory(name="Birch PA"),
        outcome="accredited",
        decided_by=officer,
        reason="All checks verified",
        decided_at=moment(YESTERDAY, 15),
    )
    lapsed = ProviderCheckFactory(provider=provider, code="enhanced-dbs", status="expired")
    CheckDecision.objects.create(provider_check=lapsed, outcome="expired", decided_at=moment(TODAY, 1))
    # Now exactly 30 days from expiry (reported once, on the morning it crosses), and one a day further.
    ProviderCheckFactory(
        provider=provider, code="reference-1", status="verified", expires_on=TODAY + datetime.timedelta(days=30)
    )
    ProviderCheckFactory(
        provider=provider, code="reference-2", status="verified", expires_on=TODAY + datetime.timedelta(days=31)
    )
    visit = decided_visit(provider, visited_on=YESTERDAY, overall="requires_improvement")
    RatingDecision.objects.create(
        visit=visit,
        kind="finalised",
        overall_rating="requires_improvement",
        rule_explanation="Two domains require improvement",
        decided_by=officer,
        decided_at=moment(YESTERDAY, 16),
    )
    # Opened today, after the period (the factory records the opening now): not in this digest.
    ContingencyFlagFactory(provider=ProviderFactory(name="Elm Day Centre"), level="at_risk")
    with time_machine.travel(moment(YESTERDAY, 12)):
        Feedback.objects.create(provider=provider, relationship="family", text="Late twice", is_complaint=True)
    Feedback.objects.create(provider=provider, relationship="family", text="Moderated", moderation_status="approved")

    digest = build()

    sections = titles(digest)
    assert sections["New applications for accreditation"] == (
        "Oak Tree Care (Personal assistant) applied 15 Mar 10:00",
    )
    assert sections["Accreditation decisions"] == ("Birch PA: Accredited by Priya Shah (All checks verified)",)
    assert len(sections["Checks that expired"]) == 1
    assert sections["Checks now 30 days from expiry"][0].endswith("expires 15 April 2026")
    assert len(sections["Checks now 30 days from expiry"]) == 1
    assert "rated Requires improvement by Priya Shah" in sections["Monitoring visits finalised"][0]
    assert sections["Feedback waiting for moderation"][0].startswith("Oak Tree Care: a complaint sent")
    assert {section.title: section.link_path for section in digest.sections}[
        "Feedback waiting for moderation"
    ] == reverse("monitoring_feedback:index")
    assert "Provider-failure flags opened or changed" not in sections
    assert digest.item_count == 6


def test_flag_openings_and_level_changes_are_reported():
    from marketplace.contingency.models import FlagLevelChange

    with time_machine.travel(moment(YESTERDAY, 9)):
        flag = ContingencyFlagFactory(provider=ProviderFactory(name="Elm Day Centre"), level="watch")
    FlagLevelChange.objects.create(
        flag=flag, from_level="watch", to_level="failing", reason="Staff walked out", decided_at=moment(YESTERDAY, 18)
    )
    lines = titles(build())["Provider-failure flags opened or changed"]
    assert lines[0].startswith("Elm Day Centre: flag opened at Watch")
    assert lines[1] == "Elm Day Centre: Watch → Failing by the system (Staff walked out)"


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(DigestError):
        build(since=moment(TODAY, 7), until=moment(YESTERDAY, 7))


def test_each_commissioner_gets_the_digest_by_email(commissioners, django_capture_on_commit_callbacks):
    AccreditationDecision.objects.create(
        provider=ProviderFactory(name="Oak Tree Care"), outcome="applied", decided_at=moment(YESTERDAY, 10)
    )
    UserFactory(email="not-a-commissioner@example.org")

    with time_machine.travel(MORNING), django_capture_on_commit_callbacks(execute=True):
        run = insights_digest_send()

    assert sorted(message.to[0] for message in mail.outbox) == ["ann@council.example", "bob@council.example"]
    message = mail.outbox[0]
    assert message.subject == "Morning digest for 16 March 2026: 1 change"
    assert "New applications for accreditation (1)" in message.body
    assert "Oak Tree Care (Personal assistant) applied 15 Mar 10:00" in message.body
    assert f"{settings.WAGTAILADMIN_BASE_URL}/admin/insights/" in message.body
    assert (run.for_date, run.item_count, run.recipient_count) == (TODAY, 1, 2)
    assert (run.period_start, run.period_end) == (moment(YESTERDAY, 7), moment(TODAY, 7))


def test_nothing_to_report_sends_nothing_but_records_the_run(commissioners, django_capture_on_commit_callbacks):
    with time_machine.travel(MORNING), django_capture_on_commit_callbacks(execute=True):
        run = insights_digest_send()
    assert mail.outbox == []
    assert (run.item_count, run.recipient_count, run.summary) == (0, 0, "Nothing to report")


def test_a_second_run_the_same_morning_sends_nothing_again(commissioners, django_capture_on_commit_callbacks):
    AccreditationDecision.objects.create(provider=ProviderFactory(), outcome="applied", decided_at=moment(YESTERDAY))
    with time_machine.travel(MORNING), django_capture_on_commit_callbacks(execute=True):
        first = insights_digest_send()
        second = insights_digest_send()
    assert first == second
    assert len(mail.outbox) == 2  # one each, once
    assert DigestRun.objects.count() == 1


def test_the_next_digest_starts_where_the_last_one_ended(commissioners, django_capture_on_commit_callbacks):
    provider = ProviderFactory(name="Late Applicant")
    with time_machine.travel(MORNING):
        insights_digest_send()
    # Missed days are not lost: two days later the digest covers both.
    AccreditationDecision.objects.create(provider=provider, outcome="applied", decided_at=moment(TODAY, 12))
    two_days_later = TODAY + datetime.timedelta(days=2)
    with (
        time_machine.travel(moment(two_days_later, 7).replace(minute=5)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run = insights_digest_send()
    assert (run.period_start, run.period_end) == (moment(TODAY, 7), moment(two_days_later, 7))
    assert run.item_count == 1
    assert "Late Applicant" in mail.outbox[0].body


def test_a_digest_sent_before_seven_covers_up_to_now(commissioners):
    with time_machine.travel(moment(TODAY, 6), tick=False):
        run = insights_digest_send()
    assert run.period_end == moment(TODAY, 6)


def test_the_management_command_runs_for_a_given_morning(commissioners, django_capture_on_commit_callbacks):
    AccreditationDecision.objects.create(provider=ProviderFactory(), outcome="applied", decided_at=moment(YESTERDAY))
    with time_machine.travel(moment(TODAY, 12)), django_capture_on_commit_callbacks(execute=True):
        call_command("insights_send_digest", "--today", TODAY.isoformat())
    assert DigestRun.objects.get().for_date == TODAY
    assert len(mail.outbox) == 2
    assert ScheduledJobRun.objects.get(name="insights-digest").last_result.startswith("2026-03-16: 1 changes")


def test_the_management_command_refuses_a_date_it_cannot_read():
    with pytest.raises(CommandError, match="--today must be a date"):
        call_command("insights_send_digest", "--today", "16/03/2026")


def test_the_daily_task_sends_the_digest_and_records_the_job(commissioners):
    with time_machine.travel(MORNING):
        recipients = send_daily_digest.apply().get()
    assert recipients == 0  # nothing changed
    run = ScheduledJobRun.objects.get(name="insights-digest")
    assert run.last_result == "2026-03-16: 0 changes to 0 commissioners"


def test_beat_runs_the_digest_at_seven_every_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["insights-morning-digest"]
    assert entry["task"] == "marketplace.insights.tasks.send_daily_digest"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({7}, {0})
