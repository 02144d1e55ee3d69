"""Operational records shared by every app."""

from django.db import models


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
