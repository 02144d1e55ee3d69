"""Vetting checks, their evidence and the decisions on them: the accredited supplier list.

A provider is accredited while every check its kind requires (see
`requirements.py`) is verified and in date, and a commissioner has accredited
it. Decisions on checks and on accreditation are appended to their histories
(`CheckDecision`, `AccreditationDecision`) and never edited in place.

Writes go through `services.py`; reads through `selectors.py`.
"""

import uuid
from datetime import date
from enum import nonmember

from django.conf import settings
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from marketplace.core.choices import StatusChoices
from marketplace.core.encryption import EncryptedTextField
from marketplace.core.models import DecisionRecord, PrivateFile
from marketplace.providers.models import Provider


class CheckType(ClusterableModel):
    """A kind of vetting check (enhanced DBS, references, insurance...), configured by commissioners."""

    code = models.SlugField(max_length=60, unique=True, help_text="A stable name used by the code and the demo data")
    name = models.CharField(max_length=120)
    public_description = models.CharField(
        max_length=200,
        help_text="What searchers are told was checked, for example 'Enhanced DBS check with adults' barred list'",
    )
    guidance = models.TextField(blank=True, help_text="Shown to providers: what evidence to upload")
    has_expiry = models.BooleanField(default=True, help_text="The check has an expiry date")
    default_validity_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="When no expiry date is printed, the check expires this long after issue"
    )
    needs_evidence = models.BooleanField(default=True, help_text="A document must be uploaded")
    has_certificate_number = models.BooleanField(default=False, help_text="A DBS certificate number is recorded")
    has_level = models.BooleanField(default=False, help_text="A level is recorded (training)")
    has_rating = models.BooleanField(default=False, help_text="A rating is recorded (food hygiene)")
    rating_choices = models.CharField(
        max_length=200,
        blank=True,
        help_text="Ratings to choose from, separated by commas (for example '5, 4, 3, 2, 1, 0'); empty to type one",
    )
    reference_label = models.CharField(
        max_length=60,
        blank=True,
        help_text="What the provider is asked for beside the document, for example 'Policy number'; empty to not ask",
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    panels = [
        FieldPanel("name"),
        FieldPanel("code"),
        FieldPanel("public_description"),
        FieldPanel("guidance"),
        MultiFieldPanel(
            [
                FieldPanel("has_expiry"),
                FieldPanel("default_validity_months"),
                FieldPanel("needs_evidence"),
                FieldPanel("has_certificate_number"),
                FieldPanel("has_level"),
                FieldPanel("has_rating"),
                FieldPanel("rating_choices"),
                FieldPanel("reference_label"),
            ],
            heading="What is recorded",
        ),
        FieldPanel("sort_order"),
        InlinePanel("requirements", heading="Required for", label="Requirement"),
    ]

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class CheckRequirement(Orderable):
    """That providers of one kind need a check, always or under a condition."""

    class Condition(models.TextChoices):
        ALWAYS = "always", "Always"
        OFFERS_MOVING_AND_HANDLING = "moving_and_handling", "Where moving and handling is offered"
        SERVES_FOOD = "serves_food", "Where food is served"
        REGULATED_ACTIVITY = "regulated_activity", "Where the activity is regulated by the CQC"
        INCORPORATED = "incorporated", "Where the provider is a company"

    class AppliesTo(models.TextChoices):
        PROVIDER = "provider", "The provider"
        EACH_WORKER = "each_worker", "Each worker"

    check_type = ParentalKey(CheckType, on_delete=models.CASCADE, related_name="requirements")
    provider_kind = models.CharField(max_length=32, choices=Provider.Kind.choices)
    condition = models.CharField(max_length=32, choices=Condition.choices, default=Condition.ALWAYS)
    applies_to = models.CharField(max_length=16, choices=AppliesTo.choices, default=AppliesTo.PROVIDER)

    panels = [FieldPanel("provider_kind"), FieldPanel("condition"), FieldPanel("applies_to")]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["check_type", "provider_kind"], name="unique_check_requirement_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.check_type} for {self.get_provider_kind_display()}"


class Worker(models.Model):
    """Someone who works for a micro-provider or day service and needs their own checks."""

    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE, related_name="workers")
    full_name = models.CharField(max_length=200)
    role = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name


class Accreditation(models.Model):
    """A provider's place on the accredited supplier list: where its application stands."""

    class Status(StatusChoices):
        NOT_APPLIED = "not_applied", "Not applied"
        APPLIED = "applied", "Waiting for review"
        ACCREDITED = "accredited", "Accredited"
        REFUSED = "refused", "Refused"
        SUSPENDED = "suspended", "Suspended"
        LAPSED = "lapsed", "Lapsed"

        tag_colours = nonmember(
            {
                "not_applied": "grey",
                "applied": "blue",
                "accredited": "green",
                "refused": "red",
                "suspended": "red",
                "lapsed": "orange",
            }
        )

    provider = models.OneToOneField("providers.Provider", on_delete=models.CASCADE, related_name="accreditation")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NOT_APPLIED)
    applied_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    accredited_since = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "applied_at"], name="accreditation_queue")]

    def __str__(self) -> str:
        return f"{self.provider}: {self.get_status_display()}"


class AccreditationDecision(DecisionRecord):
    """One decision on a provider's accreditation: who, when, what and why. Never edited."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Applied"
        ACCREDITED = "accredited", "Accredited"
        REFUSED = "refused", "Refused"
        SUSPENDED = "suspended", "Suspended"
        LAPSED = "lapsed", "Lapsed (a required check expired)"
        WITHDRAWN = "withdrawn", "Application withdrawn"

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.CASCADE, related_name="accreditation_decisions"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    # PROTECT: the person who decided on a listing's accreditation is never deleted from under it.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the system decided (a lapse)",
    )

    def __str__(self) -> str:
        return f"{self.provider}: {self.get_outcome_display()}"


class ProviderCheck(models.Model):
    """One vetting check for a provider (or one of its workers), with its dates and state."""

    class Status(StatusChoices):
        NOT_STARTED = "not_started", "Not started"
        SUBMITTED = "submitted", "Waiting for review"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired"

        tag_colours = nonmember(
            {"not_started": "grey", "submitted": "blue", "verified": "green", "rejected": "red", "expired": "orange"}
        )
        tag_labels = nonmember({"rejected": "Not accepted"})

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE, related_name="checks")
    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, null=True, blank=True, related_name="checks")
    check_type = models.ForeignKey(CheckType, on_delete=models.PROTECT, related_name="checks")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NOT_STARTED)

    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    # Type-specific details (only those the check type asks for).
    certificate_number = EncryptedTextField(blank=True)  # DBS: never shown in full, see masked_certificate_number
    certificate_number_last_digits = models.CharField(max_length=4, blank=True, editable=False)
    is_on_update_service = models.BooleanField("subscribed to the DBS Update Service", default=False)
    holder_surname = models.CharField(max_length=100, blank=True, help_text="For the DBS Update Service check")
    holder_date_of_birth = EncryptedTextField(blank=True, help_text="ISO date, for the DBS Update Service check")
    level = models.CharField(max_length=50, blank=True)
    rating = models.CharField(max_length=20, blank=True)
    reference = models.CharField(max_length=200, blank=True, help_text="Policy number, referee, registration number")
    provider_note = models.TextField(blank=True)

    submitted_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The expiry date of the last verified details. A renewal submitted before
    # the old details run out keeps the check counted as verified until then
    # (see selectors.check_counts_as_verified).
    verified_expires_on = models.DateField(null=True, blank=True, editable=False)
    last_external_check_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["check_type__sort_order", "worker__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "check_type"],
                condition=models.Q(worker__isnull=True),
                name="unique_provider_check",
            ),
            models.UniqueConstraint(fields=["worker", "check_type"], name="unique_worker_check"),
        ]
        indexes = [
            # The provider too, on PostgreSQL: the review queue's count reads it from the index alone.
            models.Index(fields=["status", "submitted_at"], include=["provider"], name="check_review_queue"),
            models.Index(fields=["expires_on"], name="check_expiry"),
        ]

    def __str__(self) -> str:
        who = f" ({self.worker})" if self.worker_id else ""
        return f"{self.check_type}{who} for {self.provider}"

    @property
    def masked_certificate_number(self) -> str:
        return f"•••• •••• {self.certificate_number_last_digits}" if self.certificate_number_last_digits else ""

    def is_in_date(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.expires_on is None or self.expires_on >= today


class CheckDecision(DecisionRecord):
    """One step in a check's history: submitted, verified, rejected, returned or expired. Never edited."""

    class Outcome(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Rejected"
        RETURNED = "returned", "Returned for review"
        EXPIRED = "expired", "Expired"

    provider_check = models.ForeignKey(ProviderCheck, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    # PROTECT: the person who verified or rejected a check is never deleted from under it.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.provider_check}: {self.get_outcome_display()}"


def evidence_path(instance: "Evidence", filename: str) -> str:
    # The stored name says nothing about the person or the document.
    return f"evidence/{instance.provider_check.provider_id}/{uuid.uuid4().hex}"


class Evidence(PrivateFile):
    """A document uploaded for a check, kept in private storage and served only through a logged view."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider_check = models.ForeignKey(ProviderCheck, on_delete=models.CASCADE, related_name="evidence")
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    was_virus_scanned = models.BooleanField(default=False)

    class Meta:
        ordering = ["-uploaded_at"]

    def upload_path(self, filename: str) -> str:
        return evidence_path(self, filename)


class EvidenceView(models.Model):
    """Every time someone opened a piece of evidence."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="views")
    viewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    viewed_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-viewed_at"]

    def __str__(self) -> str:
        return f"{self.evidence} viewed by {self.viewed_by} at {self.viewed_at:%Y-%m-%d %H:%M}"


class ExpiryReminder(models.Model):
    """That a reminder went out for a check's expiry date, so the daily job sends each one once."""

    provider_check = models.ForeignKey(ProviderCheck, on_delete=models.CASCADE, related_name="reminders")
    expires_on = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider_check", "expires_on", "days_before"], name="unique_expiry_reminder"
            )
        ]

    def __str__(self) -> str:
        return f"{self.days_before}-day reminder for {self.provider_check}"


class RegisterAlert(models.Model):
    """Something an external register (CQC, Companies House, DBS Update Service) told us that needs a person."""

    class Source(models.TextChoices):
        CQC = "cqc", "CQC"
        COMPANIES_HOUSE = "companies_house", "Companies House"
        DBS_UPDATE_SERVICE = "dbs_update_service", "DBS Update Service"

    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE, related_name="register_alerts")
    source = models.CharField(max_length=24, choices=Source.choices)
    code = models.CharField(max_length=40, help_text="What was found, for example 'inadequate' or 'insolvency'")
    message = models.TextField()
    raised_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.message[:60]}"


class RegisterRecord(models.Model):
    """The latest answer an external register gave about a provider, kept for the admin and for triggers."""

    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE, related_name="register_records")
    source = models.CharField(max_length=24, choices=RegisterAlert.Source.choices)
    status = models.CharField(max_length=60, blank=True, help_text="Status as the register gives it")
    data = models.JSONField(default=dict, blank=True, help_text="The fields we use from the register's answer")
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "source"], name="unique_register_record")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} for {self.provider}: {self.status}"
