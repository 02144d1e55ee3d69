"""Support agreements between a direct payment holder and a provider, what was delivered, and invoices.

An agreement's terms live in numbered versions. A version is in force once
both sides have accepted it; a change is a new version that both accept
again, and until then the last version both accepted stays in force. Ending
an agreement records who, when and why. The provider records what was
delivered (timesheet entries) against the version in force on that day; the
holder, or whoever holds the money right for them, approves or queries each
entry, and approved entries are gathered into invoices with their own
number. Money is integer pence; quantities (hours or sessions) are decimals
to two places, and an entry's amount is rounded half up to the penny once,
when it is recorded.

Writes go through `services.py`; reads through `selectors.py`. Paying an
invoice belongs to the apps above this one (the budget ledger, online
payments): they call `services.mark_invoice_paid`.
"""

import uuid
from datetime import date
from decimal import Decimal
from enum import nonmember
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from marketplace.core.choices import StatusChoices
from marketplace.providers.availability import WeeklyAvailability


@register_setting(icon="doc-full")
class AgreementSettings(BaseSiteSetting):
    """How long a person has to approve or query a timesheet entry, and when invoices fall due."""

    days_to_approve = models.PositiveSmallIntegerField(
        "days to approve or query a timesheet entry",
        default=7,
        validators=[MinValueValidator(1)],
        help_text="An entry nobody approved or queried in this many days is approved automatically",
    )
    invoice_due_days = models.PositiveSmallIntegerField(
        "days until an invoice is due", default=14, validators=[MinValueValidator(1)]
    )

    panels = [FieldPanel("days_to_approve"), FieldPanel("invoice_due_days")]

    class Meta:
        verbose_name = "agreement settings"


class Side(models.TextChoices):
    """The two parties to an agreement."""

    HOLDER = "holder", "The person"
    PROVIDER = "provider", "The provider"


class Agreement(models.Model):
    """Support one provider gives one holder, agreed in writing; the terms are in `versions`."""

    class Status(StatusChoices):
        PROPOSED = "proposed", "Waiting for both sides to accept"
        LIVE = "live", "Agreed"
        ENDED = "ended", "Ended"

        tag_colours = nonmember({"proposed": "yellow", "live": "green", "ended": "grey"})

    class Employment(models.TextChoices):
        EMPLOYED = "employed", "The person employs the personal assistant"
        SELF_EMPLOYED = "self_employed", "The personal assistant is self-employed"
        ORGANISATION = "organisation", "The provider is an organisation"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    holder = models.ForeignKey("accounts.DirectPaymentHolder", on_delete=models.PROTECT, related_name="agreements")
    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="agreements")
    # Where it came from: an enquiry or an application to an advert (at most one of them).
    enquiry = models.ForeignKey(
        "engagement.Enquiry", on_delete=models.SET_NULL, null=True, blank=True, related_name="agreements"
    )
    advert_application = models.ForeignKey(
        "adverts.AdvertApplication", on_delete=models.SET_NULL, null=True, blank=True, related_name="agreements"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROPOSED)
    # The last version both sides accepted; None until the first is accepted.
    in_force = models.ForeignKey("AgreementVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()
    ended_on = models.DateField("last day of support", null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_by_side = models.CharField(max_length=16, choices=Side.choices, blank=True)
    end_reason = models.TextField(blank=True)
    # Shared by two or more holders now (see PoolMember). `holder` is then the member
    # whose side agrees changes to the terms; each member pays only their own share.
    is_pooled = models.BooleanField("shared with other people", default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["holder", "status"], name="agreement_holder_status"),
            models.Index(fields=["provider", "status"], name="agreement_provider_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(enquiry__isnull=True) | models.Q(advert_application__isnull=True),
                name="agreement_one_origin",
            )
        ]

    def __str__(self) -> str:
        return f"Agreement between {self.holder} and {self.provider}"


class AgreementVersion(models.Model):
    """One set of terms for an agreement; never edited once either side has accepted it."""

    class Unit(models.TextChoices):
        HOUR = "hour", "per hour"
        SESSION = "session", "per session"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    services = models.ManyToManyField("providers.ServiceType", related_name="+")
    availability_mask = models.BigIntegerField("days and parts of the day", default=0)
    unit = models.CharField(max_length=16, choices=Unit.choices, default=Unit.HOUR)
    units_per_week = models.DecimalField(
        "hours or sessions a week", max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0.25"))]
    )
    rate_pence = models.PositiveIntegerField("rate per hour or session, in pence")
    bank_holiday_rate_pence = models.PositiveIntegerField("rate on bank holidays, in pence", null=True, blank=True)
    rate_includes = models.CharField("what the rate includes", max_length=300, blank=True)
    # The part of each hour or session the person pays from their own money, by choice ("top-up"):
    # council funds pay at most rate - topup.
    topup_pence = models.PositiveIntegerField("paid from the person's own money, in pence per unit", default=0)
    start_on = models.DateField()
    notice_weeks = models.PositiveSmallIntegerField("notice period in weeks", default=4)
    cancellation_terms = models.TextField(blank=True)
    employment = models.CharField(max_length=16, choices=Agreement.Employment.choices)
    change_note = models.TextField("what changed", blank=True)

    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    proposed_by_side = models.CharField(max_length=16, choices=Side.choices)
    proposed_at = models.DateTimeField()
    holder_accepted_at = models.DateTimeField(null=True, blank=True)
    holder_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    provider_accepted_at = models.DateTimeField(null=True, blank=True)
    provider_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set when a newer version is proposed before this one was accepted by both.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="agreement_version_number_unique"),
            models.CheckConstraint(condition=models.Q(rate_pence__gt=0), name="agreement_rate_positive"),
            models.CheckConstraint(
                condition=models.Q(topup_pence__lte=models.F("rate_pence")), name="agreement_topup_within_rate"
            ),
        ]

    def __str__(self) -> str:
        return f"Version {self.number} of {self.agreement}"

    @property
    def availability(self) -> WeeklyAvailability:
        return WeeklyAvailability(self.availability_mask)

    @property
    def is_accepted_by_both(self) -> bool:
        return self.holder_accepted_at is not None and self.provider_accepted_at is not None


class Invoice(models.Model):
    """Approved timesheet entries gathered for payment, with a number of its own.

    `own_money_pence` is the part the person pays from their own money (the
    top-up); `council_pence` the part the direct payment pays. They always
    add up to `total_pence`.
    """

    class Status(StatusChoices):
        PAYABLE = "payable", "To pay"
        PAID = "paid", "Paid"
        CANCELLED = "cancelled", "Cancelled"

        tag_colours = nonmember({"payable": "yellow", "paid": "green", "cancelled": "grey"})

    class Route(models.TextChoices):
        PREPAID_CARD = "prepaid_card", "Direct payment card"
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        PAYROLL = "payroll", "Payroll service"
        ONLINE = "online", "Paid online"
        OTHER = "other", "Another way"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(max_length=32, unique=True)
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="invoices")
    holder = models.ForeignKey("accounts.DirectPaymentHolder", on_delete=models.PROTECT, related_name="invoices")
    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="invoices")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PAYABLE)
    total_pence = models.PositiveIntegerField()
    council_pence = models.PositiveIntegerField()
    own_money_pence = models.PositiveIntegerField(default=0)
    period_start = models.DateField()
    period_end = models.DateField()
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    due_on = models.DateField()
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    paid_route = models.CharField(max_length=16, choices=Route.choices, blank=True)
    paid_reference = models.CharField(max_length=100, blank=True)
    # Set on each holder's share of a pooled agreement: the shares of one
    # pooled period are charged separately and transferred to the provider
    # under this one Stripe transfer group. Empty for an individual agreement,
    # whose online payment is a destination charge.
    transfer_group = models.CharField(max_length=255, blank=True)
    # A pooled share covers entries shared with other holders' invoices, so it
    # lists them here rather than owning them through `TimesheetEntry.invoice`.
    shared_entries: "models.ManyToManyField[TimesheetEntry, Any]" = models.ManyToManyField(
        "TimesheetEntry", blank=True, related_name="share_invoices"
    )

    class Meta:
        ordering = ["-issued_at", "-pk"]
        indexes = [
            models.Index(fields=["holder", "status"], name="invoice_holder_status"),
            models.Index(fields=["provider", "status"], name="invoice_provider_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_pence=models.F("council_pence") + models.F("own_money_pence")),
                name="invoice_parts_add_up",
            )
        ]

    def __str__(self) -> str:
        return f"Invoice {self.number}"


class TimesheetEntry(models.Model):
    """What the provider delivered on one day under an agreement, and the person's decision on it."""

    class Status(StatusChoices):
        SUBMITTED = "submitted", "Waiting for approval"
        APPROVED = "approved", "Approved"
        QUERIED = "queried", "Queried"
        WITHDRAWN = "withdrawn", "Withdrawn"

        tag_colours = nonmember({"submitted": "blue", "approved": "green", "queried": "orange", "withdrawn": "grey"})

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="timesheet_entries")
    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="timesheet_entries")
    worked_on = models.DateField()
    quantity = models.DecimalField(
        "hours or sessions", max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.25"))]
    )
    is_bank_holiday = models.BooleanField(default=False)
    # Copied from the version in force on `worked_on` (the bank holiday rate where it applies).
    rate_pence = models.PositiveIntegerField()
    amount_pence = models.PositiveIntegerField()
    own_money_pence = models.PositiveIntegerField(default=0)
    note = models.TextField(blank=True, max_length=1000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    submitted_at = models.DateTimeField()
    decide_by = models.DateField("approved automatically after")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_automatically = models.BooleanField(default=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="entries")

    class Meta:
        ordering = ["worked_on", "pk"]
        verbose_name_plural = "timesheet entries"
        indexes = [
            models.Index(fields=["agreement", "status"], name="timesheet_agreement_status"),
            models.Index(fields=["status", "decide_by"], name="timesheet_status_decide_by"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(own_money_pence__lte=models.F("amount_pence")), name="timesheet_own_within_amount"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.version.get_unit_display()} on {self.worked_on} for {self.agreement}"


class TimesheetMessage(models.Model):
    """One message in the thread a query on a timesheet entry opens. Never edited.

    `on_behalf_of` is the holder when someone acting for them wrote it.
    """

    entry = models.ForeignKey(TimesheetEntry, on_delete=models.CASCADE, related_name="messages")
    side = models.CharField(max_length=16, choices=Side.choices)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    on_behalf_of = models.ForeignKey(
        "accounts.DirectPaymentHolder", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(max_length=3000)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at", "pk"]

    def __str__(self) -> str:
        return f"Message on {self.entry} at {self.sent_at:%Y-%m-%d %H:%M}"


class PoolMember(models.Model):
    """One holder sharing a pooled agreement: invited, joined, declined or left, and their share.

    A member pays `share_parts` out of the parts of every member sharing on the
    day the support was given: equal parts by default (1 each), or basis
    points (hundredths of a per cent) summing to 10,000 when the provider sets
    shares. A member shares the support given from `shares_from` to
    `last_day` (None while they stay), so leaving changes only the shares of
    support after their last day; invoices already issued never change.
    """

    class Status(StatusChoices):
        INVITED = "invited", "Invited"
        JOINED = "joined", "Sharing"
        DECLINED = "declined", "Declined"
        LEFT = "left", "Left"

        tag_colours = nonmember({"invited": "yellow", "joined": "green", "declined": "grey", "left": "grey"})

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="pool_members")
    holder = models.ForeignKey(
        "accounts.DirectPaymentHolder", on_delete=models.PROTECT, related_name="pool_memberships"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INVITED)
    share_parts = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    shares_from = models.DateField("shares the support given from")
    last_day = models.DateField("last day of shared support", null=True, blank=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    invited_by_side = models.CharField(max_length=16, choices=Side.choices)
    invited_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    left_at = models.DateTimeField(null=True, blank=True)
    left_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    left_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["agreement", "invited_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "holder"],
                condition=models.Q(status__in=["invited", "joined"]),
                name="pool_member_once_per_agreement",
            ),
            models.CheckConstraint(condition=models.Q(share_parts__gte=1), name="pool_member_share_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.holder} in {self.agreement} ({self.get_status_display()})"

    def shares_on(self, day: date) -> bool:
        """Whether this member pays a share of support given on `day`."""
        if self.status not in (self.Status.JOINED, self.Status.LEFT) or day < self.shares_from:
            return False
        return self.last_day is None or day <= self.last_day
