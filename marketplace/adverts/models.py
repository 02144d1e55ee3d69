"""Adverts for personal assistants ("support wanted"), posted by a direct payment holder or for them.

An advert names only a postcode district, never an address. Everything done
on a holder's behalf records both the person who did it and the holder.
Writes go through `services.py`; reads through `selectors.py`.
"""

import uuid
from datetime import date
from enum import nonmember

from django.conf import settings
from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from marketplace.core.choices import StatusChoices
from marketplace.providers.availability import WeeklyAvailability

DEFAULT_NATIONAL_LIVING_WAGE_PENCE = 1271  # £12.71 an hour from April 2026 (21 and over)


@register_setting(icon="doc-full")
class AdvertSettings(BaseSiteSetting):
    """Figures adverts are checked against and how long they stay open; editors change them in Wagtail."""

    national_living_wage_pence = models.PositiveIntegerField(
        "National Living Wage, in pence an hour",
        default=DEFAULT_NATIONAL_LIVING_WAGE_PENCE,
        help_text="The legal minimum hourly wage for workers aged 21 and over, in pence (1271 is £12.71). "
        "Update it each April.",
    )
    advert_open_days = models.PositiveSmallIntegerField(
        "days an advert stays open",
        default=28,
        help_text="An advert closes by itself this many days after it is published",
    )
    reminder_days_before_closing = models.PositiveSmallIntegerField(
        "days before closing to remind the advertiser", default=3
    )

    panels = [
        FieldPanel("national_living_wage_pence"),
        MultiFieldPanel(
            [FieldPanel("advert_open_days"), FieldPanel("reminder_days_before_closing")], heading="Adverts"
        ),
    ]

    class Meta:
        verbose_name = "advert settings"


class AdvertQuerySet(models.QuerySet["Advert"]):
    def open(self) -> "AdvertQuerySet":
        return self.filter(status=Advert.Status.OPEN)


class Advert(models.Model):
    """What a holder needs from a personal assistant: support, area, times, hours, pay and requirements."""

    class Status(StatusChoices):
        DRAFT = "draft", "Not published yet"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        EXPIRED = "expired", "Expired"

        tag_colours = nonmember({"draft": "grey", "open": "green", "closed": "grey", "expired": "orange"})

    class Employment(models.TextChoices):
        EMPLOYED = "employed", "Employed by the person"
        SELF_EMPLOYED = "self_employed", "Self-employed"
        EITHER = "either", "Either"

    class WorkerGender(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        NON_BINARY = "non_binary", "Non-binary"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    holder = models.ForeignKey("accounts.DirectPaymentHolder", on_delete=models.CASCADE, related_name="adverts")
    # Who wrote it: the holder themselves or someone acting for them.
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(max_length=120)
    services = models.ManyToManyField("providers.ServiceType", related_name="adverts")
    # The area only: the outward part of a postcode ("WE1"), never an address.
    postcode_district = models.CharField(max_length=4)
    locality = models.ForeignKey("places.Locality", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    availability_mask = models.BigIntegerField(help_text="Weekly grid; see providers/availability.py")
    hours_per_week = models.PositiveSmallIntegerField()
    hourly_rate_pence = models.PositiveIntegerField()
    employment = models.CharField(max_length=16, choices=Employment.choices)
    needs_dbs_check = models.BooleanField(default=False)
    worker_gender = models.CharField(max_length=16, choices=WorkerGender.choices, blank=True)
    languages = models.ManyToManyField("providers.Language", blank=True, related_name="adverts")
    needs_driver = models.BooleanField(default=False)
    description = models.TextField(blank=True)

    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closes_on = models.DateField(null=True, blank=True)
    reminder_sent_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    close_reason = models.CharField(max_length=200, blank=True)
    # Set when the daily email to matching personal assistants has gone out for this advert.
    matches_notified_at = models.DateTimeField(null=True, blank=True)

    objects = AdvertQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "closes_on"], name="advert_status_closes"),
            models.Index(fields=["status", "postcode_district"], name="advert_status_district"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(hourly_rate_pence__gt=0), name="advert_rate_positive"),
            models.CheckConstraint(condition=models.Q(hours_per_week__gt=0), name="advert_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.postcode_district})"

    @property
    def availability(self) -> WeeklyAvailability:
        return WeeklyAvailability(self.availability_mask)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_on_behalf(self) -> bool:
        """Posted by someone acting for the holder rather than the holder."""
        return self.posted_by_id is not None and self.posted_by_id != self.holder.user_id

    def days_left(self, today: date) -> int | None:
        return (self.closes_on - today).days if self.closes_on else None


class AdvertApplication(models.Model):
    """A personal assistant's answer to an advert, with a message, and the advertiser's decision."""

    class Status(StatusChoices):
        APPLIED = "applied", "Applied"
        SHORTLISTED = "shortlisted", "Shortlisted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

        tag_colours = nonmember({"applied": "blue", "shortlisted": "green", "declined": "red", "withdrawn": "grey"})
        tag_labels = nonmember({"applied": "New"})

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    advert = models.ForeignKey(Advert, on_delete=models.CASCADE, related_name="applications")
    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE, related_name="advert_applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.APPLIED)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["advert", "provider"], name="one_application_per_provider_per_advert")
        ]

    def __str__(self) -> str:
        return f"{self.provider} for {self.advert}"


class AdvertMessage(models.Model):
    """One message in an application's thread: the application itself, a reply, or a decline note.

    `sender` is the person who wrote it; when the advertiser's side writes,
    `on_behalf_of` is the holder it was written for (so the personal assistant
    sees "sent by ... on behalf of ..."). Never edited.
    """

    application = models.ForeignKey(AdvertApplication, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    on_behalf_of = models.ForeignKey(
        "accounts.DirectPaymentHolder", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_from_advertiser = models.BooleanField()
    body = models.TextField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at", "pk"]

    def __str__(self) -> str:
        return f"Message on {self.application} at {self.sent_at:%Y-%m-%d %H:%M}"


class AdvertMatchNotice(models.Model):
    """An advert a personal assistant's listing was told about in the daily email: each pair once."""

    advert = models.ForeignKey(Advert, on_delete=models.CASCADE, related_name="match_notices")
    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["advert", "provider"], name="one_match_notice_per_pair")]

    def __str__(self) -> str:
        return f"{self.provider} told of {self.advert}"
