"""Reviews as a section of "Your support": providers the person can review, and the reviews written."""

from typing import Any

from marketplace.accounts.models import DirectPaymentHolder
from marketplace.engagement.sections import SectionContent, SectionSummary, SupportSection, register

from .models import Moderation
from .selectors import holder_reviews, reviewable_for


def reviews_section(holder: DirectPaymentHolder, user: Any) -> SectionContent:
    """Two queries whatever the number of agreements or reviews."""
    reviewable = reviewable_for(holder)
    reviews = holder_reviews(holder)
    waiting = sum(1 for review in reviews if review.status == Moderation.PENDING)
    if reviewable:
        summary = SectionSummary(
            count=len(reviewable),
            status=f"{len(reviewable)} to review",
            status_colour="blue",
            next_step="Tell others what the support was like",
            href="#reviews",
        )
    elif waiting:
        summary = SectionSummary(
            count=len(reviews),
            status=f"{waiting} being checked",
            status_colour="yellow",
            next_step="The council checks each review before it is published",
            href="#reviews",
        )
    else:
        summary = SectionSummary(
            count=len(reviews),
            status="Nothing to review" if not reviews else "Up to date",
            status_colour="grey" if not reviews else "green",
            next_step="You can review a provider once some of their support has been approved on a timesheet",
            href="#reviews",
        )
    return SectionContent(summary=summary, context={"reviewable": reviewable, "reviews": reviews})


def register_section() -> None:
    register(
        SupportSection(
            key="reviews",
            title="Reviews",
            template="reviews/includes/support_section.html",
            load=reviews_section,
            order=60,
        )
    )
