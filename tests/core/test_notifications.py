"""Email goes out only once the write commits, one message per recipient."""

import pytest
from django.core import mail
from django.db import transaction

from marketplace.core.notifications import email_send

pytestmark = pytest.mark.django_db


def test_email_is_sent_after_commit_to_each_recipient_separately(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email_send(
            to=["b@example.com", "a@example.com", "a@example.com", ""],
            subject="Please confirm your availability",
            template="availability_reminder",
            context={"provider": {"name": "Asha Patel"}},
        )
        assert mail.outbox == []
    assert [message.to for message in mail.outbox] == [["a@example.com"], ["b@example.com"]]
    assert "Asha Patel" in mail.outbox[0].body


def _send_then_fail() -> None:
    with transaction.atomic():
        email_send(to=["a@example.com"], subject="x", template="availability_reminder", context={})
        raise RuntimeError("the write failed")


def test_nothing_is_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        _send_then_fail()
    assert callbacks == []
    assert mail.outbox == []
