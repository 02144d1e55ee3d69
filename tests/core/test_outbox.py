"""The durable email outbox: kept with the write, sent after it, retried through a long outage, sent once."""

import time
from datetime import timedelta
from smtplib import SMTPServerDisconnected
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.services import account_email_mark_verified
from marketplace.core.models import OutboxEmail
from marketplace.core.notifications import email_send
from marketplace.core.outbox import (
    RETRY_FOR,
    SENDING_STALE_AFTER,
    outbox_deliver,
    outbox_enqueue,
    outbox_resend,
    outbox_send_due,
    retry_delay,
)
from marketplace.core.tasks import send_due_emails, send_email
from tests.factories import ProviderMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


class MailServiceDown(EmailBackend):
    """The locmem backend, but refusing every message while `is_down`."""

    is_down = False
    refused = 0

    def send_messages(self, messages: Any) -> int:
        if MailServiceDown.is_down:
            MailServiceDown.refused += len(list(messages))
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def mail_service(settings: Any) -> Any:
    settings.EMAIL_BACKEND = "tests.core.test_outbox.MailServiceDown"
    MailServiceDown.is_down = False
    MailServiceDown.refused = 0
    yield MailServiceDown
    MailServiceDown.is_down = False


def test_the_email_is_kept_with_the_write_and_sent_after_it_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email_send(to=["a@example.org"], subject="Hello", template="availability_reminder", context={})
        assert OutboxEmail.objects.get().state == OutboxEmail.State.QUEUED
        assert mail.outbox == []

    email = OutboxEmail.objects.get()
    assert (email.state, email.attempts) == (OutboxEmail.State.SENT, 1)
    assert email.sent_at is not None
    assert [message.to for message in mail.outbox] == [["a@example.org"]]


def test_a_write_that_rolls_back_keeps_no_email(django_capture_on_commit_callbacks):
    def write_then_fail() -> None:
        with transaction.atomic():
            email_send(to=["a@example.org"], subject="x", template="availability_reminder", context={})
            raise RuntimeError("the write failed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        write_then_fail()

    assert callbacks == []
    assert not OutboxEmail.objects.exists()
    assert mail.outbox == []


def test_the_delays_grow_to_an_hour_and_the_retries_last_two_days():
    assert [retry_delay(n).total_seconds() / 60 for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert timedelta(hours=24) < RETRY_FOR


def test_two_workers_sending_the_same_email_send_it_once(mail_service):
    email = outbox_enqueue(to=["a@example.org"], subject="Once", body="Only once")[0]

    outcomes = [outbox_deliver(email_id=email.pk), outbox_deliver(email_id=email.pk)]

    assert outcomes == ["sent", "not due"]
    assert len(mail.outbox) == 1


def test_a_worker_that_died_while_sending_is_taken_over_after_a_while(mail_service):
    email = outbox_enqueue(to=["a@example.org"], subject="Stuck", body="x")[0]
    now = timezone.now()
    OutboxEmail.objects.filter(pk=email.pk).update(state=OutboxEmail.State.SENDING, claimed_at=now)

    assert outbox_send_due(now=now + SENDING_STALE_AFTER - timedelta(seconds=1)) == {}
    assert outbox_send_due(now=now + SENDING_STALE_AFTER + timedelta(seconds=1)) == {"sent": 1}
    assert len(mail.outbox) == 1


def test_mail_server_down_for_a_day_loses_nothing_and_sends_each_once(
    client, mail_service, django_capture_on_commit_callbacks
):
    """Sign-up confirmation, password reset, an invitation and a notification, all during a day-long outage."""
    owner = ProviderMembershipFactory(role="owner").user
    account_email_mark_verified(user=owner)
    existing = UserFactory(email="forgetful@example.org")
    account_email_mark_verified(user=existing)
    mail_service.is_down = True
    with time_machine.travel(time.time(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("account_signup"),
                {"email": "new@example.org", "password1": "a long passphrase 1", "password2": "a long passphrase 1"},
            )
        client.logout()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("account_reset_password"), {"email": existing.email})
        client.force_login(owner)
        team = reverse("accounts:team", args=[owner.provider_memberships.get().provider.uuid])
        with django_capture_on_commit_callbacks(execute=True):
            client.post(team, {"email": "staff@example.org", "role": "staff"})
        with django_capture_on_commit_callbacks(execute=True):
            email_send(to=["ops@example.org"], subject="Reminder", template="availability_reminder", context={})
        assert OutboxEmail.objects.count() == 4
        assert mail.outbox == []

        for _minute in range(0, 24 * 60, 5):  # the scheduler, every five minutes for a day
            clock.shift(timedelta(minutes=5))
            send_due_emails.delay()

        assert set(OutboxEmail.objects.values_list("state", flat=True)) == {OutboxEmail.State.QUEUED}
        assert mail_service.refused >= 4 * 20, "each was retried through the day"
        assert mail.outbox == []
        mail_service.is_down = False
        clock.shift(timedelta(hours=1))
        send_due_emails.delay()
        clock.shift(timedelta(hours=1))
        send_due_emails.delay()

    assert set(OutboxEmail.objects.values_list("state", flat=True)) == {OutboxEmail.State.SENT}
    assert sorted(address for message in mail.outbox for address in message.to) == [
        "forgetful@example.org",
        "new@example.org",
        "ops@example.org",
        "staff@example.org",
    ]


def test_after_two_days_it_fails_shows_to_commissioners_and_can_be_resent(
    client, mail_service, commissioner_user, django_capture_on_commit_callbacks
):
    mail_service.is_down = True
    email = outbox_enqueue(to=["a@example.org"], subject="Your invitation", body="x")[0]
    with time_machine.travel(time.time(), tick=False) as clock:
        for _hour in range(49):
            clock.shift(timedelta(hours=1))
            outbox_send_due()
    email.refresh_from_db()
    assert email.state == OutboxEmail.State.FAILED
    assert "SMTPServerDisconnected" in email.last_error

    client.force_login(commissioner_user)
    page = client.get(reverse("outbox:index")).content.decode()
    assert "a@example.org" in page
    assert "Your invitation" in page
    mail_service.is_down = False
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("outbox:resend", args=[email.pk]), follow=True)

    assert "will be sent again" in response.content.decode()
    email.refresh_from_db()
    assert email.state == OutboxEmail.State.SENT
    assert len(mail.outbox) == 1
    assert outbox_resend(email=email) is False, "a sent email is not resent"


@pytest.mark.parametrize("role", ["editor", "provider", "anonymous"])
def test_only_commissioners_see_the_failed_emails(client, editor_user, role):
    if role == "editor":
        client.force_login(editor_user)
    elif role == "provider":
        client.force_login(ProviderMembershipFactory().user)
    email = outbox_enqueue(to=["a@example.org"], subject="x", body="x")[0]

    assert client.get(reverse("outbox:index")).status_code in {302, 403}
    assert client.post(reverse("outbox:resend", args=[email.pk])).status_code in {302, 403}


def test_messages_a_broker_still_holds_from_before_go_through_the_outbox(mail_service):
    send_email.delay(to="a@example.org", subject="Old", body="From before the outbox")

    assert OutboxEmail.objects.get().state == OutboxEmail.State.SENT
    assert len(mail.outbox) == 1


def test_the_admin_page_runs_a_fixed_number_of_queries(client, commissioner_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(commissioner_user)
    client.get(reverse("outbox:index"))  # warm the per-request caches that do not depend on rows
    counts = []
    for size in (1, 20):
        for _ in range(size):
            email = outbox_enqueue(to=["a@example.org"], subject="x", body="x")[0]
            OutboxEmail.objects.filter(pk=email.pk).update(state=OutboxEmail.State.FAILED)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("outbox:index")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_broker_down_the_email_is_tried_at_once_and_otherwise_left_for_the_sweep(
    mail_service, monkeypatch, django_capture_on_commit_callbacks
):
    from marketplace.core import tasks

    def broker_down(**kwargs: Any) -> None:
        raise ConnectionRefusedError("broker unreachable")

    monkeypatch.setattr(tasks.send_outbox_email, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        email_send(to=["a@example.org"], subject="Now", template="availability_reminder", context={})
    assert OutboxEmail.objects.get().state == OutboxEmail.State.SENT

    mail_service.is_down = True
    with django_capture_on_commit_callbacks(execute=True):
        email_send(to=["b@example.org"], subject="Later", template="availability_reminder", context={})
    later = OutboxEmail.objects.get(to="b@example.org")
    assert later.state == OutboxEmail.State.QUEUED
    mail_service.is_down = False
    with time_machine.travel(later.next_attempt_at + timedelta(seconds=1), tick=False):
        outbox_send_due()

    assert sorted(message.to[0] for message in mail.outbox) == ["a@example.org", "b@example.org"]
