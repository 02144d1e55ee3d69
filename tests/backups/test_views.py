"""Back-up plan, alert and absence pages: every role, bad input, fixed query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketplace.backups import services
from marketplace.backups.models import Absence, BackupChoice, CannotCome
from marketplace.engagement.models import ShortlistEntry
from tests.factories import ProviderFactory
from tests.reviews.conftest import People, make_agreement

pytestmark = pytest.mark.django_db


def plan_url(agreement) -> str:
    return reverse("backups:plan", kwargs={"agreement_uuid": agreement.uuid})


def absences_url(provider) -> str:
    return reverse("backups:absences", kwargs={"provider_uuid": provider.uuid})


def shortlist(people: People, *providers) -> None:
    for provider in providers:
        ShortlistEntry.objects.create(holder=people.holder, provider=provider, added_by=people.holder.user)


def date_fields(name: str, day) -> dict[str, str]:
    return {f"{name}_day": str(day.day), f"{name}_month": str(day.month), f"{name}_year": str(day.year)}


# The back-up plan ---------------------------------------------------------------------------------


def test_the_family_member_chooses_back_ups_from_the_shortlist(client, people: People, agreement) -> None:
    shortlist(people, people.other_provider, people.provider)
    client.force_login(people.family)
    page = client.get(plan_url(agreement)).content.decode()
    assert "Other Care" in page
    assert 'type="checkbox"' in page
    response = client.post(plan_url(agreement), {"providers": [str(people.other_provider.uuid)]})
    assert response.status_code == 302
    assert [choice.provider for choice in BackupChoice.objects.all()] == [people.other_provider]


def test_a_provider_off_the_shortlist_is_an_error_on_the_form(client, people: People, agreement) -> None:
    shortlist(people, people.other_provider)
    client.force_login(people.holder.user)
    response = client.post(plan_url(agreement), {"providers": [str(people.provider.uuid), "nonsense"]})
    assert "Choose back-ups from your shortlist." in response.content.decode()
    assert not BackupChoice.objects.exists()


@pytest.mark.parametrize("who", ["ended_agent", "stranger", "owner", "other_owner", "commissioner"])
def test_nobody_else_reaches_the_plan(client, people: People, agreement, commissioner_user, who: str) -> None:
    shortlist(people, people.other_provider)
    client.force_login(commissioner_user if who == "commissioner" else getattr(people, who))
    assert client.get(plan_url(agreement)).status_code == 404
    assert client.post(plan_url(agreement), {"providers": [str(people.other_provider.uuid)]}).status_code == 404
    assert not BackupChoice.objects.exists()


def test_a_signed_out_visitor_is_sent_to_sign_in(client, people: People, agreement) -> None:
    assert client.get(plan_url(agreement)).status_code == 302
    assert client.get(absences_url(people.provider)).status_code == 302


# Absences and the alert ---------------------------------------------------------------------------


def test_an_absence_marked_on_the_dashboard_shows_the_person_their_back_ups(
    client, people: People, agreement, search_on_database
) -> None:
    shortlist(people, people.other_provider)
    services.backup_plan_set(agreement=agreement, providers=[people.other_provider], by=people.holder.user)
    client.force_login(people.owner)
    assert absences_url(people.provider) in client.get(reverse("providers:dashboard")).content.decode()
    today = timezone.localdate()
    response = client.post(
        absences_url(people.provider),
        {**date_fields("starts_on", today), **date_fields("ends_on", today + timedelta(days=1)), "reason": "Ill"},
    )
    assert response.status_code == 302
    alert = CannotCome.objects.get()
    client.force_login(people.family)
    home = client.get(reverse("engagement:home")).content.decode()
    assert "Asha Patel cannot come" in home
    page = client.get(reverse("backups:alert", kwargs={"alert_uuid": alert.uuid})).content.decode()
    assert "Your back-ups" in page
    assert "Other Care" in page


def test_bad_absence_input_gets_an_error_summary_and_keeps_what_was_typed(client, people: People) -> None:
    client.force_login(people.owner)
    response = client.post(
        absences_url(people.provider),
        {"starts_on_day": "31", "starts_on_month": "2", "starts_on_year": "2027", "reason": "<i>x</i>" * 100},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "must be a real date" in page
    assert "Enter the last day you are away" in page
    assert 'value="31"' in page
    assert not Absence.objects.exists()


@pytest.mark.parametrize("who", ["other_owner", "holder", "stranger"])
def test_only_the_providers_team_reaches_its_absences(client, people: People, who: str) -> None:
    client.force_login(people.holder.user if who == "holder" else getattr(people, who))
    assert client.get(absences_url(people.provider)).status_code == 404


def test_another_providers_user_cannot_cancel_an_absence(client, people: People, agreement) -> None:
    absence = services.absence_mark(
        provider=people.provider,
        by=people.owner,
        starts_on=agreement.created_at.date() + timedelta(days=3650),
        ends_on=agreement.created_at.date() + timedelta(days=3650),
        reason="Holiday",
        today=agreement.created_at.date() + timedelta(days=3649),
    )
    client.force_login(people.other_owner)
    url = reverse(
        "backups:absence_cancel", kwargs={"provider_uuid": people.provider.uuid, "absence_uuid": absence.uuid}
    )
    assert client.post(url).status_code == 404
    absence.refresh_from_db()
    assert not absence.is_cancelled


@pytest.mark.parametrize("who", ["ended_agent", "stranger", "owner", "other_owner"])
def test_nobody_else_sees_an_alert(client, people: People, agreement, who: str) -> None:
    services.cannot_come_tell(
        provider=people.provider, cause="absence", event_key="absence:0", starts_on=agreement.created_at.date()
    )
    alert = CannotCome.objects.get()
    client.force_login(getattr(people, who))
    assert client.get(reverse("backups:alert", kwargs={"alert_uuid": alert.uuid})).status_code == 404


# Fixed query counts -------------------------------------------------------------------------------


def _support_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("engagement:home")).status_code == 200
    return len(captured.captured_queries)


def test_your_support_runs_the_same_queries_whatever_the_number_of_plans_and_alerts(
    client, people: People, agreement
) -> None:
    shortlist(people, people.other_provider)
    services.backup_plan_set(agreement=agreement, providers=[people.other_provider], by=people.holder.user)
    client.force_login(people.holder.user)
    _support_queries(client)
    few = _support_queries(client)
    for index in range(3):
        provider = ProviderFactory()
        more = make_agreement(people.holder, provider)
        extra = ProviderFactory()
        shortlist(people, extra)
        services.backup_plan_set(agreement=more, providers=[extra, people.other_provider], by=people.holder.user)
        services.cannot_come_tell(
            provider=provider, cause="absence", event_key=f"absence:{index}", starts_on=agreement.created_at.date()
        )
    page = client.get(reverse("engagement:home")).content.decode()
    assert page.count("cannot come") >= 3
    assert _support_queries(client) == few


def test_a_signed_out_visitor_sees_no_alert_and_cancels_nothing(client, people: People, agreement) -> None:
    today = timezone.localdate()
    absence = services.absence_mark(
        provider=people.provider, by=people.owner, starts_on=today, ends_on=today, reason="Ill", today=today
    )
    alert = CannotCome.objects.get()
    assert client.get(reverse("backups:alert", kwargs={"alert_uuid": alert.uuid})).status_code == 302
    cancel = reverse(
        "backups:absence_cancel", kwargs={"provider_uuid": people.provider.uuid, "absence_uuid": absence.uuid}
    )
    assert client.post(cancel).status_code == 302
    absence.refresh_from_db()
    assert not absence.is_cancelled
