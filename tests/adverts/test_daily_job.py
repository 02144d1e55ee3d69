"""The adverts' daily job on fixed dates: reminders, expiry, and new adverts emailed to matching PAs once."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from marketplace.adverts.models import Advert, AdvertMatchNotice
from marketplace.adverts.services import adverts_daily, application_create
from marketplace.adverts.tasks import run_adverts_daily
from marketplace.core.models import ScheduledJobRun

from .conftest import EVENINGS, NOW, TODAY

pytestmark = pytest.mark.django_db


def run_on(day, capture):
    mail.outbox.clear()
    with capture(execute=True):
        return adverts_daily(today=day, now=NOW + (day - TODAY))


def subjects():
    return sorted(message.subject for message in mail.outbox)


def test_the_advertiser_is_reminded_once_three_days_before_closing(
    open_advert, pa_listing, django_capture_on_commit_callbacks
):
    closes = open_advert.closes_on
    reminded_on = []
    for days_before in range(10, 0, -1):
        summary = run_on(closes - timedelta(days=days_before), django_capture_on_commit_callbacks)
        if summary.reminded:
            reminded_on.append(days_before)
            assert "Your advert for a personal assistant closes soon" in subjects()
    assert reminded_on == [3]


def test_an_advert_expires_on_its_closing_date_and_applicants_are_told(
    open_advert, pa_user, pa_listing, django_capture_on_commit_callbacks
):
    application_create(advert=open_advert, provider=pa_listing, by=pa_user, message="Hello", now=NOW)
    summary = run_on(open_advert.closes_on - timedelta(days=1), django_capture_on_commit_callbacks)
    assert summary.expired == 0
    summary = run_on(open_advert.closes_on, django_capture_on_commit_callbacks)
    assert summary.expired == 1
    open_advert.refresh_from_db()
    assert open_advert.status == Advert.Status.EXPIRED
    assert "Your advert for a personal assistant has closed" in subjects()
    assert "An advert you applied to has closed" in subjects()
    assert run_on(open_advert.closes_on + timedelta(days=1), django_capture_on_commit_callbacks).expired == 0


def test_matching_pas_are_emailed_about_a_new_advert_once(
    open_advert, pa_user, other_pa_user, agency_user, django_capture_on_commit_callbacks
):
    summary = run_on(TODAY, django_capture_on_commit_callbacks)
    assert summary.match_emails == 2  # the two PAs who serve WE1 on Monday mornings; never the agency
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == ["hetal@example.org", "rupal@example.org"]
    body = mail.outbox[0].body
    assert open_advert.title in body
    assert "Margaret" not in body
    assert "Hollis" not in body
    assert AdvertMatchNotice.objects.count() == 2

    again = run_on(TODAY + timedelta(days=1), django_capture_on_commit_callbacks)
    assert again.match_emails == 0
    assert mail.outbox == []


def test_a_pa_whose_times_do_not_fit_is_not_emailed(
    open_advert, pa_listing, pa_user, django_capture_on_commit_callbacks
):
    pa_listing.availability_mask = EVENINGS.mask
    pa_listing.save()
    assert run_on(TODAY, django_capture_on_commit_callbacks).match_emails == 0


def test_the_task_runs_on_the_frozen_day_and_records_the_run(open_advert, django_capture_on_commit_callbacks):
    with time_machine.travel(open_advert.closes_on, tick=False), django_capture_on_commit_callbacks(execute=True):
        result = run_adverts_daily()
    assert "1 expired" in result
    assert ScheduledJobRun.objects.get(name="adverts-daily").last_result == result


def test_the_task_is_in_the_beat_schedule_every_morning():
    from celery import current_app
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["adverts-daily"]
    assert entry["task"] == "marketplace.adverts.tasks.run_adverts_daily"
    assert entry["task"] in current_app.tasks
    assert entry["schedule"].hour == {7}


def test_the_command_runs_as_of_a_given_day(open_advert):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("adverts_daily", today=open_advert.closes_on.isoformat(), stdout=out)
    assert "1 expired" in out.getvalue()
    with pytest.raises(CommandError, match="must be a date"):
        call_command("adverts_daily", today="tomorrow")
