"""The database briefly locked during a submission: "try again" keeps the answers, and the retry saves once."""

import re
from typing import Any

import pytest
from django.core import mail
from django.db import OperationalError, connection
from django.urls import reverse

from marketplace.accounts.models import ProviderInvitation
from marketplace.core.models import OutboxEmail

pytestmark = pytest.mark.django_db


class LockedFor:
    """Refuses the next `writes` writing statements as a database held by another writer past the timeout would."""

    def __init__(self, writes: int) -> None:
        self.left = writes
        self.refused = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if self.left and sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            self.left -= 1
            self.refused += 1
            raise OperationalError("database is locked")
        return execute(sql, params, many, context)


def form_token(html: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match, "the form carries a one-time token"
    return match.group(1)


def test_a_locked_database_then_try_again_saves_the_invitation_and_emails_it_once(
    client, listing, mail_service, django_capture_on_commit_callbacks
):
    owner, provider = listing["owner"], listing["provider"]
    client.force_login(owner)
    team = reverse("accounts:team", args=[provider.uuid])
    answers = {"email": "staff@example.org", "role": "staff", "form_token": form_token(client.get(team).text)}

    lock = LockedFor(writes=1)
    with connection.execute_wrapper(lock), django_capture_on_commit_callbacks(execute=True):
        busy = client.post(team, answers)

    assert busy.status_code == 503
    assert busy["Retry-After"] == "5"
    assert b'value="staff@example.org"' in busy.content, "the page keeps what was typed"
    assert ProviderInvitation.objects.count() == 0
    assert OutboxEmail.objects.count() == 0, "the refused write left no email behind"

    with django_capture_on_commit_callbacks(execute=True):
        retried = client.post(team, answers)  # "Try again" sends the same answers
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(team, answers)  # and an impatient second click

    assert retried.status_code == again.status_code == 302
    assert retried["Location"] == again["Location"]
    assert ProviderInvitation.objects.filter(email="staff@example.org").count() == 1
    assert [message.to for message in mail.outbox] == [["staff@example.org"]]
    assert lock.refused == 1


def test_a_lock_held_past_every_retry_still_never_shows_the_500_page(client, listing):
    owner, provider = listing["owner"], listing["provider"]
    client.force_login(owner)
    team = reverse("accounts:team", args=[provider.uuid])
    answers = {"email": "staff@example.org", "role": "staff", "form_token": form_token(client.get(team).text)}

    with connection.execute_wrapper(LockedFor(writes=1000)):
        responses = [client.post(team, answers) for _ in range(3)]

    assert [response.status_code for response in responses] == [503, 503, 503]
    assert ProviderInvitation.objects.count() == 0
