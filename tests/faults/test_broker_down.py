"""The task broker (Redis) down during a submission: the write is saved, each side effect done once, now or later."""

from decimal import Decimal
from typing import Any

import pytest
import time_machine
from celery.app.task import Task
from django.core import mail
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerDown

from marketplace.accounts.models import ProviderInvitation
from marketplace.core.models import OutboxEmail, SearchIndexBacklog
from marketplace.core.tasks import send_due_emails
from marketplace.providers.services import PriceInput, provider_change_request_approve, provider_update_prices

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(monkeypatch: Any) -> dict[str, Any]:
    """Every task's `delay`/`apply_async` fails as with Redis unreachable while `down` is set; counts refusals."""
    state: dict[str, Any] = {"down": True, "refused": 0}
    original = Task.apply_async

    def apply_async(self: Task, *args: Any, **kwargs: Any) -> Any:
        if state["down"]:
            state["refused"] += 1
            raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Task, "apply_async", apply_async)
    return state


def test_an_approval_with_the_broker_down_indexes_and_emails_in_the_request_once(
    broker, search_server, indexed, index_writes, commissioner_user, mail_service, django_capture_on_commit_callbacks
):
    provider, owner, care = indexed["provider"], indexed["owner"], indexed["care"]
    request = provider_update_prices(
        provider=provider, by=owner, prices=[PriceInput(service=care, unit="hour", amount=Decimal("21.00"))]
    ).change_request

    with django_capture_on_commit_callbacks(execute=True):
        provider_change_request_approve(change_request=request, by=commissioner_user)

    provider.refresh_from_db()
    assert provider.lowest_hourly_price == Decimal("21.00")
    assert broker["refused"] == 2, "the index task and the email task could not be queued"
    assert index_writes == [provider.pk]
    assert len(mail.outbox) == 1

    broker["down"] = False
    send_due_emails.delay()
    assert index_writes == [provider.pk]
    assert len(mail.outbox) == 1
    assert OutboxEmail.objects.get().state == OutboxEmail.State.SENT


def test_broker_mail_and_search_all_down_nothing_is_lost_and_each_is_done_once_they_return(
    broker, search_server, indexed, index_writes, commissioner_user, mail_service, django_capture_on_commit_callbacks
):
    provider, owner, care = indexed["provider"], indexed["owner"], indexed["care"]
    request = provider_update_prices(
        provider=provider, by=owner, prices=[PriceInput(service=care, unit="hour", amount=Decimal("21.00"))]
    ).change_request
    search_server.down()
    mail_service.is_down = True

    with django_capture_on_commit_callbacks(execute=True):
        provider_change_request_approve(change_request=request, by=commissioner_user)

    assert OutboxEmail.objects.get().state == OutboxEmail.State.QUEUED
    assert SearchIndexBacklog.objects.get().provider_id == provider.pk
    assert (index_writes, mail.outbox) == ([], [])

    broker["down"] = False
    search_server.up()
    mail_service.is_down = False
    email = OutboxEmail.objects.get()
    with time_machine.travel(email.next_attempt_at, tick=False):
        send_due_emails.delay()
        send_due_emails.delay()

    assert index_writes == [provider.pk]
    assert [message.to for message in mail.outbox] == [[owner.email]]


def test_an_invitation_sent_from_the_team_page_with_the_broker_down_is_saved_and_emailed_once(
    broker, client, mail_service, django_capture_on_commit_callbacks, listing
):
    owner, provider = listing["owner"], listing["provider"]
    client.force_login(owner)
    team = reverse("accounts:team", args=[provider.uuid])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(team, {"email": "staff@example.org", "role": "staff"})

    assert response.status_code == 302
    assert ProviderInvitation.objects.filter(email="staff@example.org").count() == 1
    assert [message.to for message in mail.outbox] == [["staff@example.org"]]
    broker["down"] = False
    send_due_emails.delay()
    assert len(mail.outbox) == 1
