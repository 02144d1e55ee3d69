"""Email to people, sent after the database write commits and retried if the mail service is down.

Every app sends through `email_send`, so the message is rendered from a
template under templates/emails/ and kept in the durable outbox
(marketplace.core.outbox) in the same transaction as the write that caused it:
it is sent after the commit and retried for two days if the mail service is down.
Which service delivers it is Django's EMAIL_BACKEND (EMAIL_URL): the console
or files locally, SMTP or a provider's API in production.
"""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from .outbox import outbox_enqueue


def email_send(*, to: Iterable[str], subject: str, template: str, context: dict[str, Any]) -> None:
    """Render `templates/emails/<template>.txt` now and keep it in the outbox, sent once the transaction commits.

    One message per recipient, so addresses are not shared between people.
    """
    recipients = [address for address in to if address]
    if not recipients:
        return
    body = render_to_string(f"emails/{template}.txt", {"site_url": settings.WAGTAILADMIN_BASE_URL, **context})
    outbox_enqueue(to=recipients, subject=subject, body=body)
