"""Providers in the directory and the taxonomies that describe them.

Writes go through `services.py`; reads through `selectors.py`.
"""

import uuid
from datetime import date, timedelta
from enum import nonmember
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel

from marketplace.core.choices import StatusChoices
from marketplace.core.models import DecisionRecord

from .availability import WeeklyAvailability

STALE_AVAILABILITY_DAYS = 30
# Term masks are signed 64-bit integers; bits 0 to 62 stay positive.
MAX_TERMS_PER_TAXONOMY = 63


def fresh_availability_since(today: date | None = None) -> date:
    """Availability confirmed on or after this day is fresh; before it (or never), stale."""
    return (today or timezone.localdate()) - timedelta(days=STALE_AVAILABILITY_DAYS)


class TaxonomyTerm(models.Model):
    """A term in a vocabulary editors manage in the Wagtail admin."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    # This term's bit in Provider's term masks, so database search filters and
    # counts terms with bitwise tests; assigned by services.taxonomy_assign_bits.
    bit = models.PositiveSmallIntegerField(null=True, blank=True, unique=True, editable=False)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("sort_order"),
    ]

    class Meta:
        abstract = True
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class ServiceType(TaxonomyTerm):
    """What is offered: personal care, domestic help, respite and short breaks..."""

    class Meta(TaxonomyTerm.Meta):
        verbose_name = "service"


class ClientGroup(TaxonomyTerm):
    """Who a provider supports: older people, learning disability..."""


class Specialism(TaxonomyTerm):
    """Skills and specialisms: dementia, autism, moving and handling..."""

    class Meta(TaxonomyTerm.Meta):
        verbose_name = "skill or specialism"
        verbose_name_plural = "skills and specialisms"


class Language(TaxonomyTerm):
    """A language spoken, with its ISO 639 code for open data."""

    code = models.CharField(max_length=8, blank=True, help_text="ISO 639-1 or 639-3 code")

    panels = [*TaxonomyTerm.panels, FieldPanel("code")]


class ProviderQuerySet(models.QuerySet["Provider"]):
    def published(self) -> "ProviderQuerySet":
        """Listings the public may see."""
        return self.filter(status=Provider.Status.PUBLISHED)

    def for_user(self, user: settings.AUTH_USER_MODEL) -> "ProviderQuerySet":  # type: ignore[name-defined]
        """Providers a signed-in user belongs to."""
        return self.filter(memberships__user=user)


class Provider(ClusterableModel):
    """A personal assistant, micro-provider, day service or agency."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # modelcluster's constructor looks through every relation of the model on each call for child objects
        # given as keyword arguments; a row read from the database comes as positional values only, and the
        # look was half the cost of reading a page of listings (decision 0053).
        if kwargs:
            super().__init__(*args, **kwargs)
        else:
            models.Model.__init__(self, *args)

    class Kind(models.TextChoices):
        PERSONAL_ASSISTANT = "personal_assistant", "Personal assistant"
        MICRO_PROVIDER = "micro_provider", "Micro-provider"
        DAY_SERVICE = "day_service", "Day service"
        HOME_CARE_AGENCY = "home_care_agency", "Home care agency"
        OTHER = "other", "Other"

    class Status(StatusChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for review"
        PUBLISHED = "published", "Published"
        SUSPENDED = "suspended", "Suspended"
        WITHDRAWN = "withdrawn", "Withdrawn"

        tag_colours = nonmember(
            {"draft": "grey", "submitted": "blue", "published": "green", "suspended": "red", "withdrawn": "grey"}
        )
        tag_labels = nonmember({"submitted": "Sent to the council"})

    class CqcRating(models.TextChoices):
        OUTSTANDING = "outstanding", "Outstanding"
        GOOD = "good", "Good"
        REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
        INADEQUATE = "inadequate", "Inadequate"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    summary = models.CharField(max_length=300, help_text="One or two sentences shown in search results")
    description = models.TextField(blank=True)

    # Contact details are published only with the provider's consent.
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=32, blank=True)
    website = models.URLField(blank=True)
    has_consented_to_publish_contact = models.BooleanField("consents to publish contact details", default=False)
    contact_consent_given_at = models.DateTimeField(null=True, blank=True)

    # Where the provider is based and where it works.
    base_postcode = models.CharField(max_length=10, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    locality = models.ForeignKey(
        "places.Locality",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="based_providers",
    )
    localities_served = ParentalManyToManyField("places.Locality", blank=True, related_name="providers_serving")
    postcode_districts_served = models.CharField(
        max_length=500,
        blank=True,
        help_text="Postcode districts, separated by spaces: 'WE1 WE2 WE14'",
    )
    travel_radius_miles = models.PositiveSmallIntegerField(null=True, blank=True)

    services = ParentalManyToManyField(ServiceType, blank=True, related_name="providers")
    client_groups = ParentalManyToManyField(ClientGroup, blank=True, related_name="providers")
    specialisms = ParentalManyToManyField(Specialism, blank=True, related_name="providers")
    languages = ParentalManyToManyField(Language, blank=True, related_name="providers")

    has_female_workers = models.BooleanField(default=False)
    has_male_workers = models.BooleanField(default=False)
    has_non_binary_workers = models.BooleanField(default=False)

    # One bit per taxonomy term (TaxonomyTerm.bit) the listing has; derived
    # from the many-to-many fields by services.provider_refresh_search_fields.
    service_mask = models.BigIntegerField(default=0, editable=False)
    client_group_mask = models.BigIntegerField(default=0, editable=False)
    specialism_mask = models.BigIntegerField(default=0, editable=False)
    language_mask = models.BigIntegerField(default=0, editable=False)

    availability_mask = models.BigIntegerField(
        default=0, help_text="Weekly availability grid; see providers/availability.py"
    )
    availability_confirmed_on = models.DateField(null=True, blank=True)
    availability_reminder_sent_on = models.DateField(null=True, blank=True, editable=False)
    capacity_hours_per_week = models.PositiveIntegerField(null=True, blank=True)
    capacity_places_per_day = models.PositiveIntegerField(null=True, blank=True)
    is_taking_new_clients = models.BooleanField(default=True)
    taking_new_clients_confirmed_on = models.DateField(null=True, blank=True)

    # Most personal assistants are not registered with the CQC.
    cqc_location_id = models.CharField("CQC location ID", max_length=20, blank=True)
    cqc_provider_id = models.CharField("CQC provider ID", max_length=20, blank=True)
    cqc_rating = models.CharField("CQC rating", max_length=32, choices=CqcRating.choices, blank=True)
    cqc_rating_date = models.DateField("CQC rating date", null=True, blank=True)

    # What decides which vetting checks apply (accreditation/requirements.py).
    company_number = models.CharField(
        "Companies House number", max_length=8, blank=True, help_text="For incorporated providers"
    )
    serves_food = models.BooleanField(default=False, help_text="Day services that serve food need a hygiene rating")
    carries_out_regulated_activity = models.BooleanField(
        default=False, help_text="Activity regulated by the CQC (for example personal care)"
    )

    # Filled by the accreditation app; kept here because every search reads it.
    is_accredited = models.BooleanField(default=False)
    accredited_since = models.DateField(null=True, blank=True)
    # A neutral notice the council shows on the public listing (the contingency
    # app sets it; the reason behind it is never shown).
    public_notice = models.CharField(max_length=300, blank=True, editable=False)

    # Derived by services.provider_refresh_search_fields; never edited by hand.
    lowest_hourly_price = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    search_text = models.TextField(blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = ProviderQuerySet.as_manager()

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldPanel("slug"),
                FieldPanel("kind"),
                FieldPanel("status", read_only=True),
            ],
            heading="Listing",
        ),
        FieldPanel("summary"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldPanel("contact_name"),
                FieldPanel("contact_email"),
                FieldPanel("contact_phone"),
                FieldPanel("website"),
                FieldPanel("has_consented_to_publish_contact"),
            ],
            heading="Contact details",
        ),
        MultiFieldPanel(
            [
                FieldPanel("base_postcode"),
                FieldPanel("locality"),
                FieldPanel("localities_served"),
                FieldPanel("postcode_districts_served"),
                FieldPanel("travel_radius_miles"),
            ],
            heading="Where",
        ),
        MultiFieldPanel(
            [
                FieldPanel("services"),
                FieldPanel("client_groups"),
                FieldPanel("specialisms"),
                FieldPanel("languages"),
                FieldRowPanel(
                    [
                        FieldPanel("has_female_workers"),
                        FieldPanel("has_male_workers"),
                        FieldPanel("has_non_binary_workers"),
                    ],
                    heading="Gender of workers",
                ),
            ],
            heading="What and who",
        ),
        InlinePanel("prices", heading="Prices", label="Price"),
        InlinePanel("locations", heading="Premises", label="Location"),
        MultiFieldPanel(
            [
                FieldPanel("capacity_hours_per_week"),
                FieldPanel("capacity_places_per_day"),
                FieldPanel("is_taking_new_clients"),
                FieldPanel("taking_new_clients_confirmed_on"),
                FieldPanel("availability_confirmed_on"),
            ],
            heading="Capacity",
        ),
        MultiFieldPanel(
            [
                FieldPanel("cqc_location_id"),
                FieldPanel("cqc_provider_id"),
                FieldPanel("cqc_rating"),
                FieldPanel("cqc_rating_date"),
            ],
            heading="CQC registration",
        ),
        MultiFieldPanel(
            [
                FieldPanel("company_number"),
                FieldPanel("serves_food"),
                FieldPanel("carries_out_regulated_activity"),
            ],
            heading="Vetting",
        ),
    ]

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["status", "kind"]),
            models.Index(fields=["status", "latitude", "longitude"]),
            models.Index(fields=["updated_at"]),
            # Covers every column the database search backend filters, counts
            # and sorts by, so facet counts and page ordering read the index
            # alone, not the wide rows (see docs/benchmarks.md).
            models.Index(
                fields=[
                    "status",
                    "kind",
                    "service_mask",
                    "client_group_mask",
                    "language_mask",
                    "specialism_mask",
                    "availability_mask",
                    "is_accredited",
                    "is_taking_new_clients",
                    "has_female_workers",
                    "has_male_workers",
                    "has_non_binary_workers",
                    "lowest_hourly_price",
                    "latitude",
                    "longitude",
                    "availability_confirmed_on",
                    "name",
                    "id",
                ],
                name="provider_search_covering",
            ),
            # The morning dashboard's CQC ratings chart counts published providers by rating from the index
            # alone, not the wide rows (decision 0047).
            models.Index(
                fields=["status", "cqc_rating", "cqc_location_id", "cqc_provider_id", "id"],
                name="provider_cqc_ratings",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="provider_coordinates_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def availability(self) -> WeeklyAvailability:
        return WeeklyAvailability(self.availability_mask)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_registered_with_cqc(self) -> bool:
        return bool(self.cqc_location_id or self.cqc_provider_id)

    def availability_is_stale(self, today: date | None = None) -> bool:
        """Availability not confirmed for 30 days is shown as such."""
        confirmed = self.availability_confirmed_on
        return confirmed is None or confirmed < fresh_availability_since(today)

    @property
    def postcode_districts(self) -> list[str]:
        return self.postcode_districts_served.split()

    @property
    def worker_genders(self) -> list[str]:
        genders = []
        if self.has_female_workers:
            genders.append("Female")
        if self.has_male_workers:
            genders.append("Male")
        if self.has_non_binary_workers:
            genders.append("Non-binary")
        return genders


class ListingText(models.Model):
    """A listing's words for full-text search on PostgreSQL (its name weighted above the rest), apart
    from the listing's own row (decision 0050).

    In a table of its own, stored out of line, the words of every listing are
    not read to find the few that match: the text index names the matching
    listings and this table's rows, a few dozen bytes each, give their ids.
    Kept by services.provider_refresh_search_fields; SQLite matches
    Provider.search_text instead.
    """

    provider = models.OneToOneField(Provider, on_delete=models.CASCADE, primary_key=True, related_name="listing_text")
    search_vector = SearchVectorField(null=True)
    # 2 KB of zeros, written with the words (and compressed to about 35 bytes). PostgreSQL moves values
    # out of line only from a row over 2,032 bytes, and many listings' words are smaller: with this
    # every row is over, so the words always go out of line (decision 0050).
    ballast = models.BinaryField(null=True, editable=False)

    def __str__(self) -> str:
        return f"Words of listing {self.provider_id}"


class ProviderPrice(models.Model):
    """What a provider charges for a service, and what the price includes."""

    class Unit(models.TextChoices):
        HOUR = "hour", "per hour"
        SESSION = "session", "per session"
        DAY = "day", "per day"
        NIGHT = "night", "per night"

    provider = ParentalKey(Provider, on_delete=models.CASCADE, related_name="prices")
    service = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="prices")
    unit = models.CharField(max_length=16, choices=Unit.choices, default=Unit.HOUR)
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    includes = models.CharField(max_length=300, blank=True, help_text="What the price includes")

    panels = [
        FieldPanel("service"),
        FieldPanel("unit"),
        FieldPanel("amount"),
        FieldPanel("includes"),
    ]

    class Meta:
        ordering = ["service__sort_order", "service__name", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "service", "unit"], name="unique_price_per_unit"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="price_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.service}: £{self.amount} {self.get_unit_display()}"


class ProviderLocation(models.Model):
    """Premises people visit, for day services and providers with an office."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = ParentalKey(Provider, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=200)
    address_line_1 = models.CharField(max_length=200)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=10)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    has_step_free_access = models.BooleanField(default=False)
    has_accessible_toilet = models.BooleanField(default=False)

    panels = [
        FieldPanel("name"),
        FieldPanel("address_line_1"),
        FieldPanel("address_line_2"),
        FieldPanel("town"),
        FieldPanel("postcode"),
        FieldPanel("has_step_free_access"),
        FieldPanel("has_accessible_toilet"),
    ]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.town}"


class ProviderMembership(models.Model):
    """A user who manages a provider's listing."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        STAFF = "staff", "Staff"

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.OWNER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "user"], name="unique_provider_membership")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) at {self.provider}"


class ProviderStatusChange(models.Model):
    """One step in a listing's lifecycle: who moved it, when and why. Never edited."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=Provider.Status.choices)
    to_status = models.CharField(max_length=16, choices=Provider.Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        get_latest_by = "changed_at"

    def __str__(self) -> str:
        return f"{self.provider}: {self.from_status} → {self.to_status}"


class ProviderChangeRequest(models.Model):
    """Changes a published provider asked for that wait for a commissioner's review.

    What goes live at once and what waits is decided in
    docs/decisions/0015-edits-after-publication.md. The public listing keeps its
    old values until a commissioner approves. A request is decided once; each
    decision is also appended to ProviderChangeRequestDecision, never edited.
    """

    class Section(models.TextChoices):
        ABOUT = "about", "About you or your service"
        SERVICES = "services", "Services"
        PRICES = "prices", "Prices"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Replaced by a newer request"
        WITHDRAWN = "withdrawn", "Withdrawn by the provider"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="change_requests")
    section = models.CharField(max_length=16, choices=Section.choices)
    # Field name -> proposed value, as the providers service stores it (term ids
    # for taxonomies, a list of rows for prices); previous_values holds the
    # listing's values for the same fields when the request was made.
    proposed_changes = models.JSONField(default=dict)
    previous_values = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "section"],
                condition=models.Q(status="pending"),
                name="one_pending_change_request_per_section",
            )
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.provider}: {self.get_section_display()} ({self.get_status_display().lower()})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class ProviderChangeRequestDecision(DecisionRecord):
    """One decision on a change request: who, when, what and why. Never edited."""

    change_request = models.ForeignKey(ProviderChangeRequest, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=16, choices=ProviderChangeRequest.Status.choices)

    def __str__(self) -> str:
        return f"{self.change_request}: {self.get_outcome_display()}"
