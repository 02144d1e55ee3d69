"""Reviews: who may write one, moderation, the one reply, the profile's count and average, emails once per event."""

from decimal import Decimal

import pytest

from marketplace.core.models import OutboxEmail
from marketplace.monitoring.selectors import what_people_said
from marketplace.reviews import services
from marketplace.reviews.models import Moderation, Review
from marketplace.reviews.selectors import published_reviews, reviewable_for
from tests.factories import DirectPaymentHolderFactory, MonitoringFeedbackFactory
from tests.reviews.conftest import NOW, People, emails_to, make_agreement

pytestmark = pytest.mark.django_db

TEXT = "Asha was kind, on time and listened to what I wanted."


def write(agreement, by, *, rating: int = 5, author_name: str = "Margaret", for_name: str = "") -> Review:
    return services.review_write(
        agreement=agreement, by=by, rating=rating, text=TEXT, author_name=author_name, for_name=for_name, now=NOW
    )


def publish(review: Review, commissioner) -> Review:
    return services.review_moderate(review=review, by=commissioner, decision=Moderation.PUBLISHED, now=NOW)


# Who may write ------------------------------------------------------------------------------------


def test_no_approved_timesheet_entry_means_no_review(people: People) -> None:
    agreement = make_agreement(people.holder, people.provider, approved=False)
    assert reviewable_for(people.holder) == []
    with pytest.raises(services.ReviewError, match="approved on a timesheet"):
        write(agreement, people.holder.user)
    assert not Review.objects.exists()


def test_an_approved_entry_lets_the_holder_review_once(people: People, agreement) -> None:
    assert [row.provider for row in reviewable_for(people.holder)] == [people.provider]
    review = write(agreement, people.holder.user, rating=4)
    assert review.status == Moderation.PENDING
    assert review.byline == "Written by Margaret"
    assert reviewable_for(people.holder) == []
    with pytest.raises(services.ReviewError, match="already reviewed"):
        write(agreement, people.holder.user)


def test_a_second_agreement_with_the_same_provider_gives_no_second_review(people: People, agreement) -> None:
    write(agreement, people.holder.user)
    second = make_agreement(people.holder, people.provider)
    with pytest.raises(services.ReviewError, match="already reviewed"):
        write(second, people.holder.user)


def test_someone_acting_for_the_holder_writes_for_them_and_is_shown_as_such(people: People, agreement) -> None:
    review = write(agreement, people.family, author_name="David", for_name="Margaret")
    assert review.holder == people.holder
    assert review.written_by == people.family
    assert review.byline == "Written by David for Margaret"


def test_someone_acting_for_the_holder_must_name_them(people: People, agreement) -> None:
    with pytest.raises(services.ReviewError, match="name of the person"):
        write(agreement, people.family, author_name="David", for_name="  ")


@pytest.mark.parametrize("who", ["ended_agent", "stranger", "owner", "other_owner"])
def test_nobody_else_may_write_a_review(people: People, agreement, who: str) -> None:
    with pytest.raises(services.ReviewError, match="cannot write a review"):
        write(agreement, getattr(people, who))


def test_a_commissioner_may_not_write_a_review(people: People, agreement, commissioner_user) -> None:
    with pytest.raises(services.ReviewError, match="cannot write a review"):
        write(agreement, commissioner_user)


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_the_rating_is_one_to_five_stars(people: People, agreement, rating: int) -> None:
    with pytest.raises(services.ReviewError, match="1 to 5"):
        write(agreement, people.holder.user, rating=rating)


def test_short_text_is_refused(people: People, agreement) -> None:
    with pytest.raises(services.ReviewError, match="at least"):
        services.review_write(agreement=agreement, by=people.holder.user, rating=3, text="ok", author_name="M")


# Moderation ---------------------------------------------------------------------------------------


def test_only_published_reviews_show_and_count(people: People, agreement, commissioner_user) -> None:
    review = write(agreement, people.holder.user, rating=4)
    assert published_reviews(provider=people.provider).count == 0
    publish(review, commissioner_user)
    profile = published_reviews(provider=people.provider)
    assert profile.reviews == [review]
    assert (profile.count, profile.average) == (1, Decimal("4.0"))


def test_a_rejection_needs_a_reason_and_is_final(people: People, agreement, commissioner_user) -> None:
    review = write(agreement, people.holder.user)
    with pytest.raises(services.ReviewError, match="reason"):
        services.review_moderate(review=review, by=commissioner_user, decision=Moderation.REJECTED, reason=" ")
    services.review_moderate(
        review=review, by=commissioner_user, decision=Moderation.REJECTED, reason="Names a member of staff"
    )
    with pytest.raises(services.ReviewError, match="already decided"):
        publish(review, commissioner_user)
    assert published_reviews(provider=people.provider).count == 0


def test_only_a_commissioner_moderates(people: People, agreement) -> None:
    review = write(agreement, people.holder.user)
    for user in (people.holder.user, people.owner, people.family):
        with pytest.raises(services.ReviewError, match="Only a commissioner"):
            services.review_moderate(review=review, by=user, decision=Moderation.PUBLISHED)


# The reply ----------------------------------------------------------------------------------------


def test_the_provider_replies_once_after_publication_and_the_reply_is_moderated(
    people: People, agreement, commissioner_user
) -> None:
    review = write(agreement, people.holder.user)
    with pytest.raises(services.ReviewError, match="once the council has published"):
        services.review_reply(review=review, by=people.owner, text="Thank you, it was a pleasure to help.")
    publish(review, commissioner_user)
    services.review_reply(review=review, by=people.owner, text="Thank you, it was a pleasure to help.")
    with pytest.raises(services.ReviewError, match="already replied"):
        services.review_reply(review=review, by=people.owner, text="And a second reply, which is refused.")
    review.refresh_from_db()
    assert review.reply_status == Moderation.PENDING
    assert not review.has_published_reply
    services.review_reply_moderate(review=review, by=commissioner_user, decision=Moderation.PUBLISHED)
    review.refresh_from_db()
    assert review.has_published_reply
    assert published_reviews(provider=people.provider).reviews[0].reply_text.startswith("Thank you")


@pytest.mark.parametrize("who", ["other_owner", "stranger", "family"])
def test_only_the_reviewed_providers_team_may_reply(people: People, agreement, commissioner_user, who: str) -> None:
    review = publish(write(agreement, people.holder.user), commissioner_user)
    with pytest.raises(services.ReviewError, match="own team"):
        services.review_reply(review=review, by=getattr(people, who), text="A reply from the wrong person.")


# The profile's count and average ------------------------------------------------------------------


def test_the_count_and_average_are_those_of_the_published_reviews_listed(people: People, commissioner_user) -> None:
    ratings = {5: Moderation.PUBLISHED, 4: Moderation.PUBLISHED, 2: Moderation.PUBLISHED, 1: Moderation.PENDING}
    for rating, outcome in ratings.items():
        holder = DirectPaymentHolderFactory()
        review = write(make_agreement(holder, people.provider), holder.user, rating=rating)
        if outcome == Moderation.PUBLISHED:
            publish(review, commissioner_user)
    rejected_holder = DirectPaymentHolderFactory()
    rejected = write(make_agreement(rejected_holder, people.provider), rejected_holder.user, rating=1)
    services.review_moderate(review=rejected, by=commissioner_user, decision=Moderation.REJECTED, reason="Off topic")
    profile = published_reviews(provider=people.provider)
    assert profile.count == len(profile.reviews) == 3
    assert sorted(review.rating for review in profile.reviews) == [2, 4, 5]
    assert profile.average == Decimal("3.7")  # 11 / 3, to one place
    assert profile.average_stars == 4


def test_a_provider_without_reviews_has_no_average(people: People) -> None:
    profile = published_reviews(provider=people.provider)
    assert (profile.count, profile.average, profile.average_stars) == (0, None, 0)


# Emails, once per event ---------------------------------------------------------------------------


def test_each_decision_emails_the_right_people_once(people: People, agreement, commissioner_user) -> None:
    review = write(agreement, people.family, author_name="David", for_name="Margaret")
    assert not OutboxEmail.objects.exists()  # sending a review emails nobody
    publish(review, commissioner_user)
    assert len(emails_to("david@example.org", "is published")) == 1
    assert len(emails_to("asha@example.org", "A new review")) == 1
    services.review_reply(review=review, by=people.owner, text="Thank you, it was a pleasure to help.")
    services.review_reply_moderate(review=review, by=commissioner_user, decision=Moderation.PUBLISHED)
    # The holder and everyone acting for them (the live link only) hear of the reply once.
    assert len(emails_to("margaret@example.org", "replied")) == 1
    assert len(emails_to("david@example.org", "replied")) == 1
    assert emails_to("pat@example.org") == []
    assert OutboxEmail.objects.count() == 4


def test_a_rejection_tells_the_writer_why(people: People, agreement, commissioner_user) -> None:
    review = write(agreement, people.holder.user)
    services.review_moderate(
        review=review, by=commissioner_user, decision=Moderation.REJECTED, reason="Names a member of staff"
    )
    [email] = emails_to("margaret@example.org", "was not published")
    assert "Names a member of staff" in email.body
    assert emails_to("asha@example.org") == []


# The monitoring record ----------------------------------------------------------------------------


def test_published_reviews_count_in_the_monitoring_record_beside_feedback(
    people: People, agreement, commissioner_user
) -> None:
    MonitoringFeedbackFactory(provider=people.provider, moderation_status="approved", text="Feedback text here.")
    review = write(agreement, people.holder.user, rating=2)
    assert [voice.kind for voice in what_people_said(provider=people.provider)] == ["Feedback"]
    publish(review, commissioner_user)
    voices = what_people_said(provider=people.provider)
    assert sorted(voice.kind for voice in voices) == ["Feedback", "Review"]
    assert next(voice for voice in voices if voice.kind == "Review").rating == 2
