"""Provider-failure contingency flags: the council's internal watch on providers that may fail.

A flag is opened automatically by a signal (CQC, Companies House, monitoring,
accreditation, capacity; see `services.contingency_signal`) or by hand by a
commissioner. Its level only moves through `services`, and every move is
appended to `FlagLevelChange` (who, when, why). Nothing here is ever shown to
the public or to the provider: the only public trace is the neutral notice (or
the suspended listing) a commissioner chooses.

Writes go through `services.py`; reads through `selectors.py`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from marketplace.core.models import DecisionRecord
from marketplace.core.storage import private_storage


class Level(models.TextChoices):
    WATCH = "watch", "Watch"
    AT_RISK = "at_risk", "At risk"
    FAILING = "failing", "Failing"
    FAILED = "failed", "Failed"
    CLOSED = "closed", "Closed"


# How serious each level is; automatic signals only ever move a flag up this scale.
LEVEL_RANK: dict[str, int] = {
    Level.WATCH: 1,
    Level.AT_RISK: 2,
    Level.FAILING: 3,
    Level.FAILED: 4,
}
OPEN_LEVELS = [Level.WATCH, Level.AT_RISK, Level.FAILING, Level.FAILED]


class AutomaticTrigger(models.TextChoices):
    """The kinds of automatic trigger: what other apps report through `services.contingency_signal`.

    Choices for `FlagTrigger.kind`, not a model and not a Django signal (it was
    called `Signal` until decision 0043).
    """

    CQC_INADEQUATE = "cqc_inadequate", "CQC rated Inadequate"
    CQC_DEREGISTERED = "cqc_deregistered", "Deregistered by the CQC"
    INSOLVENCY = "insolvency", "Companies House: insolvency"
    STRUCK_OFF = "struck_off", "Companies House: struck off or proposed for strike-off"
    OVERDUE_ACCOUNTS = "overdue_accounts", "Companies House: accounts overdue"
    POOR_MONITORING_RATING = "poor_monitoring_rating", "Monitoring visit rated Poor"
    ACCREDITATION_LAPSED = "accreditation_lapsed", "Accreditation lapsed"
    CAPACITY_FALL = "capacity_fall", "Sharp fall in capacity"


class ManualTrigger(models.TextChoices):
    """The kinds of trigger a commissioner records by hand (`FlagTrigger.kind`)."""

    INTELLIGENCE = "intelligence", "Intelligence"
    SELF_REPORT = "self_report", "Self-report by the provider"
    SAFEGUARDING = "safeguarding", "Safeguarding concern"
    COMPLAINTS = "complaints", "Complaints"
    OTHER = "other", "Other"


class Duty(models.TextChoices):
    S48_TEMPORARY = "s48_temporary", "Care Act s.48 temporary duty (CQC-registered provider)"
    GENERAL_ELIGIBLE_NEEDS = "general_eligible_needs", "General duty to meet eligible needs"


class Scope(models.TextChoices):
    SERVICE = "service", "A service"
    LOCATION = "location", "A location"
    WHOLE_BUSINESS = "whole_business", "The whole business"


class Visibility(models.TextChoices):
    UNCHANGED = "unchanged", "Listing unchanged"
    NOTICE = "notice", "Listing shows a neutral notice"
    HIDDEN = "hidden", "Listing hidden (suspended)"


class ClosingOutcome(models.TextChoices):
    RECOVERED = "recovered", "Provider recovered"
    PROVIDER_EXITED_MARKET = "provider_exited_market", "Provider exited the market"
    TRANSFERRED = "transferred", "Business transferred to another provider"
    CLOSED_NO_IMPACT = "closed_no_impact", "Closed with no impact on people"
    RAISED_IN_ERROR = "raised_in_error", "Raised in error"


class ContingencyFlagQuerySet(models.QuerySet["ContingencyFlag"]):
    def open(self) -> "ContingencyFlagQuerySet":
        return self.filter(closed_at__isnull=True)

    def closed(self) -> "ContingencyFlagQuerySet":
        return self.filter(closed_at__isnull=False)

    def at_or_above(self, level: str) -> "ContingencyFlagQuerySet":
        return self.filter(level__in=[name for name, rank in LEVEL_RANK.items() if rank >= LEVEL_RANK[level]])


class ContingencyFlag(models.Model):
    """The council's internal concern that a provider may fail. At most one open flag per provider."""

    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="contingency_flags")
    level = models.CharField(max_length=16, choices=Level.choices, default=Level.WATCH)
    duty = models.CharField(max_length=32, choices=Duty.choices)
    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.WHOLE_BUSINESS)
    scope_service = models.ForeignKey(
        "providers.ServiceType", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scope_location = models.ForeignKey(
        "providers.ProviderLocation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scope_detail = models.CharField(max_length=300, blank=True)
    lead_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    public_visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.UNCHANGED)
    public_notice_text = models.CharField(max_length=300, blank=True)
    # Whether this flag suspended the listing (so closing it publishes the listing again).
    suspended_listing = models.BooleanField(default=False)
    opened_at = models.DateTimeField(default=timezone.now)
    opened_on = models.DateField(default=timezone.localdate)
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_outcome = models.CharField(max_length=32, choices=ClosingOutcome.choices, blank=True)
    closing_note = models.TextField(blank=True)
    business_continuity_plan = models.FileField(
        storage=private_storage, upload_to="contingency/bcp/%Y/%m/", blank=True, max_length=300
    )
    bcp_uploaded_at = models.DateTimeField(null=True, blank=True)
    bcp_reviewed_on = models.DateField(null=True, blank=True)

    objects = ContingencyFlagQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_contingency_flag_per_provider",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.get_level_display()}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class FlagTrigger(models.Model):
    """Why a flag was opened or raised: an automatic signal or a commissioner's report. Never edited."""

    class Source(models.TextChoices):
        AUTOMATIC = "automatic", "Automatic"
        MANUAL = "manual", "Recorded by hand"

    flag = models.ForeignKey(ContingencyFlag, on_delete=models.CASCADE, related_name="triggers")
    source = models.CharField(max_length=16, choices=Source.choices)
    # An AutomaticTrigger value for automatic triggers, a ManualTrigger value for manual ones.
    kind = models.CharField(max_length=32)
    detail = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind_label}: {self.detail[:60]}"

    @property
    def kind_label(self) -> str:
        labels = dict(AutomaticTrigger.choices) | dict(ManualTrigger.choices)
        return str(labels.get(self.kind, self.kind))


class FlagLevelChange(DecisionRecord):
    """One change of a flag's level: from, to, who (empty for the system), when and why. Never edited."""

    flag = models.ForeignKey(ContingencyFlag, on_delete=models.CASCADE, related_name="level_changes")
    from_level = models.CharField(max_length=16, choices=Level.choices, blank=True)
    to_level = models.CharField(max_length=16, choices=Level.choices)
    reason = models.TextField()  # a change of level always says why

    def __str__(self) -> str:
        return f"{self.flag.provider}: {self.from_level or 'new'} → {self.to_level}"


class FlagEvent(models.Model):
    """An entry on a flag's timeline: something that happened, or a communication with someone."""

    class Kind(models.TextChoices):
        EVENT = "event", "Event"
        COMMUNICATION = "communication", "Communication"

    class Party(models.TextChoices):
        PROVIDER = "provider", "The provider"
        PEOPLE_AFFECTED = "people_affected", "People affected"
        FAMILIES = "families", "Families and carers"
        CQC = "cqc", "CQC"
        OTHER_COUNCILS = "other_councils", "Other councils"
        STAFF = "staff", "Provider staff"
        NHS = "nhs", "NHS partners"
        INTERNAL = "internal", "Council colleagues"

    flag = models.ForeignKey(ContingencyFlag, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.EVENT)
    party = models.CharField("with whom", max_length=32, choices=Party.choices, blank=True)
    summary = models.TextField()
    occurred_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary[:60]}"


class AffectedPerson(models.Model):
    """Someone whose care depends on the flagged provider. Only a reference or initials are kept here."""

    class Status(models.TextChoices):
        IDENTIFIED = "identified", "Identified"
        CONTACTED = "contacted", "Contacted"
        ALTERNATIVE_ARRANGED = "alternative_arranged", "Alternative arranged"
        NO_LONGER_AFFECTED = "no_longer_affected", "No longer affected"

    flag = models.ForeignKey(ContingencyFlag, on_delete=models.CASCADE, related_name="affected_people")
    holder = models.ForeignKey(
        "accounts.DirectPaymentHolder", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reference = models.CharField(max_length=40, help_text="A case reference or initials only, never a full name")
    needs_summary = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.IDENTIFIED)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference", "id"]
        verbose_name_plural = "affected people"

    def __str__(self) -> str:
        return self.reference


class BusinessContinuityPlanView(models.Model):
    """Who opened a flag's business continuity plan, and when (the plan is confidential). Never edited."""

    flag = models.ForeignKey(ContingencyFlag, on_delete=models.CASCADE, related_name="bcp_views")
    viewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-viewed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.viewed_by} viewed the plan for {self.flag.provider} at {self.viewed_at:%Y-%m-%d %H:%M}"
