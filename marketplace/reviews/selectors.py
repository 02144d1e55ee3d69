"""Reads of reviews: what a holder can review, a profile's published reviews and average, the moderation queue."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from marketplace.accounts.models import DirectPaymentHolder
from marketplace.agreements.models import Agreement, TimesheetEntry
from marketplace.monitoring.hooks import Voice
from marketplace.providers.models import Provider

from .models import Moderation, Review


@dataclass(frozen=True)
class ProfileReviews:
    """A provider's published reviews with their count and average, all from the same list.

    `count` is `len(reviews)` and `average` their mean to one decimal place,
    so the number shown always equals the reviews listed.
    """

    reviews: list[Review]

    @property
    def count(self) -> int:
        return len(self.reviews)

    @property
    def average(self) -> Decimal | None:
        if not self.reviews:
            return None
        mean = Decimal(sum(review.rating for review in self.reviews)) / Decimal(len(self.reviews))
        return mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def average_stars(self) -> int:
        """The average rounded to whole stars, for the picture of stars beside the number."""
        average = self.average
        return int(average.quantize(Decimal("1"), rounding=ROUND_HALF_UP)) if average is not None else 0


def published_reviews(*, provider: Provider) -> ProfileReviews:
    """The one read behind the profile's reviews, count and average: published reviews, newest first. One query."""
    return ProfileReviews(
        reviews=list(
            Review.objects.published().filter(provider=provider).order_by("-moderated_at", "-submitted_at", "-pk")
        )
    )


@dataclass(frozen=True)
class Reviewable:
    """A provider the holder can review, through one of their agreements with an approved timesheet entry."""

    agreement: Agreement
    provider: Provider


def reviewable_for(holder: DirectPaymentHolder) -> list[Reviewable]:
    """Providers the holder may review and has not yet: one row per provider, through its latest eligible agreement.

    One query.
    """
    approved = TimesheetEntry.objects.filter(agreement=OuterRef("pk"), status=TimesheetEntry.Status.APPROVED)
    reviewed = Review.objects.filter(holder=holder, provider=OuterRef("provider"))
    agreements = (
        Agreement.objects.filter(holder=holder)
        .filter(Exists(approved))
        .exclude(Exists(reviewed))
        .select_related("provider")
        .order_by("provider__name", "provider_id", "-created_at", "-pk")
    )
    rows: dict[int, Reviewable] = {}
    for agreement in agreements:
        rows.setdefault(agreement.provider_id, Reviewable(agreement=agreement, provider=agreement.provider))
    return list(rows.values())


def holder_reviews(holder: DirectPaymentHolder) -> list[Review]:
    """Reviews written by or for the holder, newest first. One query."""
    return list(Review.objects.filter(holder=holder).select_related("provider").order_by("-submitted_at", "-pk"))


def agreement_for_review(*, agreement_uuid: Any) -> Agreement | None:
    """The agreement a review is written through, with its holder and provider (None if there is none)."""
    return Agreement.objects.select_related("holder", "provider").filter(uuid=agreement_uuid).first()


def provider_reviews(provider: Provider) -> list[Review]:
    """Every review of the provider that the council has decided on or not (what its team sees), newest first."""
    return list(
        Review.objects.filter(provider=provider).exclude(status=Moderation.REJECTED).order_by("-submitted_at", "-pk")
    )


def provider_review(*, provider: Provider, review_uuid: Any) -> Review | None:
    return Review.objects.select_related("provider").filter(provider=provider, uuid=review_uuid).first()


def moderation_queue() -> QuerySet[Review]:
    """Reviews and replies waiting for a commissioner, oldest first."""
    return Review.objects.waiting_for_moderation().select_related("provider").order_by("submitted_at", "pk")


def reviews_for_monitoring(provider: Provider, limit: int) -> list[Voice]:
    """Published reviews as the monitoring record reads them (registered with marketplace.monitoring.hooks)."""
    return [
        Voice(
            kind="Review",
            at=review.submitted_at,
            rating=review.rating,
            text=review.text,
            reply=review.reply_text if review.has_published_reply else "",
        )
        for review in Review.objects.published().filter(provider=provider).order_by("-submitted_at", "-pk")[:limit]
    ]
