"""The mail server down for a simulated day while people submit: all saved, every email sent once after."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from marketplace.accounts.models import ProviderInvitation
from marketplace.core.models import OutboxEmail
from marketplace.core.tasks import send_due_emails
from marketplace.providers.services import PriceInput, provider_change_request_approve, provider_update_prices

pytestmark = pytest.mark.django_db


def test_a_day_without_mail_loses_no_email_and_sends_each_once(
    client,
    search_server,
    indexed,
    index_writes,
    commissioner_user,
    mail_service,
    django_capture_on_commit_callbacks,
):
    provider, owner, care = indexed["provider"], indexed["owner"], indexed["care"]
    mail_service.is_down = True
    with time_machine.travel(time.time(), tick=False) as clock:
        client.force_login(owner)
        team = reverse("accounts:team", args=[provider.uuid])
        for address in ("one@example.org", "two@example.org"):
            with django_capture_on_commit_callbacks(execute=True):
                assert client.post(team, {"email": address, "role": "staff"}).status_code == 302
        request = provider_update_prices(
            provider=provider, by=owner, prices=[PriceInput(service=care, unit="hour", amount=Decimal("21.00"))]
        ).change_request
        with django_capture_on_commit_callbacks(execute=True):
            provider_change_request_approve(change_request=request, by=commissioner_user)

        assert ProviderInvitation.objects.count() == 2
        assert index_writes == [provider.pk], "search does not wait for mail"
        for _ in range(24 * 12):  # the scheduler every five minutes, for a day
            clock.shift(timedelta(minutes=5))
            send_due_emails.delay()
        assert mail.outbox == []
        assert set(OutboxEmail.objects.values_list("state", flat=True)) == {OutboxEmail.State.QUEUED}
        assert mail_service.refused >= 3 * 20

        mail_service.is_down = False
        for _ in range(3):  # the next hours' sweeps
            clock.shift(timedelta(hours=1))
            send_due_emails.delay()

    sent_to = sorted(address for message in mail.outbox for address in message.to)
    assert sent_to == sorted([owner.email, "one@example.org", "two@example.org"])
    assert set(OutboxEmail.objects.values_list("state", flat=True)) == {OutboxEmail.State.SENT}
    assert index_writes == [provider.pk]
