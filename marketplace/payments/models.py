"""Connected accounts of providers, online payments of invoices, and the Stripe events we have received."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from marketplace.providers.models import Provider


class PaymentAccount(models.Model):
    """A provider's Stripe connected account, as Stripe last told us.

    `can_be_paid_online` is decided only by what Stripe says about the account
    (account.updated and capability.updated, re-read through the gateway):
    charges and payouts enabled, card_payments and transfers active.
    """

    provider = models.OneToOneField(Provider, on_delete=models.PROTECT, related_name="payment_account")
    stripe_account_id = models.CharField(max_length=64, unique=True)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    details_submitted = models.BooleanField(default=False)
    card_payments_status = models.CharField(max_length=16, default="inactive")
    transfers_status = models.CharField(max_length=16, default="inactive")
    requirements_due = models.JSONField(default=list, blank=True)
    disabled_reason = models.CharField(max_length=100, blank=True)
    can_be_paid_online = models.BooleanField(default=False, db_index=True)
    created_at = models.DateTimeField()
    # When we last read the account from Stripe.
    refreshed_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.stripe_account_id} ({self.provider})"


class StripeEvent(models.Model):
    """Each Stripe event once, by its id, however often Stripe delivers it."""

    class Endpoint(models.TextChoices):
        PLATFORM = "platform", "Platform"
        CONNECT = "connect", "Connect"

    event_id = models.CharField(max_length=255, unique=True)
    endpoint = models.CharField(max_length=16, choices=Endpoint.choices)
    type = models.CharField(max_length=100)
    account_id = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=255, blank=True)
    stripe_created = models.BigIntegerField(help_text="The event's own creation time (Unix seconds)")
    payload = models.JSONField()
    received_at = models.DateTimeField()
    delivery_count = models.PositiveIntegerField(default=1)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["stripe_created", "pk"]
        indexes = [models.Index(fields=["processed_at"], name="payments_event_unprocessed")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


@register_setting(icon="cogs")
class PaymentSettings(BaseSiteSetting):
    """The council's platform fee on online payments, and who bears Stripe's own fee."""

    class FeeBearer(models.TextChoices):
        COUNCIL = "council", "The council pays Stripe's fee"
        PROVIDER = "provider", "The provider pays Stripe's fee"

    platform_fee_basis_points = models.PositiveSmallIntegerField(
        "platform fee in hundredths of a per cent",
        default=0,
        validators=[MaxValueValidator(1000)],
        help_text="Taken from each online payment before it reaches the provider: 0 takes nothing, 100 takes 1%",
    )
    stripe_fee_bearer = models.CharField(
        "who bears Stripe's card fee",
        max_length=16,
        choices=FeeBearer.choices,
        default=FeeBearer.COUNCIL,
        help_text="Kent asks that providers pay no card fees: the council's default",
    )

    panels = [FieldPanel("platform_fee_basis_points"), FieldPanel("stripe_fee_bearer")]

    class Meta:
        verbose_name = "payment settings"


class Payment(models.Model):
    """One online payment by one holder of one or more of their invoices to one provider.

    One Stripe Checkout session and one charge. `amount_pence` is the sum of
    the items. The payment is created (QUEUED) before Stripe is called, so an
    approval is never lost while Stripe is down; a task retries until a
    session exists (OPEN). Webhooks then move it to SUCCEEDED or FAILED.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to reach Stripe"
        OPEN = "open", "Waiting for payment"
        SUCCEEDED = "succeeded", "Paid"
        FAILED = "failed", "Not paid"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"
        PARTIALLY_REFUNDED = "partially_refunded", "Partly refunded"
        DISPUTED = "disputed", "Disputed"

    # Payments that ended without the money being taken, not by the person's choice (a cancelled one is apart).
    NOT_PAID_STATUSES = (Status.FAILED, Status.EXPIRED)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    holder = models.ForeignKey("accounts.DirectPaymentHolder", on_delete=models.PROTECT, related_name="payments")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="payments")
    payment_account = models.ForeignKey(PaymentAccount, on_delete=models.PROTECT, related_name="payments")
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.QUEUED, db_index=True)
    amount_pence = models.PositiveIntegerField()
    application_fee_pence = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, default="gbp")
    # Sent as Stripe's Idempotency-Key on the request that creates the session:
    # a retry or a double click reuses it, so one payment makes one session.
    idempotency_key = models.CharField(max_length=255, unique=True)
    # Pooled support: the shares of one pooled payment run share one transfer group.
    transfer_group = models.CharField(max_length=255, blank=True)
    stripe_checkout_session_id = models.CharField(max_length=255, blank=True, db_index=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    # Our page for this payment, as the person reached the site: Stripe sends them back
    # here, and a retry sends Stripe exactly the same addresses (its idempotency key
    # refuses a retry whose parameters differ).
    return_url = models.URLField(max_length=2000, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_transfer_id = models.CharField(max_length=255, blank=True)
    # A pooled share's transfer amount, fixed before Stripe is first asked: a retry after a lost
    # answer sends the same amount with the same Idempotency-Key, and a refund made meanwhile is
    # reversed from the transfer rather than taken off an amount Stripe may already have moved.
    transfer_requested_pence = models.PositiveIntegerField(null=True, blank=True)
    refunded_pence = models.PositiveIntegerField(default=0)
    failure_message = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Times we have asked Stripe for a session")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    succeeded_at = models.DateTimeField(null=True, blank=True)
    # When Stripe makes the charge's money available (its balance transaction), then paid out.
    funds_available_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["holder", "status"], name="payment_holder_status"),
            models.Index(fields=["provider", "status"], name="payment_provider_status"),
        ]

    def __str__(self) -> str:
        return f"Payment {self.uuid} ({self.get_status_display()})"


class PaymentItem(models.Model):
    """One invoice in a payment. An invoice is in at most one live payment (see `is_live`)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="items")
    invoice = models.ForeignKey("agreements.Invoice", on_delete=models.PROTECT, related_name="payment_items")
    amount_pence = models.PositiveIntegerField()
    # True while the payment is queued, open or succeeded; cleared when it fails or
    # expires, so the invoice can be paid again. The constraint below makes a
    # double click or two tabs unable to put one invoice in two live payments.
    is_live = models.BooleanField(default=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"], condition=models.Q(is_live=True), name="payment_item_one_live_per_invoice"
            )
        ]

    def __str__(self) -> str:
        return f"{self.invoice} in {self.payment}"


class Refund(models.Model):
    """Money given back on a succeeded payment: one Stripe refund, with the provider's transfer reversed.

    Made by a commissioner (with a reason) or found at Stripe by a webhook or the
    nightly reconciliation (made in Stripe's dashboard). The ledger transaction
    returning the money to the holder is written in the same database
    transaction as the row, once the refund has succeeded.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Refunded"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Cancelled"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_pence = models.PositiveIntegerField()
    reason = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    stripe_refund_id = models.CharField(max_length=255, unique=True)
    stripe_transfer_reversal_id = models.CharField(max_length=255, blank=True)
    # A pooled share's refund that failed after its reversal: the transfer that gave the provider its part back.
    stripe_transfer_back_id = models.CharField(max_length=255, blank=True)
    # The Idempotency-Key the refund was asked for with (blank when it was made at Stripe).
    idempotency_key = models.CharField(max_length=255, blank=True)
    ledger_transaction = models.OneToOneField(
        "budgets.LedgerTransaction", on_delete=models.PROTECT, null=True, blank=True, related_name="refund"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Refund {self.stripe_refund_id} of {self.amount_pence}p"

    @property
    def provider_part_given_back(self) -> bool:
        """Whether the provider was sent back the part this failed refund took from it (a Stripe transfer)."""
        return self.stripe_transfer_back_id.startswith("tr_")


class Dispute(models.Model):
    """A card holder's dispute (chargeback) of a payment, as Stripe last told us."""

    class Status(models.TextChoices):
        WARNING_NEEDS_RESPONSE = "warning_needs_response", "Early warning: needs a response"
        WARNING_UNDER_REVIEW = "warning_under_review", "Early warning: under review"
        WARNING_CLOSED = "warning_closed", "Early warning closed"
        NEEDS_RESPONSE = "needs_response", "Needs a response"
        UNDER_REVIEW = "under_review", "Under review"
        WON = "won", "Won"
        LOST = "lost", "Lost"
        PREVENTED = "prevented", "Prevented"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="disputes")
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    amount_pence = models.PositiveIntegerField()
    reason = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=32, choices=Status.choices)
    evidence_due_at = models.DateTimeField(null=True, blank=True)
    # The status the payment had before the dispute, put back when the dispute is won.
    payment_status_before = models.CharField(max_length=24, choices=Payment.Status.choices)
    # Money returned to the card when the dispute is lost: returned to the holder's funds in the ledger.
    ledger_transaction = models.OneToOneField(
        "budgets.LedgerTransaction", on_delete=models.PROTECT, null=True, blank=True, related_name="dispute"
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at", "-pk"]

    def __str__(self) -> str:
        return f"Dispute {self.stripe_dispute_id} ({self.get_status_display()})"

    @property
    def is_closed(self) -> bool:
        return self.status in {self.Status.WON, self.Status.LOST, self.Status.WARNING_CLOSED, self.Status.PREVENTED}


class Payout(models.Model):
    """A payout from a provider's connected account to its bank, as Stripe last told us (Connect events)."""

    payment_account = models.ForeignKey(PaymentAccount, on_delete=models.PROTECT, related_name="payouts")
    stripe_payout_id = models.CharField(max_length=255, unique=True)
    amount_pence = models.IntegerField()
    currency = models.CharField(max_length=3, default="gbp")
    status = models.CharField(max_length=16)
    arrival_date = models.DateField(null=True, blank=True)
    stripe_created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-stripe_created_at", "-pk"]

    def __str__(self) -> str:
        return f"Payout {self.stripe_payout_id} of {self.amount_pence}p"


class ReconciliationReport(models.Model):
    """One night's comparison of our payments and refunds for a period with Stripe's. One per day.

    `differences` is a list of {"kind", "object", "payment", "ours", "stripe", "detail"}: kind is one of
    missing_ours (at Stripe, not here), missing_stripe (here, not at Stripe), amount (amounts differ)
    and status (states differ).
    """

    day = models.DateField(unique=True, help_text="The night it ran for")
    period_start = models.DateField()
    period_end = models.DateField()
    our_payments = models.PositiveIntegerField(default=0)
    our_payments_pence = models.BigIntegerField(default=0)
    stripe_charges = models.PositiveIntegerField(default=0)
    stripe_charges_pence = models.BigIntegerField(default=0)
    our_refunds = models.PositiveIntegerField(default=0)
    our_refunds_pence = models.BigIntegerField(default=0)
    stripe_refunds = models.PositiveIntegerField(default=0)
    stripe_refunds_pence = models.BigIntegerField(default=0)
    differences = models.JSONField(default=list, blank=True)
    difference_count = models.PositiveIntegerField(default=0, db_index=True)
    created_at = models.DateTimeField()
    commissioners_told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"Reconciliation for {self.day}"

    @property
    def is_clean(self) -> bool:
        return self.difference_count == 0
