"""The record of each daily digest, so the job sends one per day and the next one starts where it ended.

The dashboard and reports themselves read the other apps' records and store nothing.
"""

from django.db import models
from django.utils import timezone


class DigestRun(models.Model):
    """One run of the commissioners' daily digest: the period it covered and what went out. Never edited."""

    for_date = models.DateField(unique=True, help_text="The morning the digest was for")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    item_count = models.PositiveIntegerField(help_text="Changes reported; 0 means nothing to report, so no email")
    recipient_count = models.PositiveIntegerField()
    summary = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-for_date"]

    def __str__(self) -> str:
        return f"Digest for {self.for_date:%d %B %Y}: {self.item_count} changes to {self.recipient_count} people"
