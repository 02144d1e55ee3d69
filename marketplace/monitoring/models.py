"""Contract monitoring: contracts and lists, visits and audits, ratings, action plans and feedback.

- `Arrangement` is a council contract or list (the home care framework, the day
  services list, the direct payment accredited list) and how often its members
  must be monitored; `ArrangementMembership` says which providers are on it and when.
- `MonitoringVisit` is one visit or audit with a rating per quality domain and an
  overall rating derived by `rating.py`. While a draft it can be edited; once
  finalised its ratings change only by an amendment, and every finalisation,
  amendment and publication is appended to `RatingDecision` (who, when, why),
  never edited. See docs/decisions/0018-monitoring-rating-rule.md.
- `Action` is one line of a visit's action plan; every change to it is appended
  to `ActionUpdate`.
- `Feedback` comes from people who use a service, through a form on the public
  profile; it counts (approved complaints shorten the monitoring interval) only
  once a commissioner has approved it.

Writes go through `services.py`; reads through `selectors.py`.
"""

import uuid
from datetime import date
from enum import nonmember

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel

from marketplace.core.choices import StatusChoices
from marketplace.core.models import DecisionRecord, PrivateFile


class Rating(StatusChoices):
    """The four-point scale every quality domain and the overall outcome are rated on."""

    tag_colours = nonmember(
        {"excellent": "green", "good": "turquoise", "requires_improvement": "yellow", "poor": "red"}
    )

    EXCELLENT = "excellent", "Excellent"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    POOR = "poor", "Poor"


class Domain(models.TextChoices):
    """The quality domains a visit rates (after the councils' PAMMS assessment).

    Each value is also the name of the rating field on `MonitoringVisit` and `RatingDecision`.
    """

    ASSESSMENT_AND_CARE_PLANNING = "assessment_and_care_planning", "Assessment and care planning"
    EXPERIENCE_OF_PEOPLE_SUPPORTED = "experience_of_people_supported", "Experience of the people supported"
    WORKER_KNOWLEDGE = "worker_knowledge", "Worker knowledge"
    STAFF_TRAINING_AND_RECRUITMENT = "staff_training_and_recruitment", "Staff training and recruitment"
    ENVIRONMENT_EQUIPMENT_AND_SAFETY = "environment_equipment_and_safety", "Environment, equipment and safety"
    LEADERSHIP_AND_MANAGEMENT = "leadership_and_management", "Leadership and management"


DOMAIN_FIELDS: tuple[str, ...] = tuple(Domain.values)


def _rating_field(label: str) -> models.CharField:
    return models.CharField(label, max_length=24, choices=Rating.choices, blank=True)


class DomainRatings(models.Model):
    """The six domain ratings, shared by a visit (the ratings in force) and each decision (a snapshot)."""

    assessment_and_care_planning = _rating_field(Domain.ASSESSMENT_AND_CARE_PLANNING.label)
    experience_of_people_supported = _rating_field(Domain.EXPERIENCE_OF_PEOPLE_SUPPORTED.label)
    worker_knowledge = _rating_field(Domain.WORKER_KNOWLEDGE.label)
    staff_training_and_recruitment = _rating_field(Domain.STAFF_TRAINING_AND_RECRUITMENT.label)
    environment_equipment_and_safety = _rating_field(Domain.ENVIRONMENT_EQUIPMENT_AND_SAFETY.label)
    leadership_and_management = _rating_field(Domain.LEADERSHIP_AND_MANAGEMENT.label)
    overall_rating = models.CharField(max_length=24, choices=Rating.choices, blank=True)

    class Meta:
        abstract = True

    @property
    def domain_ratings(self) -> dict[str, str]:
        """Domain field name -> rating value ('' when not rated yet)."""
        return {field: getattr(self, field) for field in DOMAIN_FIELDS}

    @property
    def domain_rating_rows(self) -> list[tuple[str, str, str]]:
        """(domain label, rating value, rating label) in the order of the domains, for templates."""
        rows = []
        for field in DOMAIN_FIELDS:
            value = getattr(self, field)
            rows.append((Domain(field).label, value, Rating(value).label if value else ""))
        return rows


class Arrangement(ClusterableModel):
    """A council contract or list providers belong to, and how often its members are monitored."""

    class Kind(models.TextChoices):
        FRAMEWORK = "framework", "Framework"
        APPROVED_LIST = "approved_list", "Approved list"
        ACCREDITED_LIST = "accredited_list", "Accredited list"
        SPOT_CONTRACT = "spot_contract", "Spot contract"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True, help_text="A stable name used by the code and the demo data")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Leave empty for a list with no end date")
    monitoring_frequency_months = models.PositiveSmallIntegerField(
        "monitoring frequency (months)",
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="How often a member must have a monitoring visit when nothing gives cause for concern",
    )
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("kind"),
        FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")], heading="Dates"),
        FieldPanel("monitoring_frequency_months"),
        FieldPanel("description"),
    ]

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="arrangement_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ArrangementMembershipQuerySet(models.QuerySet["ArrangementMembership"]):
    def current(self, today: date) -> "ArrangementMembershipQuerySet":
        """Memberships in force on a date (of arrangements also in force)."""
        return self.filter(
            models.Q(start_on__lte=today),
            models.Q(end_on__isnull=True) | models.Q(end_on__gte=today),
            models.Q(arrangement__starts_on__lte=today),
            models.Q(arrangement__ends_on__isnull=True) | models.Q(arrangement__ends_on__gte=today),
        )


class ArrangementMembership(models.Model):
    """That a provider is on an arrangement, from when to when, under which contract reference."""

    arrangement = ParentalKey(Arrangement, on_delete=models.CASCADE, related_name="memberships")
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.CASCADE, related_name="arrangement_memberships"
    )
    start_on = models.DateField()
    end_on = models.DateField(null=True, blank=True)
    reference = models.CharField(max_length=60, blank=True, help_text="The contract or list reference")

    objects = ArrangementMembershipQuerySet.as_manager()

    panels = [
        FieldPanel("arrangement"),
        FieldPanel("provider"),
        FieldRowPanel([FieldPanel("start_on"), FieldPanel("end_on")]),
        FieldPanel("reference"),
    ]

    class Meta:
        ordering = ["arrangement__name", "start_on"]
        verbose_name = "member"
        constraints = [
            models.UniqueConstraint(fields=["arrangement", "provider", "start_on"], name="unique_membership_start"),
            models.CheckConstraint(
                condition=models.Q(end_on__isnull=True) | models.Q(end_on__gte=models.F("start_on")),
                name="membership_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} on {self.arrangement}"

    def is_current(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.start_on <= today and (self.end_on is None or self.end_on >= today)

    def overlapping(self) -> "ArrangementMembershipQuerySet":
        """Other memberships of the same provider on the same arrangement whose dates overlap this one's."""
        others = ArrangementMembership.objects.filter(arrangement_id=self.arrangement_id, provider_id=self.provider_id)
        others = others.exclude(pk=self.pk).exclude(end_on__lt=self.start_on)
        if self.end_on is not None:
            others = others.exclude(start_on__gt=self.end_on)
        return others

    def clean(self) -> None:
        """The admin form's check; services.arrangement_membership_add makes the same one."""
        super().clean()
        if self.end_on is not None and self.start_on and self.end_on < self.start_on:
            raise ValidationError({"end_on": "The end date must be on or after the start date."})
        if self.arrangement_id and self.provider_id and self.start_on and self.overlapping().exists():
            raise ValidationError(
                f"{self.provider} is already on {self.arrangement} for some of those dates: end that membership first."
            )


class MonitoringVisitQuerySet(models.QuerySet["MonitoringVisit"]):
    def decided(self) -> "MonitoringVisitQuerySet":
        """Visits whose ratings are decided (finalised or published): those the schedule counts."""
        return self.filter(status__in=[MonitoringVisit.Status.FINALISED, MonitoringVisit.Status.PUBLISHED])

    def published(self) -> "MonitoringVisitQuerySet":
        return self.filter(status=MonitoringVisit.Status.PUBLISHED)

    def latest_decided(self) -> "MonitoringVisitQuerySet":
        """Each provider's latest decided visit (by date, then id), in one pass of the index that keeps them newest
        first rather than one lookup a provider."""
        from django.db.models.functions import RowNumber

        newest = models.Window(
            RowNumber(),
            partition_by=models.F("provider_id"),
            order_by=(models.F("visited_on").desc(), models.F("id").desc()),
        )
        return self.decided().annotate(newest=newest).filter(newest=1)


class MonitoringVisit(DomainRatings):
    """A monitoring visit or audit of one provider, its domain ratings and its overall rating.

    The rating fields hold the ratings in force: edited freely while a draft,
    then changed only through `services.visit_amend`, which appends a
    `RatingDecision`. `overall_rating` is always derived by `rating.overall_rating`.
    """

    class VisitType(models.TextChoices):
        ANNOUNCED = "announced", "Announced visit"
        UNANNOUNCED = "unannounced", "Unannounced visit"
        DESKTOP_REVIEW = "desktop_review", "Desktop review"
        COMPLAINT = "complaint", "Triggered by a complaint"
        SAFEGUARDING = "safeguarding", "Triggered by a safeguarding concern"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        FINALISED = "finalised", "Finalised"
        PUBLISHED = "published", "Published to the provider"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE, related_name="monitoring_visits")
    arrangement = models.ForeignKey(
        Arrangement, on_delete=models.SET_NULL, null=True, blank=True, related_name="visits"
    )
    visit_type = models.CharField(max_length=24, choices=VisitType.choices)
    visited_on = models.DateField()
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    evidence_notes = models.TextField(
        blank=True, help_text="What was seen, read and heard. For the council only: never shown to the provider."
    )
    summary_for_provider = models.TextField(
        blank=True, help_text="Shown to the provider with the ratings once the outcome is published"
    )
    follows_up = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finalised_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    objects = MonitoringVisitQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = "monitoring visit"
        indexes = [
            models.Index(fields=["provider", "status", "visited_on"], name="visit_provider_status_date"),
            models.Index(fields=["status", "visited_on"], name="visit_status_date"),
            # Each provider's latest decided visit (the schedule and the ratings charts read it for thousands
            # of providers at once): read from the top of this index, with no sort.
            models.Index(
                fields=["provider", "-visited_on", "-id"],
                name="visit_latest_decided",
                condition=models.Q(status__in=["finalised", "published"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_visit_type_display()} to {self.provider} on {self.visited_on:%d %B %Y}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class RatingDecision(DomainRatings, DecisionRecord):
    """One decision on a visit's ratings: finalised, amended or published. Never edited.

    Each row is a snapshot of the six domain ratings and the overall rating at
    that moment, with who decided, when, why, and the rule's explanation of the
    overall rating.
    """

    class Kind(models.TextChoices):
        FINALISED = "finalised", "Finalised"
        AMENDED = "amended", "Amended"
        PUBLISHED = "published", "Published to the provider"

    visit = models.ForeignKey(MonitoringVisit, on_delete=models.CASCADE, related_name="rating_decisions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    rule_explanation = models.CharField(max_length=300, help_text="Why the rule gave this overall rating")
    reason = models.TextField(blank=True, help_text="Why the officer made this decision")
    # Always an officer, never the system, and never deleted from under the rating they decided.
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta(DecisionRecord.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.visit}: {self.get_kind_display()} ({self.get_overall_rating_display()})"


def attachment_path(instance: "VisitAttachment", filename: str) -> str:
    # The stored name says nothing about the provider, the person or the document.
    return f"monitoring/{instance.visit_id}/{uuid.uuid4().hex}"


class VisitAttachment(PrivateFile):
    """A document or photo kept with a visit's evidence, in private storage; commissioners only."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    visit = models.ForeignKey(MonitoringVisit, on_delete=models.CASCADE, related_name="attachments")
    size = models.PositiveIntegerField()
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def upload_path(self, filename: str) -> str:
        return attachment_path(self, filename)


class Action(models.Model):
    """One line of a visit's action plan: what must be done, by whom, by when."""

    class Status(StatusChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CLOSED = "closed", "Closed"

        tag_colours = nonmember({"open": "blue", "in_progress": "yellow", "done": "turquoise", "closed": "grey"})

    class Owner(models.TextChoices):
        PROVIDER = "provider", "The provider"
        COUNCIL = "council", "A council officer"

    # The statuses a provider may choose when they answer an action.
    PROVIDER_STATUSES = (Status.IN_PROGRESS, Status.DONE)
    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    visit = models.ForeignKey(MonitoringVisit, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    domain = models.CharField(max_length=40, choices=Domain.choices, blank=True, help_text="The domain it improves")
    owner = models.CharField(max_length=16, choices=Owner.choices, default=Owner.PROVIDER)
    owner_name = models.CharField(max_length=200, blank=True, help_text="The person responsible, by name or role")
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    provider_response = models.TextField(blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="action_status_due")]

    def __str__(self) -> str:
        return self.description[:80]

    def is_overdue(self, today: date | None = None) -> bool:
        """Still open or in progress after its due date (overdue is derived, never stored)."""
        today = today or timezone.localdate()
        return self.status in self.OPEN_STATUSES and self.due_on < today

    def status_label(self, today: date | None = None) -> str:
        return "Overdue" if self.is_overdue(today) else self.get_status_display()

    @property
    def owner_label(self) -> str:
        return self.owner_name or self.get_owner_display()


class ActionUpdate(models.Model):
    """One change to an action: created, changed by the council, or answered by the provider. Never edited."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed by the council"
        PROVIDER_RESPONSE = "provider_response", "Answered by the provider"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    from_status = models.CharField(max_length=16, choices=Action.Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Action.Status.choices, blank=True)
    note = models.TextField(blank=True, help_text="What changed, or the provider's answer")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.get_kind_display()}"


class Feedback(models.Model):
    """What someone who uses a service said about it, from the public profile; counts once approved."""

    class Relationship(models.TextChoices):
        USES_THE_SERVICE = "uses_the_service", "I use the service"
        FAMILY = "family", "I am a family member or friend of someone who uses it"
        ADVOCATE = "advocate", "I am an advocate, care navigator or other professional"

    class Moderation(models.TextChoices):
        PENDING = "pending", "Waiting for moderation"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE, related_name="monitoring_feedback")
    from_name = models.CharField(max_length=200, blank=True)
    relationship = models.CharField(max_length=24, choices=Relationship.choices)
    rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="1 (poor) to 5"
    )
    text = models.TextField()
    is_complaint = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(default=timezone.now)
    moderation_status = models.CharField(max_length=16, choices=Moderation.choices, default=Moderation.PENDING)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name_plural = "feedback"
        indexes = [
            models.Index(fields=["moderation_status", "submitted_at"], name="feedback_moderation_queue"),
            models.Index(fields=["provider", "is_complaint", "moderation_status"], name="feedback_complaints"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="feedback_rating_one_to_five",
            )
        ]

    def __str__(self) -> str:
        return f"Feedback on {self.provider} ({self.get_moderation_status_display()})"


class OverdueAlert(models.Model):
    """That commissioners were told a provider's monitoring is overdue, so the daily job tells them once a week."""

    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField()
    sent_on = models.DateField()

    class Meta:
        ordering = ["-sent_on"]
        indexes = [models.Index(fields=["provider", "sent_on"], name="overdue_alert_provider_sent")]

    def __str__(self) -> str:
        return f"Overdue monitoring of {self.provider} (due {self.due_on}) alerted on {self.sent_on}"
