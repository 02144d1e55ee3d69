"""Elasticsearch down: search answers from the database, changes are saved, each index update lands once it returns."""

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from marketplace.core.models import OutboxEmail, SearchIndexBacklog
from marketplace.core.tasks import send_due_emails
from marketplace.providers.models import Provider
from marketplace.providers.services import (
    PriceInput,
    provider_change_request_approve,
    provider_change_status,
    provider_update_prices,
)
from search.api import FALLBACK_NOTICE
from search.backends.elasticsearch import get_client, index_alias
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def indexed_price(provider: Provider) -> Any:
    return get_client().get(index=index_alias(), id=str(provider.pk))["_source"]["lowest_hourly_price"]


def in_index(provider: Provider) -> bool:
    return bool(get_client().exists(index=index_alias(), id=str(provider.pk)))


def test_search_page_and_suggestions_answer_from_the_database_while_it_is_down(client, site, search_server, indexed):
    search_server.down()

    page = client.get("/directory/", {"q": "care"})
    suggestions = client.get(reverse("search:suggest"), {"q": "pe"})

    assert page.status_code == 200
    assert FALLBACK_NOTICE.encode() in page.content.replace(b"&#x27;", b"'")
    assert b"Amina Hussain" in page.content
    assert suggestions.status_code == 200


def test_changes_while_it_is_down_are_saved_and_each_lands_in_the_index_once_it_returns(
    search_server, indexed, index_writes, commissioner_user, mail_service, django_capture_on_commit_callbacks
):
    provider, owner, care = indexed["provider"], indexed["owner"], indexed["care"]
    other = ProviderFactory(name="Brook Day Centre")
    search_server.down()

    with django_capture_on_commit_callbacks(execute=True):
        request = provider_update_prices(
            provider=provider, by=owner, prices=[PriceInput(service=care, unit="hour", amount=Decimal("21.00"))]
        ).change_request
    with django_capture_on_commit_callbacks(execute=True):
        provider_change_request_approve(change_request=request, by=commissioner_user, reason="In line with market")
    with django_capture_on_commit_callbacks(execute=True):
        provider_change_status(
            provider=other, to_status=Provider.Status.SUSPENDED, by=commissioner_user, reason="Paused"
        )

    provider.refresh_from_db()
    other.refresh_from_db()
    assert provider.lowest_hourly_price == Decimal("21.00")
    assert other.status == Provider.Status.SUSPENDED
    assert [message.subject for message in mail.outbox] == ["Your changes to Amina Hussain are live"]
    assert index_writes == []
    assert sorted(SearchIndexBacklog.objects.values_list("provider_id", flat=True)) == sorted([provider.pk, other.pk])

    attempts = dict(SearchIndexBacklog.objects.values_list("provider_id", "attempts"))
    send_due_emails.delay()  # the scheduler's minute, still down: kept, nothing written
    assert index_writes == []
    assert dict(SearchIndexBacklog.objects.values_list("provider_id", "attempts")) == {
        provider_id: count + 1 for provider_id, count in attempts.items()
    }

    search_server.up()
    send_due_emails.delay()
    send_due_emails.delay()  # and the next minute: nothing left to write again

    assert sorted(index_writes) == sorted([provider.pk, other.pk]), "each provider written exactly once"
    assert not SearchIndexBacklog.objects.exists()
    assert indexed_price(provider) == 21.0
    assert not in_index(other), "the suspended listing left the index"
    assert OutboxEmail.objects.filter(state=OutboxEmail.State.SENT).count() == 1
    assert len(mail.outbox) == 1


def test_a_provider_changed_again_while_waiting_is_written_once_as_it_is_last(
    search_server, indexed, index_writes, commissioner_user, django_capture_on_commit_callbacks
):
    provider = indexed["provider"]
    search_server.down()
    for status, reason in ((Provider.Status.SUSPENDED, "Paused"), (Provider.Status.PUBLISHED, "")):
        with django_capture_on_commit_callbacks(execute=True):
            provider_change_status(provider=provider, to_status=status, by=commissioner_user, reason=reason)

    assert SearchIndexBacklog.objects.get().attempts == 2
    search_server.up()
    send_due_emails.delay()

    assert index_writes == [provider.pk]
    assert in_index(provider)
