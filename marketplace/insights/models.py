"""The record of each daily digest (so the job sends one per day), and the version the dashboard keeps its figures by.

The dashboard and reports store nothing else: they read the other apps' records.
"""

from django.db import models
from django.utils import timezone

from marketplace.core.models import VersionRow


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


class RecordsVersion(VersionRow):
    """A row for each panel of the morning dashboard (`freshness.PANELS`), whose token the database's triggers
    change with every write to a table or column that panel reads.

    Each panel's figures are kept under its token and the day (insights/freshness.py, decisions 0060 and 0063).
    The rows are written by the triggers (an upsert, so a row comes back after a flush) and by `install_triggers`
    after each migrate.
    """

    class Meta:
        verbose_name = "records version"

    def __str__(self) -> str:
        return f"Records version {self.token}"


class ProviderChange(models.Model):
    """A provider one of whose records a by-provider panel reads was written: one row a written row, added by the
    database's triggers (insights/freshness.py, decision 0064).

    Such a panel's figures are kept with the value each provider gives them, and after a write only the providers
    named here since are worked out again. The rows are deleted all together, with new tokens for those panels,
    once there are more than `freshness.PATCH_LIMIT` of them.
    """

    id = models.BigAutoField(primary_key=True)
    provider_id = models.BigIntegerField()

    class Meta:
        verbose_name = "provider change"

    def __str__(self) -> str:
        return f"Change {self.pk} to provider {self.provider_id}"
