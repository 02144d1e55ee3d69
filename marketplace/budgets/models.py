"""The personal budget ledger: budgets, their payment schedule, and an append-only double-entry ledger.

Every movement of money is a `LedgerTransaction` with two or more `Posting`s
whose amounts (integer pence, signed) sum to zero. Each holder has six
accounts (`Account.Kind`): two the person holds (the direct payment, and their
own money for top-ups) and four the money comes from or goes to. A balance is
the sum of an account's postings; nothing is stored that could disagree with
it. Nothing is edited or deleted: a mistake is put right by a reversing
transaction that points at the one it reverses. See docs/budgets.md and
docs/decisions/0032-budget-ledger-double-entry.md.
"""

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from marketplace.core.models import PrivateFile
from marketplace.core.storage import private_storage

PAYMENT_CYCLE_DAYS = 28


@register_setting(icon="table")
class BudgetSettings(BaseSiteSetting):
    """The council's surplus rule, the managed-service rate and its advice pages for people on direct payments."""

    surplus_weeks = models.PositiveSmallIntegerField(
        "surplus threshold in weeks of the budget",
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text="The council may take back direct payment money above this many weeks of the budget",
    )
    managed_service_hourly_rate_pence = models.PositiveIntegerField(
        "managed-service rate per hour, in pence",
        default=2150,
        help_text="What the council pays an hour for support it arranges itself, to compare direct payment rates with",
    )
    surplus_advice_url = models.URLField(
        "advice page on surplus money", blank=True, default="https://www.gov.uk/apply-direct-payments"
    )
    employer_advice_url = models.URLField(
        "advice page on employing a personal assistant",
        blank=True,
        default="https://www.gov.uk/employing-staff",
    )
    insurance_reminder_days = models.PositiveSmallIntegerField(
        "days before insurance lapses to remind the person", default=30, validators=[MinValueValidator(1)]
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("surplus_weeks"), FieldPanel("surplus_advice_url")], heading="Surplus direct payment money"
        ),
        FieldPanel("managed_service_hourly_rate_pence"),
        MultiFieldPanel(
            [FieldPanel("employer_advice_url"), FieldPanel("insurance_reminder_days")],
            heading="Employing a personal assistant",
        ),
    ]

    class Meta:
        verbose_name = "budget settings"


class PersonalBudget(models.Model):
    """A holder's personal budget: what the council pays every 4 weeks from a start date, and what the person pays.

    The council pays `council_payment_pence` into the direct payment every 28
    days from `starts_on`; the person pays their assessed contribution into
    it on the same days, and (by choice) `own_money_pence` into their own
    money to pay top-ups. Changing a budget is a new row from a later date:
    the newest one that has started is the one in force.
    """

    holder = models.ForeignKey("accounts.DirectPaymentHolder", on_delete=models.PROTECT, related_name="budgets")
    starts_on = models.DateField("first payment date")
    council_payment_pence = models.PositiveIntegerField("paid by the council every 4 weeks, in pence")
    contribution_pence = models.PositiveIntegerField(
        "the person's assessed contribution every 4 weeks, in pence", default=0
    )
    own_money_pence = models.PositiveIntegerField("own money added for top-ups every 4 weeks, in pence", default=0)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["holder", "-starts_on"]
        constraints = [models.UniqueConstraint(fields=["holder", "starts_on"], name="budget_one_per_start_date")]

    def __str__(self) -> str:
        return f"Budget for {self.holder} from {self.starts_on}"

    @property
    def budget_pence(self) -> int:
        """The whole budget for 4 weeks: the council's payment and the person's contribution."""
        return self.council_payment_pence + self.contribution_pence

    def payment_dates(self, *, start: date, end: date) -> list[date]:
        """The scheduled payment days from `start` to `end`, both included."""
        if end < self.starts_on:
            return []
        first = max(start, self.starts_on)
        cycles = -(-(first - self.starts_on).days // PAYMENT_CYCLE_DAYS)
        day = self.starts_on + timedelta(days=cycles * PAYMENT_CYCLE_DAYS)
        days = []
        while day <= end:
            days.append(day)
            day += timedelta(days=PAYMENT_CYCLE_DAYS)
        return days


class Account(models.Model):
    """One of a holder's six ledger accounts; its balance is the sum of its postings."""

    class Kind(models.TextChoices):
        # What the person holds.
        DIRECT_PAYMENT = "direct_payment", "Direct payment"
        OWN_MONEY = "own_money", "Own money for top-ups"
        # Where money comes from.
        COUNCIL = "council", "The council"
        PERSON = "person", "The person"
        # Where money goes: spending paid by each fund, so an audit sees which paid for what.
        SPENT_DIRECT_PAYMENT = "spent_direct_payment", "Spent from the direct payment"
        SPENT_OWN_MONEY = "spent_own_money", "Spent from own money"

    holder = models.ForeignKey(
        "accounts.DirectPaymentHolder", on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)

    class Meta:
        ordering = ["holder", "kind"]
        constraints = [models.UniqueConstraint(fields=["holder", "kind"], name="account_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.holder}"


HELD_KINDS = (Account.Kind.DIRECT_PAYMENT, Account.Kind.OWN_MONEY)


def receipt_path(instance: "LedgerTransaction", filename: str) -> str:
    """A random name saying nothing of the person: budgets/receipts/<uuid>.<ext>."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"budgets/receipts/{uuid.uuid4().hex}.{extension}"


class LedgerTransaction(models.Model):
    """One movement of money, made of postings that sum to zero. Never edited, never deleted."""

    class Kind(models.TextChoices):
        COUNCIL_PAYMENT = "council_payment", "Payment from the council"
        CONTRIBUTION = "contribution", "Your contribution"
        OWN_MONEY_IN = "own_money_in", "Own money added"
        INVOICE_PAYMENT = "invoice_payment", "Invoice paid"
        OFF_PLATFORM = "off_platform", "Other spending"
        PAYROLL = "payroll", "Wages through a payroll service"
        ADJUSTMENT = "adjustment", "Adjustment by the council"
        REVERSAL = "reversal", "Correction"
        # Money back on an online payment (a refund, or a card dispute the council lost).
        REFUND = "refund", "Money back from a provider"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    holder = models.ForeignKey("accounts.DirectPaymentHolder", on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    occurred_on = models.DateField()
    description = models.CharField(max_length=200)
    reference = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True, max_length=2000)
    # What made it, so the same thing is never posted twice: "council:<budget>:<date>", "invoice:<uuid>",
    # "payroll:<holder>:<row key>"; unique per holder. Blank for hand entries.
    source_key = models.CharField(max_length=200, blank=True)
    invoice = models.OneToOneField(
        "agreements.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_transaction"
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    receipt = models.FileField(storage=private_storage, upload_to=receipt_path, max_length=200, blank=True)
    receipt_name = models.CharField(max_length=200, blank=True)
    receipt_content_type = models.CharField(max_length=100, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["occurred_on", "pk"]
        indexes = [models.Index(fields=["holder", "occurred_on"], name="ledger_holder_occurred")]
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "source_key"], condition=~models.Q(source_key=""), name="ledger_source_key_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_on} for {self.holder}"


class Posting(models.Model):
    """One side of a transaction: an amount in pence into (positive) or out of (negative) one account."""

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount_pence = models.BigIntegerField()

    class Meta:
        ordering = ["transaction", "pk"]
        constraints = [models.CheckConstraint(condition=~models.Q(amount_pence=0), name="posting_not_zero")]

    def __str__(self) -> str:
        return f"{self.amount_pence}p to {self.account}"


def duty_evidence_path(instance: "EmployerDutyEvidence", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"budgets/employer/{uuid.uuid4().hex}.{extension}"


class EmployerDuty(models.Model):
    """One of an employer's duties for a holder who employs a personal assistant, and where it stands."""

    class Item(models.TextChoices):
        INSURANCE = "insurance", "Employer's liability insurance"
        PAYE = "paye", "A PAYE scheme in your name"
        CONTRACT = "contract", "A written contract of employment"
        RIGHT_TO_WORK = "right_to_work", "Right to work in the UK checked"
        DBS = "dbs", "DBS check"
        HOLIDAY = "holiday", "Holiday pay and leave"
        PENSION = "pension", "Workplace pension"

    class Status(models.TextChoices):
        TO_DO = "to_do", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    holder = models.ForeignKey(
        "accounts.DirectPaymentHolder", on_delete=models.CASCADE, related_name="employer_duties"
    )
    item = models.CharField(max_length=16, choices=Item.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.TO_DO)
    note = models.CharField(max_length=500, blank=True)
    renews_on = models.DateField("renewal date", null=True, blank=True)
    reminded_for = models.DateField("renewal date last reminded about", null=True, blank=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["holder", "pk"]
        verbose_name_plural = "employer duties"
        constraints = [models.UniqueConstraint(fields=["holder", "item"], name="employer_duty_once")]

    def __str__(self) -> str:
        return f"{self.get_item_display()} for {self.holder}"


class EmployerDutyEvidence(PrivateFile):
    """A document kept as evidence for an employer duty, in private storage."""

    duty = models.ForeignKey(EmployerDuty, on_delete=models.CASCADE, related_name="evidence")

    class Meta:
        ordering = ["duty", "uploaded_at", "pk"]

    def upload_path(self, filename: str) -> str:
        return duty_evidence_path(self, filename)
