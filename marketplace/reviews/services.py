"""Writing, moderating and replying to reviews. Every write is here; each raises ReviewError with words for people.

Emails (through the outbox, marketplace.core.notifications) go once per
event: the writer and the provider's team when a review is published, the
writer when it is not, and the writer when the provider's reply is published.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.accounts.selectors import holder_email_addresses
from marketplace.agreements.models import Agreement, TimesheetEntry
from marketplace.core.errors import DomainError
from marketplace.core.notifications import email_send
from marketplace.providers import hooks as provider_hooks
from marketplace.providers.selectors import provider_email_addresses

from .models import NAME_MAX_LENGTH, TEXT_MAX_LENGTH, TEXT_MIN_LENGTH, Moderation, Review


class ReviewError(DomainError):
    """A review, reply or decision that cannot be made, with a message a person can read."""


def _clean_text(text: str, *, what: str) -> str:
    text = (text or "").strip()
    if len(text) < TEXT_MIN_LENGTH:
        raise ReviewError(f"Your {what} must be at least {TEXT_MIN_LENGTH} characters.")
    if len(text) > TEXT_MAX_LENGTH:
        raise ReviewError(f"Your {what} must be {TEXT_MAX_LENGTH:,} characters or fewer.")
    return text


def _clean_name(name: str, *, what: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ReviewError(f"Enter {what}.")
    if len(name) > NAME_MAX_LENGTH:
        raise ReviewError(f"{what[0].upper()}{what[1:]} must be {NAME_MAX_LENGTH} characters or fewer.")
    return name


def agreement_is_reviewable(agreement: Agreement) -> bool:
    """Whether the agreement has at least one approved timesheet entry (support was really given)."""
    return TimesheetEntry.objects.filter(agreement=agreement, status=TimesheetEntry.Status.APPROVED).exists()


@transaction.atomic
def review_write(
    *,
    agreement: Agreement,
    by: User,
    rating: int,
    text: str,
    author_name: str,
    for_name: str = "",
    now: datetime | None = None,
) -> Review:
    """Keep a holder's review of the agreement's provider, waiting for a commissioner. Once per holder and provider.

    `by` must be allowed to (reviews.write_review on the holder): the holder,
    or someone acting for them, whose review is shown as written for them.
    """
    holder: DirectPaymentHolder = agreement.holder
    if not by.has_perm("reviews.write_review", holder):
        raise ReviewError("You cannot write a review for this person.")
    if not agreement_is_reviewable(agreement):
        raise ReviewError("You can review a provider once some of their support has been approved on a timesheet.")
    # Lock the holder so two reviews sent at once cannot both pass the check below.
    DirectPaymentHolder.objects.select_for_update().filter(pk=holder.pk).first()
    if Review.objects.filter(holder=holder, provider_id=agreement.provider_id).exists():
        raise ReviewError(f"{holder.display_name} has already reviewed {agreement.provider.name}.")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ReviewError("Choose a rating from 1 to 5 stars.")
    is_for_someone = holder.user_id != by.pk
    return Review.objects.create(
        provider_id=agreement.provider_id,
        holder=holder,
        agreement=agreement,
        rating=rating,
        text=_clean_text(text, what="review"),
        written_by=by,
        author_name=_clean_name(author_name, what="the name to show with the review"),
        for_name=_clean_name(for_name, what="the name of the person you wrote it for") if is_for_someone else "",
        submitted_at=now or timezone.now(),
    )


def _lock(review: Review) -> Review:
    return Review.objects.select_for_update().select_related("provider", "holder").get(pk=review.pk)


def _check_decision(decision: str, reason: str) -> str:
    if decision not in (Moderation.PUBLISHED, Moderation.REJECTED):
        raise ReviewError("Choose publish or do not publish.")
    reason = (reason or "").strip()
    if decision == Moderation.REJECTED and not reason:
        raise ReviewError("Give the reason for not publishing: the writer is told it.")
    return reason


@transaction.atomic
def review_moderate(
    *, review: Review, by: User, decision: str, reason: str = "", now: datetime | None = None
) -> Review:
    """Publish a review (it then shows on the profile and counts in the average) or reject it with a reason."""
    if not by.has_perm("reviews.moderate"):
        raise ReviewError("Only a commissioner can moderate reviews.")
    review = _lock(review)
    if review.status != Moderation.PENDING:
        raise ReviewError(f"This review was already decided: {review.get_status_display().lower()}.")
    reason = _check_decision(decision, reason)
    review.status = decision
    review.moderated_by = by
    review.moderated_at = now or timezone.now()
    review.moderation_reason = reason
    review.save(update_fields=["status", "moderated_by", "moderated_at", "moderation_reason"])
    provider_hooks.listings_changed([review.provider_id])  # a published review shows on the cached profile
    context = {"review": review, "provider": review.provider}
    writer = [review.written_by.email] if review.written_by and review.written_by.is_active else []
    if decision == Moderation.PUBLISHED:
        email_send(
            to=writer,
            subject=f"Your review of {review.provider.name} is published",
            template="reviews_published",
            context=context,
        )
        email_send(
            to=provider_email_addresses(review.provider),
            subject=f"A new review of {review.provider.name}",
            template="reviews_published_provider",
            context=context,
        )
    else:
        email_send(
            to=writer,
            subject=f"Your review of {review.provider.name} was not published",
            template="reviews_rejected",
            context=context,
        )
    return review


@transaction.atomic
def review_reply(*, review: Review, by: User, text: str, now: datetime | None = None) -> Review:
    """The provider's one reply to a published review, waiting for a commissioner before it shows."""
    review = _lock(review)
    if not by.has_perm("reviews.reply_to_review", review.provider):
        raise ReviewError("Only the provider's own team can reply to its reviews.")
    if review.status != Moderation.PUBLISHED:
        raise ReviewError("You can reply once the council has published the review.")
    if review.reply_status:
        raise ReviewError("You have already replied to this review: a provider replies once.")
    review.reply_text = _clean_text(text, what="reply")
    review.reply_by = by
    review.reply_at = now or timezone.now()
    review.reply_status = Moderation.PENDING
    review.save(update_fields=["reply_text", "reply_by", "reply_at", "reply_status"])
    return review


@transaction.atomic
def review_reply_moderate(
    *, review: Review, by: User, decision: str, reason: str = "", now: datetime | None = None
) -> Review:
    """Publish the provider's reply beside the review, or reject it with a reason the provider is told."""
    if not by.has_perm("reviews.moderate"):
        raise ReviewError("Only a commissioner can moderate replies.")
    review = _lock(review)
    if review.reply_status != Moderation.PENDING:
        raise ReviewError("There is no reply waiting for a decision.")
    reason = _check_decision(decision, reason)
    review.reply_status = decision
    review.reply_moderated_by = by
    review.reply_moderated_at = now or timezone.now()
    review.reply_moderation_reason = reason
    review.save(update_fields=["reply_status", "reply_moderated_by", "reply_moderated_at", "reply_moderation_reason"])
    provider_hooks.listings_changed([review.provider_id])  # a published reply shows on the cached profile
    context = {"review": review, "provider": review.provider}
    if decision == Moderation.PUBLISHED:
        email_send(
            to=holder_email_addresses(review.holder),
            subject=f"{review.provider.name} replied to a review",
            template="reviews_reply_published",
            context=context,
        )
    else:
        email_send(
            to=provider_email_addresses(review.provider),
            subject=f"Your reply to a review of {review.provider.name} was not published",
            template="reviews_reply_rejected",
            context=context,
        )
    return review
