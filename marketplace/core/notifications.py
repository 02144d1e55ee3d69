"""Email to people, sent after the database write commits and retried if the mail service is down.

Every app sends through `email_send`, so the message is rendered from a
template under templates/emails/ and the send is queued with
`transaction.on_commit`: a failed send never loses the write that caused it.
Which service delivers it is Django's EMAIL_BACKEND (EMAIL_URL): the console
or files locally, SMTP or a provider's API in production.
"""

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def email_send(*, to: Iterable[str], subject: str, template: str, context: dict[str, Any]) -> None:
    """Render `templates/emails/<template>.txt` now and send it once the transaction commits.

    One message per recipient, so addresses are not shared between people.
    """
    recipients = sorted({address for address in to if address})
    if not recipients:
        return
    body = render_to_string(f"emails/{template}.txt", {"site_url": settings.WAGTAILADMIN_BASE_URL, **context})

    def enqueue() -> None:
        from .tasks import send_email

        for recipient in recipients:
            try:
                send_email.delay(to=recipient, subject=subject, body=body)
            except Exception:
                logger.exception("Could not queue an email to %s; sending now", recipient)
                send_email.apply(kwargs={"to": recipient, "subject": subject, "body": body})

    transaction.on_commit(enqueue, robust=True)
