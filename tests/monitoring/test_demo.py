"""The demo county's monitoring records (marketplace/demo/monitoring.py)."""

from datetime import date

import pytest

from marketplace.demo.builder import demo_county_build
from marketplace.monitoring.models import (
    Action,
    Arrangement,
    ArrangementMembership,
    Feedback,
    MonitoringVisit,
    RatingDecision,
)
from marketplace.monitoring.rating import overall_rating
from marketplace.monitoring.schedule import monitoring_schedule
from marketplace.providers.models import ProviderMembership

TODAY = date(2026, 11, 23)

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(db):
    demo_county_build(scale=0.1, seed=7, today=TODAY)


def test_the_demo_has_the_councils_arrangements_with_members(county):
    assert set(Arrangement.objects.values_list("slug", flat=True)) == {
        "home-care-framework",
        "day-services-list",
        "direct-payment-accredited-list",
        "spot-contracts",
    }
    framework = ArrangementMembership.objects.filter(arrangement__slug="home-care-framework")
    assert framework.exists()
    assert set(framework.values_list("provider__kind", flat=True)) == {"home_care_agency"}
    accredited = ArrangementMembership.objects.filter(arrangement__slug="direct-payment-accredited-list")
    assert not accredited.filter(provider__is_accredited=False).exists()


def test_decided_visits_follow_the_rating_rule_have_their_decisions_and_spread_like_a_county(county):
    decided = MonitoringVisit.objects.decided()
    assert decided.count() > 20
    for visit in decided:
        assert visit.overall_rating == overall_rating(visit.domain_ratings).rating
        kinds = set(visit.rating_decisions.values_list("kind", flat=True))
        assert RatingDecision.Kind.FINALISED in kinds
        assert (RatingDecision.Kind.PUBLISHED in kinds) == visit.is_published
    assert not MonitoringVisit.objects.filter(status="draft").exclude(overall_rating="").exists()

    ratings = list(decided.values_list("overall_rating", flat=True))
    good_share = ratings.count("good") / len(ratings)
    assert 0.4 < good_share < 0.8
    assert "poor" in ratings
    assert "excellent" in ratings


def test_action_plans_follow_weak_visits_and_some_actions_visits_and_feedback_wait(county):
    assert not Action.objects.filter(visit__overall_rating="excellent").exists()
    assert Action.objects.filter(visit__overall_rating="poor").exists()
    overdue = [action for action in Action.objects.select_related("visit") if action.is_overdue(TODAY)]
    assert overdue
    assert Action.objects.exclude(provider_response="").exists()

    rows = monitoring_schedule(today=TODAY)
    assert any(row.is_overdue for row in rows)
    assert any(not row.is_overdue for row in rows)
    assert Feedback.objects.filter(moderation_status="pending").exists()
    assert Feedback.objects.filter(is_complaint=True).exists()


def test_the_demo_provider_login_has_open_actions_to_answer(county):
    provider = ProviderMembership.objects.get(user__email="provider@demo.example").provider
    visit = MonitoringVisit.objects.published().filter(provider=provider).order_by("-visited_on").first()
    assert visit is not None
    actions = list(visit.actions.all())
    assert len(actions) >= 2
    assert all(action.status == Action.Status.OPEN for action in actions)
    assert any(action.is_overdue(TODAY) for action in actions)


def test_feedback_fits_the_kind_of_provider(county):
    """No group sessions or minibus on a personal assistant; no "carers" (a team) on one either."""
    feedback = Feedback.objects.select_related("provider")
    by_kind: dict[str, list[str]] = {}
    for item in feedback:
        by_kind.setdefault(item.provider.kind, []).append(item.text.lower())
    assert by_kind.get("personal_assistant")
    for text in by_kind["personal_assistant"]:
        assert not any(word in text for word in ("group", "minibus", "session", "carers", "staff")), text
    for kind, texts in by_kind.items():
        if kind != "day_service":
            assert not any("group" in text or "minibus" in text for text in texts), kind
