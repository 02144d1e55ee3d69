"""Reviews, back-up plans and one absence in the demo county, for the agreements that exist.

Called at the end of `builder.demo_county_build`, after the engagement and
agreements demos. It makes rows only for agreements already there (with an
approved timesheet entry, for reviews); with no agreements it makes nothing.
For each holder and provider with approved support, about two in three
reviews: most published by the demo commissioner (about half with the
provider's published reply), the newest one waiting for moderation. The demo
holder (`dp-holder@demo.example`) is left with her providers to review, so
her login can write one. About half the live agreements whose holder has
other providers on their shortlist get one or two back-ups, the demo
holder's always; and the provider of one live agreement (the demo holder's
if she has one) is away from today for three days, with the alerts the
service would have recorded.

Rows are written directly (no emails are sent), with what the services would
have recorded. Deterministic for a seed; dates count back from `today`.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef

from marketplace.accounts.models import User
from marketplace.agreements.models import Agreement, TimesheetEntry
from marketplace.backups.models import Absence, BackupChoice, CannotCome
from marketplace.engagement.models import ShortlistEntry
from marketplace.providers.models import ProviderMembership
from marketplace.reviews.models import Moderation, Review

DEMO_HOLDER_EMAIL = "dp-holder@demo.example"
REVIEW_SHARE = 0.67
REPLY_SHARE = 0.5
BACKUP_SHARE = 0.5
REVIEWS = [
    (5, "Always on time and really listens to what I want to do that day. I feel safe and in charge."),
    (5, "Helped my mum get back to the shops and the lunch club. Patient, cheerful and reliable."),
    (4, "Kind and careful with personal care. Once or twice ran late but always let us know."),
    (4, "Good support with meals and appointments. Easy to arrange changes by message."),
    (3, "Friendly, but we had three different people in the first month. Better since then."),
    (5, "Knows my routines and my sense of humour. I look forward to Tuesdays now."),
    (2, "Cancelled at short notice several times, which was hard. The support itself was fine."),
]
REPLIES = [
    "Thank you for taking the time to write this. It is a pleasure to support you.",
    "Thank you. We have changed our rota so you see the same two people each week.",
    "We are sorry about the cancellations and have taken on another worker so it does not happen again.",
]
FIRST_NAMES = ["Jo", "Sam", "Pat", "Chris", "Alex", "Morgan", "Ruth", "Dev", "Priya", "Tom"]


@dataclass(frozen=True)
class ReviewsAndBackupsDemo:
    reviews: int
    published: int
    replies: int
    waiting: int
    backup_choices: int
    absences: int
    alerts: int


@transaction.atomic
def build_reviews_and_backups_demo(
    *, seed: int, today: date, now: datetime, commissioner: User | None
) -> ReviewsAndBackupsDemo:
    """Write the demo reviews, back-up choices and one current absence; nothing when there are no agreements."""
    rng = random.Random(f"reviews-and-backups-{seed}")
    approved = TimesheetEntry.objects.filter(agreement=OuterRef("pk"), status=TimesheetEntry.Status.APPROVED)
    eligible = list(
        Agreement.objects.filter(Exists(approved))
        .select_related("holder", "holder__user", "provider")
        .order_by("holder_id", "provider_id", "-created_at", "pk")
    )
    pairs: dict[tuple[int, int], Agreement] = {}
    for agreement in eligible:
        pairs.setdefault((agreement.holder_id, agreement.provider_id), agreement)
    reviewers = [
        agreement
        for agreement in pairs.values()
        if not (agreement.holder.user and agreement.holder.user.email == DEMO_HOLDER_EMAIL)
        and rng.random() < REVIEW_SHARE
    ]
    responders = _first_member_by_provider({agreement.provider_id for agreement in reviewers})
    rows: list[Review] = []
    for index, agreement in enumerate(reviewers):
        rating, text = rng.choice(REVIEWS)
        submitted_at = now - timedelta(days=rng.randint(3, 300), hours=rng.randint(0, 8))
        is_waiting = index == len(reviewers) - 1
        review = Review(
            provider_id=agreement.provider_id,
            holder=agreement.holder,
            agreement=agreement,
            rating=rating,
            text=text,
            written_by=agreement.holder.user,
            author_name=(agreement.holder.display_name.split() or [rng.choice(FIRST_NAMES)])[0],
            submitted_at=now - timedelta(hours=5) if is_waiting else submitted_at,
            status=Moderation.PENDING if is_waiting else Moderation.PUBLISHED,
        )
        if not is_waiting:
            review.moderated_by = commissioner
            review.moderated_at = review.submitted_at + timedelta(days=1)
            responder = responders.get(agreement.provider_id)
            if responder is not None and rng.random() < REPLY_SHARE:
                review.reply_text = rng.choice(REPLIES)
                review.reply_by = responder
                review.reply_at = review.moderated_at + timedelta(days=1)
                review.reply_status = Moderation.PUBLISHED
                review.reply_moderated_by = commissioner
                review.reply_moderated_at = review.reply_at + timedelta(hours=4)
        rows.append(review)
    Review.objects.bulk_create(rows)

    live = list(
        Agreement.objects.filter(status=Agreement.Status.LIVE)
        .select_related("holder", "holder__user", "provider")
        .order_by("pk")
    )
    choices = _backup_choices(live, rng=rng, now=now)
    absences, alerts = _one_absence(live, rng=rng, today=today, now=now)
    return ReviewsAndBackupsDemo(
        reviews=len(rows),
        published=sum(1 for review in rows if review.status == Moderation.PUBLISHED),
        replies=sum(1 for review in rows if review.reply_status),
        waiting=sum(1 for review in rows if review.status == Moderation.PENDING),
        backup_choices=choices,
        absences=absences,
        alerts=alerts,
    )


def _is_demo_holder(agreement: Agreement) -> bool:
    return bool(agreement.holder.user and agreement.holder.user.email == DEMO_HOLDER_EMAIL)


def _first_member_by_provider(provider_ids: set[int]) -> dict[int, User]:
    members: dict[int, User] = {}
    for membership in (
        ProviderMembership.objects.filter(provider_id__in=provider_ids).select_related("user").order_by("pk")
    ):
        members.setdefault(membership.provider_id, membership.user)
    return members


def _backup_choices(live: list[Agreement], *, rng: random.Random, now: datetime) -> int:
    shortlists: dict[int, list[int]] = {}
    for holder_id, provider_id in (
        ShortlistEntry.objects.filter(holder_id__in={agreement.holder_id for agreement in live})
        .order_by("holder_id", "added_at", "pk")
        .values_list("holder_id", "provider_id")
    ):
        shortlists.setdefault(holder_id, []).append(provider_id)
    rows = []
    for agreement in live:
        candidates = [pk for pk in shortlists.get(agreement.holder_id, []) if pk != agreement.provider_id]
        if not candidates or not (_is_demo_holder(agreement) or rng.random() < BACKUP_SHARE):
            continue
        for position, provider_id in enumerate(candidates[: rng.choice((1, 2))], start=1):
            rows.append(
                BackupChoice(
                    agreement=agreement,
                    provider_id=provider_id,
                    position=position,
                    chosen_by=agreement.holder.user,
                    chosen_at=now - timedelta(days=rng.randint(1, 60)),
                )
            )
    BackupChoice.objects.bulk_create(rows)
    return len(rows)


def _one_absence(live: list[Agreement], *, rng: random.Random, today: date, now: datetime) -> tuple[int, int]:
    if not live:
        return 0, 0
    agreement = next((agreement for agreement in live if _is_demo_holder(agreement)), None) or rng.choice(live)
    provider = agreement.provider
    marked_by = _first_member_by_provider({provider.pk}).get(provider.pk)
    absence = Absence.objects.create(
        provider=provider,
        starts_on=today,
        ends_on=today + timedelta(days=2),
        reason="Ill",
        marked_by=marked_by,
        marked_at=now - timedelta(hours=2),
    )
    alerts = [
        CannotCome(
            agreement=affected,
            provider=provider,
            holder=affected.holder,
            cause=CannotCome.Cause.ABSENCE,
            event_key=f"absence:{absence.pk}",
            absence=absence,
            starts_on=absence.starts_on,
            ends_on=absence.ends_on,
            created_at=absence.marked_at,
        )
        for affected in live
        if affected.provider_id == provider.pk
    ]
    CannotCome.objects.bulk_create(alerts)
    return 1, len(alerts)


def reviews_and_backups_demo_clear() -> None:
    """Remove every review, back-up choice, alert and absence (for --force), before the agreements they hang on."""
    Review.objects.all().delete()
    CannotCome.objects.all().delete()
    BackupChoice.objects.all().delete()
    Absence.objects.all().delete()
