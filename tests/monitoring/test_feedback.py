"""Feedback from people who use a service: the form on the profile, spam and abuse, and moderation."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from marketplace.monitoring import services
from marketplace.monitoring.models import Feedback
from marketplace.monitoring.services import MonitoringError
from marketplace.monitoring.views import FEEDBACK_LIMIT_PER_HOUR
from marketplace.providers.models import Provider
from tests.factories import MonitoringFeedbackFactory, ProviderFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "relationship": "family",
    "is_complaint": "no",
    "rating": "4",
    "text": "My mum looks forward to every visit.",
    "from_name": "Sam Patel",
    "website": "",
}


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def feedback_url(provider):
    return reverse("monitoring:feedback", args=[provider.slug])


def test_the_profile_links_to_the_feedback_form(client, site, provider):
    page = client.get(f"/directory/{provider.slug}/").content.decode()
    assert "Tell the council about this service" in page
    assert feedback_url(provider) in page


def test_an_unpublished_profile_has_no_feedback_form(client, site):
    draft = ProviderFactory(status=Provider.Status.DRAFT, slug="not-yet")
    assert client.get(feedback_url(draft)).status_code == 404
    assert client.post(feedback_url(draft), GOOD).status_code == 404
    assert not Feedback.objects.exists()


def test_feedback_is_kept_waiting_for_moderation_and_the_person_thanked(client, site, provider):
    assert client.get(feedback_url(provider)).status_code == 200
    response = client.post(feedback_url(provider), GOOD)

    assert response.status_code == 302
    assert response["Location"] == reverse("monitoring:feedback_thanks", args=[provider.slug])
    feedback = Feedback.objects.get()
    assert (feedback.provider, feedback.relationship, feedback.rating, feedback.is_complaint) == (
        provider,
        "family",
        4,
        False,
    )
    assert feedback.moderation_status == Feedback.Moderation.PENDING
    assert feedback.from_name == "Sam Patel"
    thanks = client.get(response["Location"]).content.decode()
    assert "Thank you for your feedback" in thanks
    assert "not published" in thanks


def test_feedback_is_never_shown_on_the_profile(client, site, provider):
    MonitoringFeedbackFactory(provider=provider, text="Visible nowhere", moderation_status="approved")
    assert "Visible nowhere" not in client.get(f"/directory/{provider.slug}/").content.decode()


def test_a_complaint_without_a_rating_is_accepted(client, site, provider):
    client.post(feedback_url(provider), {**GOOD, "is_complaint": "yes", "rating": "", "from_name": ""})
    feedback = Feedback.objects.get()
    assert feedback.is_complaint
    assert feedback.rating is None
    assert feedback.from_name == ""


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": ""}, "Enter your feedback."),
        ({"text": "Bad"}, "Your feedback must be at least 10 characters."),
        ({"text": "x" * 2001}, "Your feedback must be 2,000 characters or fewer."),
        ({"relationship": "landlord"}, "Choose how you know this service."),
        ({"relationship": ""}, "Choose how you know this service."),
        ({"is_complaint": ""}, "Say whether this is a complaint."),
        ({"rating": "11"}, "Choose a rating from 1 to 5"),
        ({"from_name": "n" * 201}, "Your name must be 200 characters or fewer."),
    ],
)
def test_bad_input_gets_an_error_summary_and_keeps_what_was_typed(client, site, provider, changes, message):
    response = client.post(feedback_url(provider), {**GOOD, **changes})

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert "<title>Error:" in page
    if "text" not in changes:
        assert "My mum looks forward to every visit.</textarea>" in page
    if "from_name" not in changes:
        assert 'value="Sam Patel"' in page
    assert not Feedback.objects.exists()


def test_the_error_summary_links_to_the_field_at_fault(client, site, provider):
    page = client.post(feedback_url(provider), {**GOOD, "relationship": ""}).content.decode()
    assert '<a href="#relationship">Choose how you know this service.</a>' in page
    assert 'id="relationship"' in page


def test_a_robot_that_fills_the_hidden_field_is_thanked_and_forgotten(client, site, provider):
    response = client.post(feedback_url(provider), {**GOOD, "website": "http://cheap-pills.example"})
    assert response.status_code == 302
    assert response["Location"] == reverse("monitoring:feedback_thanks", args=[provider.slug])
    assert not Feedback.objects.exists()


def test_one_address_is_limited_to_a_few_sends_an_hour(client, site, provider):
    for _ in range(FEEDBACK_LIMIT_PER_HOUR):
        assert client.post(feedback_url(provider), GOOD).status_code == 302
    response = client.post(feedback_url(provider), GOOD)

    assert response.status_code == 429
    assert "You have sent a lot of feedback from this connection" in response.content.decode()
    assert Feedback.objects.count() == FEEDBACK_LIMIT_PER_HOUR
    other = client.post(feedback_url(provider), GOOD, REMOTE_ADDR="192.0.2.44")
    assert other.status_code == 302, "another address is not limited"


def test_the_form_page_passes_without_javascript_markup_checks(client, site, provider):
    page = client.get(feedback_url(provider)).content.decode()
    assert "novalidate" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'tabindex="-1"' in page, "the hidden field is out of the tab order"


# Moderation ------------------------------------------------------------------------


def test_approving_feedback_records_who_and_when(provider, commissioner_user):
    feedback = MonitoringFeedbackFactory(provider=provider, is_complaint=True)
    services.feedback_moderate(feedback=feedback, by=commissioner_user, decision="approved")
    feedback.refresh_from_db()
    assert feedback.moderation_status == Feedback.Moderation.APPROVED
    assert feedback.moderated_by == commissioner_user
    assert feedback.moderated_at is not None


def test_rejecting_feedback_needs_a_reason(provider, commissioner_user):
    feedback = MonitoringFeedbackFactory(provider=provider)
    with pytest.raises(MonitoringError, match="reason for rejecting"):
        services.feedback_moderate(feedback=feedback, by=commissioner_user, decision="rejected", reason=" ")
    services.feedback_moderate(
        feedback=feedback, by=commissioner_user, decision="rejected", reason="Names a member of staff"
    )
    feedback.refresh_from_db()
    assert (feedback.moderation_status, feedback.moderation_reason) == ("rejected", "Names a member of staff")


def test_feedback_is_moderated_once(provider, commissioner_user):
    feedback = MonitoringFeedbackFactory(provider=provider, moderation_status="approved")
    with pytest.raises(MonitoringError, match="already approved"):
        services.feedback_moderate(feedback=feedback, by=commissioner_user, decision="rejected", reason="Oops")


def test_the_service_refuses_what_the_form_would(provider):
    with pytest.raises(MonitoringError, match="at least 10 characters"):
        services.feedback_submit(provider=provider, text="  short   ", relationship="family")
    with pytest.raises(MonitoringError, match="from 1 to 5"):
        services.feedback_submit(provider=provider, text="Long enough text", relationship="family", rating=6)
    with pytest.raises(MonitoringError, match="in the directory"):
        services.feedback_submit(
            provider=ProviderFactory(status=Provider.Status.SUSPENDED), text="Long enough text", relationship="family"
        )
