"""Saved searches: saving, the daily alert job (once per listing per search), and the signed unsubscribe."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.http import QueryDict

from marketplace.alerts.models import SavedSearch, SavedSearchListing
from marketplace.alerts.selectors import saved_search_summary, saved_searches_for_user
from marketplace.alerts.services import (
    MAX_SAVED_SEARCHES_PER_USER,
    UNSUBSCRIBE_LINK_MAX_AGE_DAYS,
    SavedSearchError,
    normalised_query,
    saved_search_create,
    saved_search_resubscribe,
    saved_search_unsubscribe,
    send_saved_search_alerts,
    unsubscribe_token,
)
from marketplace.alerts.tasks import send_saved_search_alerts as send_task
from marketplace.core.models import ScheduledJobRun
from marketplace.providers.models import Provider

from .conftest import NOW

pytestmark = pytest.mark.django_db
QUERY = QueryDict("service=personal-care&new_clients=true&page=3&sort=price")


def run(capture, now=NOW):
    mail.outbox.clear()
    with capture(execute=True):
        return send_saved_search_alerts(now=now)


def test_saving_keeps_the_filterset_parameters_without_page_or_sort(owner, busy_pa, free_pa):
    saved = saved_search_create(user=owner, data=QUERY, now=NOW)
    assert saved.query == "new_clients=true&service=personal-care"
    assert saved.description == "Personal care; taking new clients"
    # What matched when it was saved is recorded, not alerted.
    assert list(SavedSearchListing.objects.values_list("provider__name", "alerted_at")) == [("Rupal Lad", None)]
    assert saved_search_create(user=owner, data=QUERY, now=NOW) == saved


def test_an_invalid_search_cannot_be_saved(owner):
    with pytest.raises(SavedSearchError):
        saved_search_create(user=owner, data=QueryDict("max_price=-4"), now=NOW)
    with pytest.raises(SavedSearchError):
        saved_search_create(user=owner, data=QueryDict("service=no-such-service"), now=NOW)


def test_unknown_parameters_are_dropped(owner, personal_care):
    assert normalised_query(QueryDict("service=personal-care&evil=%3Cscript%3E&q=")) == "service=personal-care"


def test_a_person_may_save_only_so_many(owner, personal_care):
    for radius in range(MAX_SAVED_SEARCHES_PER_USER):
        SavedSearch.objects.create(user=owner, query=f"q=x{radius}", description="x", created_at=NOW)
    with pytest.raises(SavedSearchError, match="up to"):
        saved_search_create(user=owner, data=QUERY, now=NOW)


def test_a_pa_who_starts_taking_new_clients_is_alerted_once(
    owner, busy_pa, free_pa, django_capture_on_commit_callbacks
):
    saved_search_create(user=owner, data=QUERY, now=NOW)
    assert run(django_capture_on_commit_callbacks).emails == 0

    Provider.objects.filter(pk=busy_pa.pk).update(is_taking_new_clients=True)
    summary = run(django_capture_on_commit_callbacks, NOW + timedelta(days=1))
    assert (summary.emails, summary.listings_alerted) == (1, 1)
    [email] = mail.outbox
    assert email.to == ["margaret@example.org"]
    assert "Hetal Makwana" in email.body
    assert "Rupal Lad" not in email.body
    assert "/saved-searches/unsubscribe/" in email.body

    assert run(django_capture_on_commit_callbacks, NOW + timedelta(days=2)).emails == 0
    # Stops, then starts again: already alerted for this search, so never twice.
    Provider.objects.filter(pk=busy_pa.pk).update(is_taking_new_clients=False)
    run(django_capture_on_commit_callbacks, NOW + timedelta(days=3))
    Provider.objects.filter(pk=busy_pa.pk).update(is_taking_new_clients=True)
    assert run(django_capture_on_commit_callbacks, NOW + timedelta(days=4)).emails == 0


def test_a_listing_that_matched_at_saving_is_alerted_when_it_matches_again(
    owner, free_pa, django_capture_on_commit_callbacks
):
    saved_search_create(user=owner, data=QUERY, now=NOW)
    Provider.objects.filter(pk=free_pa.pk).update(is_taking_new_clients=False)
    assert run(django_capture_on_commit_callbacks).emails == 0
    Provider.objects.filter(pk=free_pa.pk).update(is_taking_new_clients=True)
    assert run(django_capture_on_commit_callbacks).listings_alerted == 1


def test_newly_published_listings_match(owner, personal_care, django_capture_on_commit_callbacks):
    saved_search_create(user=owner, data=QUERY, now=NOW)
    draft = Provider.objects.create(
        kind="personal_assistant", status="draft", name="New PA", slug="new-pa", summary="s"
    )
    assert run(django_capture_on_commit_callbacks).emails == 0
    from marketplace.providers.services import provider_refresh_search_fields

    draft.services.set([personal_care])
    draft.save()  # a parental many-to-many is written on save
    Provider.objects.filter(pk=draft.pk).update(status="published")
    provider_refresh_search_fields(provider_ids=[draft.pk])
    assert run(django_capture_on_commit_callbacks).listings_alerted == 1


def test_unsubscribed_searches_are_not_checked(owner, busy_pa, django_capture_on_commit_callbacks):
    saved = saved_search_create(user=owner, data=QUERY, now=NOW)
    saved_search_unsubscribe(token=unsubscribe_token(saved), now=NOW)
    Provider.objects.filter(pk=busy_pa.pk).update(is_taking_new_clients=True)
    assert run(django_capture_on_commit_callbacks).searches_checked == 0


def test_a_forged_token_is_refused(owner, personal_care):
    saved = saved_search_create(user=owner, data=QUERY, now=NOW)
    token = unsubscribe_token(saved)
    for forged in (token[:-2] + "xx", "not-a-token", token.replace(token[0], "Z", 1)):
        with pytest.raises(SavedSearchError, match="not valid"):
            saved_search_unsubscribe(token=forged)
    saved.refresh_from_db()
    assert saved.is_active


def test_an_expired_token_is_refused_and_a_fresh_one_works(owner, personal_care):
    with time_machine.travel(NOW, tick=False):
        saved = saved_search_create(user=owner, data=QUERY, now=NOW)
        token = unsubscribe_token(saved)
    with time_machine.travel(NOW + timedelta(days=UNSUBSCRIBE_LINK_MAX_AGE_DAYS + 1), tick=False):
        with pytest.raises(SavedSearchError, match="expired"):
            saved_search_unsubscribe(token=token)
        assert not saved_search_unsubscribe(token=unsubscribe_token(saved)).is_active
        assert saved_search_resubscribe(token=unsubscribe_token(saved)).is_active


def test_a_deleted_search_token_says_so(owner, personal_care):
    saved = saved_search_create(user=owner, data=QUERY, now=NOW)
    token = unsubscribe_token(saved)
    saved.delete()
    with pytest.raises(SavedSearchError, match="deleted"):
        saved_search_unsubscribe(token=token)


def test_the_summary_counts_match_the_records(owner, busy_pa, free_pa, django_capture_on_commit_callbacks):
    saved_search_create(user=owner, data=QUERY, now=NOW)
    other = saved_search_create(user=owner, data=QueryDict("service=personal-care"), now=NOW)
    saved_search_unsubscribe(token=unsubscribe_token(other), now=NOW)
    Provider.objects.filter(pk=busy_pa.pk).update(is_taking_new_clients=True)
    run(django_capture_on_commit_callbacks)
    summary = saved_search_summary(list(saved_searches_for_user(owner)))
    assert summary == {"count": 2, "active_count": 1, "alerted_count": 1}


def test_the_task_records_its_run_on_a_frozen_day(owner, busy_pa, django_capture_on_commit_callbacks):
    saved_search_create(user=owner, data=QUERY, now=NOW)
    Provider.objects.filter(pk=busy_pa.pk).update(is_taking_new_clients=True)
    with time_machine.travel(NOW + timedelta(days=1), tick=False), django_capture_on_commit_callbacks(execute=True):
        result = send_task()
    assert "1 newly matching listings in 1 emails" in result
    assert ScheduledJobRun.objects.get(name="alerts-saved-searches").last_run_at == NOW + timedelta(days=1)
    assert SavedSearch.objects.get().last_alerted_at == NOW + timedelta(days=1)


def test_the_task_is_in_the_beat_schedule_every_morning():
    from celery import current_app
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["alerts-saved-searches"]
    assert entry["task"] == "marketplace.alerts.tasks.send_saved_search_alerts"
    assert entry["task"] in current_app.tasks
    assert entry["schedule"].hour == {8}


def test_the_command_sends_the_alerts(owner, busy_pa, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    saved_search_create(user=owner, data=QUERY, now=NOW)
    Provider.objects.filter(pk=busy_pa.pk).update(is_taking_new_clients=True)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("alerts_send", stdout=out)
    assert "1 newly matching listings in 1 emails" in out.getvalue()
