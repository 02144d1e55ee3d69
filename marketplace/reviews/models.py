"""Reviews of a provider by people who used it, moderated by commissioners before anyone sees them.

Only a direct payment holder (or someone acting for them) whose agreement with
the provider has at least one approved timesheet entry may write one; each
holder reviews a provider once (decision 0033). A commissioner publishes or
rejects every review, and then the provider may reply once; the reply is
moderated the same way. The public profile shows published reviews, their
count and their average (`selectors.published_reviews`).

Writes go through `services.py`; reads through `selectors.py`.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

TEXT_MIN_LENGTH = 20
TEXT_MAX_LENGTH = 2000
NAME_MAX_LENGTH = 60


class Moderation(models.TextChoices):
    PENDING = "pending", "Waiting for the council to check it"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Not published"


class ReviewQuerySet(models.QuerySet["Review"]):
    def published(self) -> "ReviewQuerySet":
        return self.filter(status=Moderation.PUBLISHED)

    def waiting_for_moderation(self) -> "ReviewQuerySet":
        """Reviews, or replies to published reviews, that a commissioner has not decided on yet."""
        return self.filter(
            models.Q(status=Moderation.PENDING)
            | models.Q(status=Moderation.PUBLISHED, reply_status=Moderation.PENDING)
        )


class Review(models.Model):
    """One holder's review of one provider, with the provider's one reply. Decisions are never undone."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE, related_name="reviews")
    holder = models.ForeignKey("accounts.DirectPaymentHolder", on_delete=models.CASCADE, related_name="reviews")
    # The agreement that made the holder eligible (one with an approved timesheet entry).
    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.PROTECT, related_name="reviews")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    text = models.TextField(max_length=TEXT_MAX_LENGTH)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # As shown with the review: "Written by {author_name}" or "Written by {author_name} for {for_name}".
    author_name = models.CharField(max_length=NAME_MAX_LENGTH)
    for_name = models.CharField(max_length=NAME_MAX_LENGTH, blank=True)
    submitted_at = models.DateTimeField()

    status = models.CharField(max_length=16, choices=Moderation.choices, default=Moderation.PENDING)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_reason = models.TextField(blank=True)

    reply_text = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    reply_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reply_at = models.DateTimeField(null=True, blank=True)
    reply_status = models.CharField(max_length=16, choices=Moderation.choices, blank=True)
    reply_moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reply_moderated_at = models.DateTimeField(null=True, blank=True)
    reply_moderation_reason = models.TextField(blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["provider", "status"], name="review_provider_status"),
            models.Index(fields=["status", "submitted_at"], name="review_moderation_queue"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["holder", "provider"], name="review_once_per_holder_and_provider"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_one_to_five"),
            models.CheckConstraint(
                condition=models.Q(reply_status="") | models.Q(status=Moderation.PUBLISHED),
                name="review_reply_only_when_published",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.provider} ({self.get_status_display()})"

    @property
    def is_written_for_someone(self) -> bool:
        return bool(self.for_name)

    @property
    def byline(self) -> str:
        if self.for_name:
            return f"Written by {self.author_name} for {self.for_name}"
        return f"Written by {self.author_name}"

    @property
    def has_reply(self) -> bool:
        return bool(self.reply_status)

    @property
    def has_published_reply(self) -> bool:
        return self.reply_status == Moderation.PUBLISHED
