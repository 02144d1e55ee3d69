"""Create forms submitted once: a one-time token in a hidden field, claimed when the form is saved.

    form = JoinForm(request.POST or None)          # JoinForm mixes in OneTimeFormMixin
    if request.method == "POST" and form.is_valid():
        with submit_once(form=form, user=request.user) as once:
            if once.previous_url:
                return redirect(once.previous_url)  # the same form again: where the first went
            provider = provider_create_draft(...)
            return redirect(once.done(provider_url))

The claim and the creation share one transaction, so a creation that fails
(a domain error, a database error) releases the token and the same form can
be sent again. See docs/decisions/0025-never-a-500.md.
"""

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import FormSubmission

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
KEEP_TOKENS_FOR = timedelta(days=7)


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


class OneTimeFormMixin(forms.Form):
    """Adds the hidden `form_token` field, with a fresh token on every unbound form."""

    form_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Last, so error summaries that anchor on the first field still find a visible one.
        self.fields["form_token"] = self.fields.pop("form_token")
        self.fields["form_token"].initial = new_form_token()

    def clean_form_token(self) -> str:
        token = self.cleaned_data.get("form_token") or ""
        # A missing or malformed token (an old page, a hand-made request) is no token: the form still works.
        return token if TOKEN_PATTERN.fullmatch(token) else ""


@dataclass
class OneTimeSubmission:
    previous_url: str = ""
    result_url: str = ""

    def done(self, url: str) -> str:
        """Record where this submission sends the person; returns the url for the redirect."""
        self.result_url = url
        return url


@contextmanager
def submit_once(*, form: forms.Form, user: Any = None, now: datetime | None = None) -> Iterator[OneTimeSubmission]:
    token = form.cleaned_data.get("form_token") or ""
    user_id = getattr(user, "pk", None)
    with transaction.atomic():
        if not token:
            yield OneTimeSubmission()
            return
        try:
            with transaction.atomic():
                claim = FormSubmission.objects.create(
                    token=token, user_id=user_id, result_url="", created_at=now or timezone.now()
                )
        except IntegrityError:
            previous = FormSubmission.objects.filter(token=token, user_id=user_id).first()
            # Someone else's token (it cannot be guessed, but still) shows nothing of theirs: the
            # form is simply saved, as one without a token would be.
            yield OneTimeSubmission(previous_url=previous.result_url if previous else "")
            return
        submission = OneTimeSubmission()
        yield submission
        if submission.result_url:
            claim.result_url = submission.result_url[:500]
            claim.save(update_fields=["result_url"])
        else:
            claim.delete()  # the form was answered with an error: the same token may be sent again


def form_submissions_forget_old(*, now: datetime | None = None) -> int:
    """Tokens are only needed while a person might resend the form: a week is plenty."""
    cutoff = (now or timezone.now()) - KEEP_TOKENS_FOR
    deleted, _ = FormSubmission.objects.filter(created_at__lt=cutoff).delete()
    return deleted
