"""Connected accounts of providers, and the Stripe events we have received."""

from django.db import models

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
