"""A person's back-up plan for each agreement, providers' absences, and the alerts that a provider cannot come.

A holder (or someone acting for them) names back-up providers from their
shortlist for each live agreement (`BackupChoice`). When the provider cannot
come (it marked an `Absence`, the council's contingency flag on it reached a
level that affects people, or its accreditation lapsed) each live agreement
with it gets one `CannotCome` alert per event: the holder and everyone acting
for them are emailed once and "Your support" shows the alert with the
back-ups and other listings with capacity nearby.

Writes go through `services.py`; reads through `selectors.py`.
"""

import uuid

from django.conf import settings
from django.db import models

REASON_MAX_LENGTH = 300
MAX_BACKUPS = 5


class BackupChoice(models.Model):
    """One back-up provider the person named for one agreement, in their order of preference."""

    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="backup_choices")
    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    chosen_at = models.DateTimeField()

    class Meta:
        ordering = ["agreement", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "provider"], name="backup_choice_once_per_agreement")
        ]

    def __str__(self) -> str:
        return f"{self.provider} as back-up for {self.agreement}"


class Absence(models.Model):
    """Days a provider cannot come to anyone, marked by its own team; cancelled rather than deleted."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE, related_name="absences")
    starts_on = models.DateField("first day away")
    ends_on = models.DateField("last day away")
    reason = models.CharField(max_length=REASON_MAX_LENGTH)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    marked_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["provider", "ends_on"], name="absence_provider_ends_on")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="absence_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} away {self.starts_on} to {self.ends_on}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class CannotCome(models.Model):
    """That one agreement's provider cannot come, for one event; the people are told once (unique event key)."""

    class Cause(models.TextChoices):
        ABSENCE = "absence", "The provider is away"
        CONTINGENCY = "contingency", "The council is concerned the provider cannot keep providing support"
        ACCREDITATION_LAPSED = "accreditation_lapsed", "The provider's accreditation has lapsed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="cannot_come")
    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE, related_name="+")
    holder = models.ForeignKey("accounts.DirectPaymentHolder", on_delete=models.CASCADE, related_name="cannot_come")
    cause = models.CharField(max_length=32, choices=Cause.choices)
    # What happened, once per agreement: "absence:<pk>", "flag:<pk>", "lapse:<decision pk>".
    event_key = models.CharField(max_length=64)
    absence = models.ForeignKey(Absence, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    # When the cause went away (an absence cancelled, a flag lowered or closed, accreditation back).
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_on", "pk"]
        indexes = [models.Index(fields=["holder", "cleared_at"], name="cannot_come_holder_cleared")]
        constraints = [models.UniqueConstraint(fields=["agreement", "event_key"], name="cannot_come_once_per_event")]

    def __str__(self) -> str:
        return f"{self.provider} cannot come ({self.get_cause_display()})"
