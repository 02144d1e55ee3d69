"""Operational records shared by every app, and the abstract bases for shapes that repeat across apps."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from .storage import private_storage


def private_upload_path(instance: Any, filename: str) -> str:
    """Where a private file is stored: the model's own `upload_path`, a random name saying nothing of anyone."""
    return str(instance.upload_path(filename))


class PrivateFile(models.Model):
    """A file someone uploaded, kept in private storage with what is known about it.

    Served only through a view that checks permission (marketplace/core/storage.py),
    and stored only after the one upload check (`marketplace.core.uploads.check_upload`),
    which also gives `content_type` from what the file contains. A subclass says
    where its files go with `upload_path(filename)`, and adds what it is about.
    """

    file = models.FileField(storage=private_storage, upload_to=private_upload_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, help_text="Detected from the content, not the name")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    def upload_path(self, filename: str) -> str:
        raise NotImplementedError("A private file model says where its files are stored")


class DecisionRecord(models.Model):
    """One decision: who made it, when and why. A new row for every decision, never edited in place.

    `decided_by` is empty when the system decided, or when the person's account
    has since been deleted; a subclass whose decisions must always name a person
    (or must stop that person being deleted) declares its own `decided_by`.
    """

    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["-decided_at", "-id"]


class VersionRow(models.Model):
    """One row whose token changes when the data it stands for may have changed; what is kept by the token
    is worked out afresh after it changes. Read with `marketplace.core.versions.version_token`."""

    ROW = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=ROW)
    token = models.CharField(max_length=32)

    class Meta:
        abstract = True


class ScheduledJobRun(models.Model):
    """When each scheduled job last ran, so /healthz can show the scheduler is alive."""

    name = models.CharField(max_length=100, unique=True)
    last_run_at = models.DateTimeField()
    last_result = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} at {self.last_run_at:%Y-%m-%d %H:%M}"


class FormSubmission(models.Model):
    """A create form's one-time token, claimed by its first submission.

    The form carries a random token in a hidden field; the first submission
    inserts this row in the same transaction as what it creates, and records
    where it sent the person. A second submission of the same form (a
    double-click, a resend after a slow answer) finds the row and goes to the
    same place instead of creating a second thing. Two at once: the unique
    token makes the second wait for the first to commit (PostgreSQL's unique
    index, SQLite's write lock), then find it.
    """

    token = models.CharField(max_length=64, unique=True)
    # Not a foreign key: core sits below accounts. Anonymous forms (feedback) leave it empty.
    user_id = models.BigIntegerField(null=True, blank=True)
    result_url = models.CharField(max_length=500)
    created_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.token[:8]}… → {self.result_url}"


class OutboxEmail(models.Model):
    """One outgoing email, kept from the moment the write that caused it commits until it is sent.

    Written in the same transaction as that write, so a rolled-back write sends
    nothing and a committed one always has its email. A worker claims a row
    (queued -> sending) with one conditional UPDATE, sends, then marks it sent;
    a failed send goes back to queued with a later `next_attempt_at`, until
    `give_up_at`, when it is failed and shown to commissioners with a resend.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to send"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=998)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    give_up_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due")]
        verbose_name = "email"
        verbose_name_plural = "emails"

    def __str__(self) -> str:
        return f"{self.subject} to {self.to}"


class ExportJob(models.Model):
    """A spreadsheet export built by a worker, not by the web request that asked for it.

    Large exports of any admin listing or report (Wagtail's SpreadsheetExportMixin)
    are recorded here with the listing's path and filters; a Celery task runs the
    same view as the same person, writes the file to private storage and counts
    the rows as it goes, and the person's page shows the progress, then the
    download (marketplace/core/exports.py).
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being built"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    token = models.UUIDField(unique=True)
    # Not a foreign key: core sits below accounts.
    user_id = models.BigIntegerField(db_index=True)
    host = models.CharField(max_length=255)
    path = models.CharField(max_length=2000)
    query = models.TextField(blank=True)
    export_format = models.CharField(max_length=4)
    filename = models.CharField(max_length=255)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=500, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"


class SearchIndexBacklog(models.Model):
    """A provider whose search index update could not be made because the search server was down.

    One row per provider, however many changes it had meanwhile: the index is
    written from the row as it is when the server answers again, so the
    latest state lands once. Retried every minute by the scheduler
    (search.indexing.search_backlog_retry, registered as a minute sweep).
    """

    # Not a foreign key: core sits below providers, and a deleted provider must still leave the index.
    provider_id = models.BigIntegerField(unique=True)
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=1)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["first_failed_at", "provider_id"]
        verbose_name_plural = "search index backlog"

    def __str__(self) -> str:
        return f"provider {self.provider_id} since {self.first_failed_at:%Y-%m-%d %H:%M}"
