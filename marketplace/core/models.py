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
