"""Shortlists, enquiries and their messages, reports of messages, and blocks.

Everything done on a holder's behalf records who did it (`by`, a user) and
for whom (the holder the row belongs to). A message is seen by the two
parties only: the holder (and those acting for them) and the provider's
team. Commissioners see a message only once someone reports it.
"""

import uuid

from django.db import models
from django.utils import timezone

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.providers.availability import WeeklyAvailability
from marketplace.providers.models import Provider, ServiceType

NOTE_MAX_LENGTH = 1000
MESSAGE_MAX_LENGTH = 3000


class ShortlistEntry(models.Model):
    """A provider a holder (or someone acting for them) has kept to look at again, with a private note."""

    holder = models.ForeignKey(DirectPaymentHolder, on_delete=models.CASCADE, related_name="shortlist")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    note = models.TextField(blank=True, max_length=NOTE_MAX_LENGTH)
    added_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    note_changed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    note_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-added_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["holder", "provider"], name="unique_shortlist_entry")]
        verbose_name_plural = "shortlist entries"

    def __str__(self) -> str:
        return f"{self.provider} on {self.holder}'s shortlist"


class Enquiry(models.Model):
    """A holder's structured request for support sent to one provider, and the conversation that follows.

    Enquiries sent to several providers at once share `sent_together`. The
    holder's contact details stay hidden until they choose to share them with
    this provider (`contact_shared_at`).
    """

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the provider"
        ACCEPTED = "accepted", "Provider can help"
        DECLINED = "declined", "Provider cannot help"

    sent_together = models.UUIDField(default=uuid.uuid4, db_index=True, editable=False)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    holder = models.ForeignKey(DirectPaymentHolder, on_delete=models.CASCADE, related_name="enquiries")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="enquiries")
    sent_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    service = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+")
    availability_mask = models.BigIntegerField("days and parts of the day", default=0)
    hours_per_week = models.PositiveSmallIntegerField()
    start_on = models.DateField()
    rate_pence = models.PositiveIntegerField("hourly rate the person can pay, in pence")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    contact_shared_at = models.DateTimeField(null=True, blank=True)
    contact_shared_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)
    last_message_side = models.CharField(max_length=16, default="holder")
    holder_read_at = models.DateTimeField(null=True, blank=True)
    provider_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_message_at", "-pk"]
        verbose_name_plural = "enquiries"
        indexes = [
            models.Index(fields=["provider", "-last_message_at"], name="enquiry_provider_recent"),
            models.Index(fields=["holder", "-last_message_at"], name="enquiry_holder_recent"),
        ]

    def __str__(self) -> str:
        return f"Enquiry from {self.holder} to {self.provider}"

    @property
    def availability(self) -> WeeklyAvailability:
        return WeeklyAvailability(self.availability_mask)

    @property
    def has_shared_contact(self) -> bool:
        return self.contact_shared_at is not None

    def is_unread_by(self, side: str) -> bool:
        """Whether the other side wrote since `side` last opened the conversation."""
        if self.last_message_side == side:
            return False
        read_at = self.holder_read_at if side == Message.Side.HOLDER else self.provider_read_at
        return read_at is None or read_at < self.last_message_at


class Message(models.Model):
    """One message in an enquiry's conversation, from the holder's side or the provider's.

    `sent_by` is the person who wrote it; on the holder's side, `on_behalf_of`
    is the holder when someone acting for them wrote it (None when the holder
    wrote it themselves).
    """

    class Side(models.TextChoices):
        HOLDER = "holder", "The person"
        PROVIDER = "provider", "The provider"

    class Kind(models.TextChoices):
        ENQUIRY = "enquiry", "Enquiry"
        MESSAGE = "message", "Message"
        ACCEPTED = "accepted", "Can help"
        DECLINED = "declined", "Cannot help"
        CONTACT_SHARED = "contact_shared", "Contact details shared"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="messages")
    side = models.CharField(max_length=16, choices=Side.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MESSAGE)
    sent_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    on_behalf_of = models.ForeignKey(
        DirectPaymentHolder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(blank=True, max_length=MESSAGE_MAX_LENGTH)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sent_at", "pk"]
        indexes = [models.Index(fields=["sent_by", "sent_at"], name="message_sender_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.get_side_display().lower()} on {self.enquiry}"


class MessageReport(models.Model):
    """Someone reported a message: it goes to the commissioners' safeguarding queue.

    Commissioners see the reported message (and nothing else of the
    conversation) from here. The review is recorded on the row once.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for review"
        REVIEWED = "reviewed", "Reviewed"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reported_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reporter_side = models.CharField(max_length=16, choices=Message.Side.choices)
    reason = models.TextField(max_length=MESSAGE_MAX_LENGTH)
    blocked = models.BooleanField("the reporter blocked the other party", default=False)
    reported_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    reviewed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_notes = models.TextField(blank=True)

    class Meta:
        ordering = ["status", "-reported_at", "-pk"]

    def __str__(self) -> str:
        return f"Report of a message on {self.message.enquiry}"


class Block(models.Model):
    """One side of a conversation blocked the other: no new enquiries or messages between them."""

    holder = models.ForeignKey(DirectPaymentHolder, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    blocked_by_side = models.CharField(max_length=16, choices=Message.Side.choices)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    report = models.ForeignKey(MessageReport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["holder", "provider", "blocked_by_side"], name="unique_block")]

    def __str__(self) -> str:
        return f"Block between {self.holder} and {self.provider}"
