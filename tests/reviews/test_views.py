"""Review pages: every role, the profile's average and count, moderation in the admin, fixed query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace.reviews import services
from marketplace.reviews.models import Moderation, Review
from tests.factories import DirectPaymentHolderFactory, ProviderFactory
from tests.reviews.conftest import People, make_agreement

pytestmark = pytest.mark.django_db

TEXT = "Asha was kind, on time and listened to what I wanted."


def write_url(agreement) -> str:
    return reverse("reviews:write", kwargs={"agreement_uuid": agreement.uuid})


def review_form(**overrides: str) -> dict[str, str]:
    return {"rating": "4", "text": TEXT, "author_name": "Margaret", **overrides}


def published_review(people: People, agreement, commissioner_user, rating: int = 4) -> Review:
    review = services.review_write(
        agreement=agreement, by=people.holder.user, rating=rating, text=TEXT, author_name="M"
    )
    return services.review_moderate(review=review, by=commissioner_user, decision=Moderation.PUBLISHED)


# Writing ------------------------------------------------------------------------------------------


def test_the_holder_writes_a_review_with_star_radios(client, people: People, agreement) -> None:
    client.force_login(people.holder.user)
    page = client.get(write_url(agreement)).content.decode()
    assert page.count('type="radio" value=') == 5
    assert "5 stars: excellent" in page
    assert "for_name" not in page
    response = client.post(write_url(agreement), review_form())
    assert response.status_code == 302
    assert response.url.endswith("#reviews")
    review = Review.objects.get()
    assert (review.rating, review.status, review.byline) == (4, Moderation.PENDING, "Written by Margaret")


def test_someone_acting_for_the_holder_is_asked_whom_they_write_for(client, people: People, agreement) -> None:
    client.force_login(people.family)
    assert "for_name" in client.get(write_url(agreement)).content.decode()
    client.post(write_url(agreement), review_form(author_name="David", for_name="Margaret"))
    assert Review.objects.get().byline == "Written by David for Margaret"


def test_bad_input_gets_an_error_summary_and_keeps_what_was_typed(client, people: People, agreement) -> None:
    client.force_login(people.family)
    response = client.post(write_url(agreement), {"rating": "9", "text": "<b>short</b>", "author_name": "x" * 61})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Choose how many stars, from 1 to 5." in page
    assert "Enter the name of the person you wrote it for." in page
    assert "&lt;b&gt;short&lt;/b&gt;" in page
    assert not Review.objects.exists()


def test_without_an_approved_timesheet_entry_the_page_says_so(client, people: People) -> None:
    agreement = make_agreement(people.holder, people.provider, approved=False)
    client.force_login(people.holder.user)
    page = client.get(write_url(agreement)).content.decode()
    assert "once some of their support has been approved" in page
    assert "<form" not in page.split("<main")[1]
    client.post(write_url(agreement), review_form())
    assert not Review.objects.exists()


@pytest.mark.parametrize("who", ["ended_agent", "stranger", "owner", "other_owner", "commissioner"])
def test_nobody_else_reaches_the_review_form(client, people: People, agreement, commissioner_user, who: str) -> None:
    client.force_login(commissioner_user if who == "commissioner" else getattr(people, who))
    assert client.get(write_url(agreement)).status_code == 404
    assert client.post(write_url(agreement), review_form()).status_code == 404
    assert not Review.objects.exists()


def test_a_signed_out_visitor_is_sent_to_sign_in(client, people: People, agreement) -> None:
    response = client.get(write_url(agreement))
    assert response.status_code == 302
    assert "login" in response.url


# Replying -----------------------------------------------------------------------------------------


def test_the_provider_replies_once_from_its_reviews_page(client, people: People, agreement, commissioner_user) -> None:
    review = published_review(people, agreement, commissioner_user)
    client.force_login(people.owner)
    list_url = reverse("reviews:provider_list", kwargs={"provider_uuid": people.provider.uuid})
    reply_url = reverse("reviews:reply", kwargs={"provider_uuid": people.provider.uuid, "review_uuid": review.uuid})
    assert reply_url in client.get(list_url).content.decode()
    response = client.post(reply_url, {"text": "Thank you, it was a pleasure to help."})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.reply_status == Moderation.PENDING
    assert client.get(reply_url).status_code == 302  # replied already: back to the list
    assert reply_url not in client.get(list_url).content.decode()


def test_another_providers_user_cannot_see_or_reply(client, people: People, agreement, commissioner_user) -> None:
    review = published_review(people, agreement, commissioner_user)
    client.force_login(people.other_owner)
    assert (
        client.get(reverse("reviews:provider_list", kwargs={"provider_uuid": people.provider.uuid})).status_code == 404
    )
    reply_url = reverse("reviews:reply", kwargs={"provider_uuid": people.provider.uuid, "review_uuid": review.uuid})
    assert client.post(reply_url, {"text": "Not my review to answer at all."}).status_code == 404
    review.refresh_from_db()
    assert not review.has_reply


@pytest.mark.parametrize("who", ["holder", "family", "stranger"])
def test_holders_and_strangers_cannot_reply(client, people: People, agreement, commissioner_user, who: str) -> None:
    review = published_review(people, agreement, commissioner_user)
    client.force_login(people.holder.user if who == "holder" else getattr(people, who))
    reply_url = reverse("reviews:reply", kwargs={"provider_uuid": people.provider.uuid, "review_uuid": review.uuid})
    assert client.post(reply_url, {"text": "A reply from the wrong person."}).status_code == 404


def test_a_review_waiting_for_moderation_cannot_be_replied_to(client, people: People, agreement) -> None:
    review = services.review_write(agreement=agreement, by=people.holder.user, rating=3, text=TEXT, author_name="M")
    client.force_login(people.owner)
    reply_url = reverse("reviews:reply", kwargs={"provider_uuid": people.provider.uuid, "review_uuid": review.uuid})
    assert client.get(reply_url).status_code == 404


# Moderation in the admin --------------------------------------------------------------------------


def test_a_commissioner_publishes_a_review_then_its_reply(
    client, people: People, agreement, commissioner_user
) -> None:
    review = services.review_write(agreement=agreement, by=people.holder.user, rating=5, text=TEXT, author_name="M")
    client.force_login(commissioner_user)
    listing = client.get(reverse("reviews_moderation:index")).content.decode()
    assert "Review waiting" in listing
    assert people.provider.name in listing
    moderate_url = reverse("reviews_moderation:edit", args=[review.pk])
    response = client.post(moderate_url, {"decision": "rejected", "reason": ""})
    assert "Give the reason for not publishing" in response.content.decode()
    client.post(moderate_url, {"decision": "published", "reason": ""})
    review.refresh_from_db()
    assert review.status == Moderation.PUBLISHED
    services.review_reply(review=review, by=people.owner, text="Thank you, it was a pleasure to help.")
    assert "Reply waiting" in client.get(reverse("reviews_moderation:index")).content.decode()
    client.post(moderate_url, {"decision": "published", "reason": ""})
    review.refresh_from_db()
    assert review.reply_status == Moderation.PUBLISHED


@pytest.mark.parametrize("who", ["holder", "owner", "stranger"])
def test_nobody_but_commissioners_reaches_the_moderation_queue(client, people: People, agreement, who: str) -> None:
    review = services.review_write(agreement=agreement, by=people.holder.user, rating=5, text=TEXT, author_name="M")
    client.force_login(people.holder.user if who == "holder" else getattr(people, who))
    assert client.get(reverse("reviews_moderation:index")).status_code in (302, 403, 404)
    client.post(reverse("reviews_moderation:edit", args=[review.pk]), {"decision": "published"})
    review.refresh_from_db()
    assert review.status == Moderation.PENDING


# The public profile -------------------------------------------------------------------------------


def test_the_profile_shows_published_reviews_with_their_count_and_average(
    client, people: People, commissioner_user
) -> None:
    for rating in (5, 4, 4):
        holder = DirectPaymentHolderFactory()
        review = services.review_write(
            agreement=make_agreement(holder, people.provider),
            by=holder.user,
            rating=rating,
            text=TEXT,
            author_name="Jo",
        )
        services.review_moderate(review=review, by=commissioner_user, decision=Moderation.PUBLISHED)
    waiting_holder = DirectPaymentHolderFactory()
    services.review_write(
        agreement=make_agreement(waiting_holder, people.provider),
        by=waiting_holder.user,
        rating=1,
        text="This one is still waiting for the council.",
        author_name="Kim",
    )
    page = client.get(f"/directory/{people.provider.slug}/").content.decode()
    assert "Average 4.3 out of 5 stars from 3 reviews" in page
    assert page.count('class="app-review ') == 3
    assert "still waiting for the council" not in page
    assert "Give feedback about Asha Patel" in page  # the feedback form stays for complaints


def _profile_queries(client, provider) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/directory/{provider.slug}/").status_code == 200
    return len(captured.captured_queries)


def test_the_profile_runs_the_same_queries_for_one_review_or_many(client, people: People, commissioner_user) -> None:
    def add_reviews(count: int) -> None:
        for _ in range(count):
            holder = DirectPaymentHolderFactory()
            review = services.review_write(
                agreement=make_agreement(holder, people.provider), by=holder.user, rating=3, text=TEXT, author_name="A"
            )
            services.review_moderate(review=review, by=commissioner_user, decision=Moderation.PUBLISHED)

    add_reviews(1)
    _profile_queries(client, people.provider)  # warm the caches
    one = _profile_queries(client, people.provider)
    add_reviews(4)
    assert _profile_queries(client, people.provider) == one


def _support_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("engagement:home")).status_code == 200
    return len(captured.captured_queries)


def test_your_support_runs_the_same_queries_whatever_the_number_of_reviews(
    client, people: People, agreement, commissioner_user
) -> None:
    client.force_login(people.holder.user)
    _support_queries(client)
    few = _support_queries(client)
    for _ in range(3):
        make_agreement(people.holder, ProviderFactory())
    published_review(people, agreement, commissioner_user)
    page = client.get(reverse("engagement:home")).content.decode()
    assert page.count("Review ") >= 3
    assert _support_queries(client) == few


def test_a_signed_out_visitor_reaches_no_provider_page_or_moderation(
    client, people: People, agreement, commissioner_user
) -> None:
    review = published_review(people, agreement, commissioner_user)
    for url in (
        reverse("reviews:provider_list", kwargs={"provider_uuid": people.provider.uuid}),
        reverse("reviews:reply", kwargs={"provider_uuid": people.provider.uuid, "review_uuid": review.uuid}),
        reverse("reviews_moderation:edit", args=[review.pk]),
    ):
        response = client.post(url, {"text": "Signed out and trying anyway.", "decision": "rejected"})
        assert response.status_code == 302
        assert "login" in response.url
    review.refresh_from_db()
    assert review.status == Moderation.PUBLISHED
    assert not review.has_reply
