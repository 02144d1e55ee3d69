"""The durable email outbox: every outgoing email is a row until it is sent, and it is sent once.

- `outbox_enqueue` writes the rows in the caller's transaction and, once it
  commits, asks a worker to send them now.
- `outbox_deliver` sends one row: it claims it with a conditional UPDATE
  (queued -> sending), so two workers never both send it; success marks it
  sent, failure puts it back with a growing delay (1, 2, 4 ... minutes, then
  hourly) until `give_up_at` (48 hours on), when it is failed.
- `outbox_send_due`, every minute from the scheduler, sends whatever is due
  and returns rows whose worker died mid-send to the queue.
- `outbox_resend` gives a failed email another 48 hours (commissioners' admin).

Sending holds no database lock: on SQLite a lock held through a slow mail
server would stop every other write. The cost: a worker killed after the mail
server accepted a message but before it marked the row sent leaves it
"sending"; after SENDING_STALE_AFTER it is queued again and may arrive twice.
That is the only way a message can be sent twice (docs/decisions/0026).
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from .models import OutboxEmail

logger = logging.getLogger(__name__)

RETRY_FOR = timedelta(hours=48)
LONGEST_WAIT = timedelta(hours=1)
SENDING_STALE_AFTER = timedelta(minutes=15)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8, 16, 32 minutes, then hourly: about 30 tries in the first day."""
    return min(timedelta(minutes=2 ** min(max(attempts - 1, 0), 10)), LONGEST_WAIT)


def outbox_enqueue(
    *, to: Iterable[str], subject: str, body: str, html_body: str = "", now: datetime | None = None
) -> list[OutboxEmail]:
    """Keep one email per recipient (addresses are never shared) and send them after the commit."""
    moment = now or timezone.now()
    recipients = sorted({address.strip() for address in to if address and address.strip()})
    emails = [
        OutboxEmail.objects.create(
            to=recipient,
            subject=" ".join(subject.split())[:998],
            body=body,
            html_body=html_body,
            next_attempt_at=moment,
            give_up_at=moment + RETRY_FOR,
            created_at=moment,
        )
        for recipient in recipients
    ]
    ids = [email.pk for email in emails]
    if ids:
        transaction.on_commit(lambda: _queue_now(ids), robust=True)
    return emails


def _queue_now(ids: list[int]) -> None:
    from .tasks import send_outbox_email

    for email_id in ids:
        try:
            send_outbox_email.delay(email_id=email_id)
        except Exception:
            # The task broker is down: try once now; if that fails too, the scheduled sweep retries.
            logger.exception("Could not queue email %s; trying to send it now", email_id)
            outbox_deliver(email_id=email_id)


def outbox_deliver(*, email_id: int, now: datetime | None = None) -> str:
    """Send one email if it is due and nobody else is sending it. Returns what happened."""
    moment = now or timezone.now()
    claimed = OutboxEmail.objects.filter(
        pk=email_id, state=OutboxEmail.State.QUEUED, next_attempt_at__lte=moment
    ).update(state=OutboxEmail.State.SENDING, claimed_at=moment)
    if not claimed:
        return "not due"
    email = OutboxEmail.objects.get(pk=email_id)
    message = EmailMultiAlternatives(subject=email.subject, body=email.body, to=[email.to])
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    try:
        message.send()
    except Exception as error:
        attempts = email.attempts + 1
        gave_up = moment + retry_delay(attempts) > email.give_up_at
        OutboxEmail.objects.filter(pk=email.pk, state=OutboxEmail.State.SENDING).update(
            state=OutboxEmail.State.FAILED if gave_up else OutboxEmail.State.QUEUED,
            attempts=attempts,
            next_attempt_at=moment + retry_delay(attempts),
            last_error=f"{type(error).__name__}: {error}"[:300],
            claimed_at=None,
        )
        logger.warning("Email %s not sent (attempt %s): %s", email.pk, attempts, type(error).__name__)
        return "failed" if gave_up else "retry"
    OutboxEmail.objects.filter(pk=email.pk).update(
        state=OutboxEmail.State.SENT, attempts=email.attempts + 1, sent_at=moment, claimed_at=None, last_error=""
    )
    return "sent"


def outbox_send_due(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Send what is due (oldest first); requeue rows a dead worker left 'sending'."""
    moment = now or timezone.now()
    OutboxEmail.objects.filter(state=OutboxEmail.State.SENDING, claimed_at__lt=moment - SENDING_STALE_AFTER).update(
        state=OutboxEmail.State.QUEUED, claimed_at=None
    )
    due = list(
        OutboxEmail.objects.filter(state=OutboxEmail.State.QUEUED, next_attempt_at__lte=moment)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    outcomes: dict[str, int] = {}
    for email_id in due:
        outcome = outbox_deliver(email_id=email_id, now=moment)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def outbox_resend(*, email: OutboxEmail, now: datetime | None = None) -> bool:
    """A failed email gets another RETRY_FOR; returns False if it was not failed (already resent, say)."""
    moment = now or timezone.now()
    resent = OutboxEmail.objects.filter(pk=email.pk, state=OutboxEmail.State.FAILED).update(
        state=OutboxEmail.State.QUEUED, next_attempt_at=moment, give_up_at=moment + RETRY_FOR
    )
    if resent:
        transaction.on_commit(lambda: _queue_now([email.pk]), robust=True)
    return bool(resent)
