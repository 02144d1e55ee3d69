"""Back-up plans, absences, and telling people once when their provider cannot come."""

from datetime import date, timedelta

import pytest

from marketplace.accreditation.models import Accreditation, AccreditationDecision
from marketplace.backups import services
from marketplace.backups.models import BackupChoice, CannotCome
from marketplace.backups.selectors import holder_current_alerts
from marketplace.contingency import services as contingency
from marketplace.contingency.models import Level, ManualTrigger
from marketplace.core.models import OutboxEmail
from marketplace.engagement.models import ShortlistEntry
from tests.factories import ProviderFactory
from tests.reviews.conftest import NOW, TODAY, People, emails_to

pytestmark = pytest.mark.django_db


def shortlist(people: People, *providers) -> None:
    for provider in providers:
        ShortlistEntry.objects.create(holder=people.holder, provider=provider, added_by=people.holder.user)


def mark_absence(people: People, *, starts_on: date = TODAY, ends_on: date = TODAY + timedelta(days=2)):
    return services.absence_mark(
        provider=people.provider,
        by=people.owner,
        starts_on=starts_on,
        ends_on=ends_on,
        reason="Ill",
        today=TODAY,
        now=NOW,
    )


# Back-up plans ------------------------------------------------------------------------------------


def test_back_ups_come_from_the_shortlist_in_the_order_chosen(people: People, agreement) -> None:
    second = ProviderFactory(name="Bea Brown")
    shortlist(people, people.other_provider, second)
    services.backup_plan_set(agreement=agreement, providers=[second, people.other_provider], by=people.family, now=NOW)
    assert [choice.provider for choice in BackupChoice.objects.filter(agreement=agreement)] == [
        second,
        people.other_provider,
    ]
    services.backup_plan_set(agreement=agreement, providers=[], by=people.holder.user, now=NOW)
    assert not BackupChoice.objects.exists()


def test_a_provider_not_on_the_shortlist_or_the_agreements_own_is_refused(people: People, agreement) -> None:
    with pytest.raises(services.BackupError, match="from the shortlist"):
        services.backup_plan_set(agreement=agreement, providers=[people.other_provider], by=people.holder.user)
    shortlist(people, people.provider)
    with pytest.raises(services.BackupError, match="own back-up"):
        services.backup_plan_set(agreement=agreement, providers=[people.provider], by=people.holder.user)


@pytest.mark.parametrize("who", ["ended_agent", "stranger", "owner", "other_owner"])
def test_only_the_holder_and_those_acting_for_them_plan_back_ups(people: People, agreement, who: str) -> None:
    shortlist(people, people.other_provider)
    with pytest.raises(services.BackupError, match="cannot change"):
        services.backup_plan_set(agreement=agreement, providers=[people.other_provider], by=getattr(people, who))


# Absences -----------------------------------------------------------------------------------------


def test_an_absence_tells_the_holder_and_everyone_acting_for_them_once(people: People, agreement) -> None:
    absence = mark_absence(people)
    [alert] = holder_current_alerts(people.holder, today=TODAY)
    assert (alert.cause, alert.absence, alert.ends_on) == (
        CannotCome.Cause.ABSENCE,
        absence,
        TODAY + timedelta(days=2),
    )
    assert len(emails_to("margaret@example.org", "cannot come")) == 1
    assert len(emails_to("david@example.org", "cannot come")) == 1
    assert emails_to("pat@example.org") == []  # the ended link is told nothing
    # Telling again for the same event tells nobody twice.
    assert (
        services.cannot_come_tell(
            provider=people.provider,
            cause="absence",
            event_key=f"absence:{absence.pk}",
            starts_on=TODAY,
            absence=absence,
        )
        == 0
    )
    assert OutboxEmail.objects.count() == 2


def test_an_absence_is_shown_until_its_last_day_and_not_after(people: People, agreement) -> None:
    mark_absence(people, starts_on=TODAY + timedelta(days=5), ends_on=TODAY + timedelta(days=6))
    assert len(holder_current_alerts(people.holder, today=TODAY)) == 1
    assert len(holder_current_alerts(people.holder, today=TODAY + timedelta(days=6))) == 1
    assert holder_current_alerts(people.holder, today=TODAY + timedelta(days=7)) == []


def test_a_cancelled_absence_stops_showing(people: People, agreement) -> None:
    absence = mark_absence(people)
    services.absence_cancel(absence=absence, by=people.owner)
    assert holder_current_alerts(people.holder, today=TODAY) == []
    with pytest.raises(services.BackupError, match="already cancelled"):
        services.absence_cancel(absence=absence, by=people.owner)


@pytest.mark.parametrize(
    ("starts", "ends", "message"),
    [
        (0, -1, "same as or after"),
        (-5, -1, "include today"),
        (400, 401, "within a year"),
        (0, 400, "up to a year"),
    ],
)
def test_impossible_absences_are_refused(people: People, starts: int, ends: int, message: str) -> None:
    with pytest.raises(services.BackupError, match=message):
        mark_absence(people, starts_on=TODAY + timedelta(days=starts), ends_on=TODAY + timedelta(days=ends))


@pytest.mark.parametrize("who", ["other_owner", "holder_user", "stranger"])
def test_only_the_providers_team_marks_its_absences(people: People, who: str) -> None:
    user = people.holder.user if who == "holder_user" else getattr(people, who)
    with pytest.raises(services.BackupError, match="own team"):
        services.absence_mark(
            provider=people.provider, by=user, starts_on=TODAY, ends_on=TODAY, reason="Ill", today=TODAY
        )


def test_an_absence_tells_nobody_whose_agreement_is_not_live(people: People, agreement) -> None:
    agreement.status = "ended"
    agreement.save(update_fields=["status"])
    mark_absence(people)
    assert not CannotCome.objects.exists()
    assert not OutboxEmail.objects.exists()


# Contingency flags --------------------------------------------------------------------------------


def test_a_flag_at_failing_tells_people_once_and_closing_it_clears_the_alert(
    people: People, agreement, commissioner_user
) -> None:
    flag = contingency.contingency_open_flag(
        provider=people.provider,
        by=commissioner_user,
        kind=ManualTrigger.INTELLIGENCE,
        detail="Watch this",
        today=TODAY,
    )
    assert not CannotCome.objects.exists()  # "watch" affects nobody's care yet
    contingency.contingency_change_level(flag=flag, to_level=Level.FAILING, by=commissioner_user, reason="Staff left")
    contingency.contingency_change_level(flag=flag, to_level=Level.FAILED, by=commissioner_user, reason="Stopped")
    [alert] = holder_current_alerts(people.holder, today=TODAY)
    assert alert.cause == CannotCome.Cause.CONTINGENCY
    [email] = emails_to("margaret@example.org", "cannot come")
    assert "Staff left" not in email.body
    assert "Stopped" not in email.body
    contingency.contingency_close_flag(flag=flag, by=commissioner_user, outcome="recovered", reason="Recovered")
    assert holder_current_alerts(people.holder, today=TODAY) == []


def test_an_automatic_signal_at_failing_tells_people(people: People, agreement) -> None:
    contingency.contingency_signal(provider=people.provider, signal="struck_off", detail="Dissolved", today=TODAY)
    assert len(holder_current_alerts(people.holder, today=TODAY)) == 1
    assert len(emails_to("david@example.org", "cannot come")) == 1


# Accreditation lapses (the daily job) -------------------------------------------------------------


def lapse(provider) -> AccreditationDecision:
    Accreditation.objects.update_or_create(provider=provider, defaults={"status": Accreditation.Status.LAPSED})
    return AccreditationDecision.objects.create(provider=provider, outcome=AccreditationDecision.Outcome.LAPSED)


def test_the_daily_job_tells_people_of_a_lapse_once_and_clears_it_when_accredited_again(
    people: People, agreement
) -> None:
    lapse(people.provider)
    assert services.cannot_come_sweep(today=TODAY, now=NOW) == 1
    assert services.cannot_come_sweep(today=TODAY, now=NOW) == 0
    assert services.cannot_come_sweep(today=TODAY + timedelta(days=1), now=NOW) == 0
    assert len(emails_to("margaret@example.org", "cannot come")) == 1
    Accreditation.objects.filter(provider=people.provider).update(status=Accreditation.Status.ACCREDITED)
    services.cannot_come_sweep(today=TODAY + timedelta(days=2), now=NOW)
    assert holder_current_alerts(people.holder, today=TODAY + timedelta(days=2)) == []


def test_a_new_lapse_is_a_new_event(people: People, agreement) -> None:
    lapse(people.provider)
    services.cannot_come_sweep(today=TODAY, now=NOW)
    lapse(people.provider)
    assert services.cannot_come_sweep(today=TODAY, now=NOW) == 1
    assert len(emails_to("margaret@example.org", "cannot come")) == 2


def test_the_daily_job_is_scheduled_after_the_expiry_sweep_and_records_its_run(
    settings, people: People, agreement
) -> None:
    from marketplace.backups.tasks import tell_people_whose_provider_lapsed
    from marketplace.core.models import ScheduledJobRun

    lapse(people.provider)
    assert tell_people_whose_provider_lapsed() == "1 agreement told"
    assert ScheduledJobRun.objects.get(name="backups-cannot-come").last_result == "1 agreement told"
    entry = settings.CELERY_BEAT_SCHEDULE["backups-cannot-come"]
    assert entry["task"] == "marketplace.backups.tasks.tell_people_whose_provider_lapsed"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({6}, {30})
