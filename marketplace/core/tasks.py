"""Queued work shared by every app."""

from smtplib import SMTPException

from celery import shared_task
from django.core.mail import send_mail


@shared_task(autoretry_for=(SMTPException, ConnectionError, OSError), retry_backoff=True, max_retries=8)
def send_email(*, to: str, subject: str, body: str) -> None:
    """Send one rendered email; retried with backoff while the mail service is down."""
    send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])
