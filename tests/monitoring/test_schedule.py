"""Risk-based scheduling: the pure rule (next_monitoring_due) and the selectors built on it."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from marketplace.accreditation.models import CheckRequirement, CheckType, ProviderCheck
from marketplace.monitoring import services
from marketplace.monitoring.models import DOMAIN_FIELDS, Feedback
from marketplace.monitoring.schedule import (
    ScheduleFacts,
    ScheduleRows,
    add_months,
    due_dates_by_provider,
    monitoring_due,
    monitoring_overdue,
    monitoring_schedule,
    next_monitoring_due,
)
from marketplace.providers.models import Provider
from tests.factories import (
    ArrangementFactory,
    ArrangementMembershipFactory,
    MonitoringFeedbackFactory,
    ProviderFactory,
)

TODAY = date(2027, 3, 15)
LAST_VISIT = date(2026, 6, 10)


def due(**facts) -> date:
    return next_monitoring_due(ScheduleFacts(**{"last_visited_on": LAST_VISIT, **facts}), today=TODAY).due_on


# The pure rule -----------------------------------------------------------------------


def test_add_months_keeps_the_day_or_clamps_it_to_the_end_of_the_month():
    assert add_months(date(2026, 6, 10), 12) == date(2027, 6, 10)
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2027, 3, 15), -6) == date(2026, 9, 15)


def test_never_visited_is_due_from_the_day_it_joined():
    result = next_monitoring_due(ScheduleFacts(member_since=date(2026, 1, 5)), today=TODAY)
    assert result.due_on == date(2026, 1, 5)
    assert result.interval_months is None
    assert result.reasons == ("Never visited: due now",)


def test_leaving_the_reasons_out_gives_the_same_date_and_interval():
    ratings = ["", "poor", "requires_improvement", "good", "excellent"]
    for visited in (None, LAST_VISIT):
        for rating in ratings:
            for cqc in ("", Provider.CqcRating.INADEQUATE, Provider.CqcRating.REQUIRES_IMPROVEMENT):
                for complaints, lapsed in ((0, False), (2, False), (0, True), (1, True)):
                    facts = ScheduleFacts(
                        last_visited_on=visited,
                        last_overall_rating=rating,
                        frequency_months=6,
                        cqc_rating=cqc,
                        approved_complaints_recently=complaints,
                        has_lapsed_required_check=lapsed,
                        member_since=date(2026, 1, 5),
                    )
                    explained = next_monitoring_due(facts, today=TODAY)
                    counted = next_monitoring_due(facts, today=TODAY, explain=False)
                    assert (counted.due_on, counted.interval_months) == (explained.due_on, explained.interval_months)
                    assert counted.reasons == ()
                    assert explained.reasons


def test_never_visited_without_a_start_date_is_due_today():
    assert next_monitoring_due(ScheduleFacts(), today=TODAY).due_on == TODAY


def test_the_base_interval_is_the_arrangement_frequency_after_a_good_visit():
    assert due(last_overall_rating="good") == date(2027, 6, 10)
    assert due(last_overall_rating="good", frequency_months=6) == date(2026, 12, 10)


@pytest.mark.parametrize(
    ("rating", "expected"),
    [
        ("poor", date(2026, 7, 10)),
        ("requires_improvement", date(2026, 9, 10)),
        ("good", date(2027, 6, 10)),
        ("excellent", date(2027, 12, 10)),
    ],
)
def test_the_last_rating_shortens_or_extends_the_interval(rating, expected):
    assert due(last_overall_rating=rating) == expected


def test_excellent_extends_by_half_rounded_down_and_never_below_the_base():
    assert (
        next_monitoring_due(
            ScheduleFacts(last_visited_on=LAST_VISIT, last_overall_rating="excellent", frequency_months=3)
        ).interval_months
        == 4
    )
    assert (
        next_monitoring_due(
            ScheduleFacts(last_visited_on=LAST_VISIT, last_overall_rating="excellent", frequency_months=1)
        ).interval_months
        == 1
    )


def test_a_short_frequency_is_not_lengthened_by_a_requires_improvement_rating():
    assert due(last_overall_rating="requires_improvement", frequency_months=2) == date(2026, 8, 10)


@pytest.mark.parametrize(
    ("facts", "months"),
    [
        ({"cqc_rating": "inadequate"}, 1),
        ({"cqc_rating": "requires_improvement"}, 6),
        ({"cqc_rating": "good"}, 18),
        ({"approved_complaints_recently": 1}, 3),
        ({"has_lapsed_required_check": True}, 1),
        ({"cqc_rating": "requires_improvement", "approved_complaints_recently": 2}, 3),
    ],
)
def test_risks_cap_the_interval_even_after_an_excellent_visit(facts, months):
    result = next_monitoring_due(
        ScheduleFacts(last_visited_on=LAST_VISIT, last_overall_rating="excellent", **facts), today=TODAY
    )
    assert result.interval_months == months
    assert result.due_on == add_months(LAST_VISIT, months)


def test_the_reasons_say_what_shaped_the_date():
    result = next_monitoring_due(
        ScheduleFacts(
            last_visited_on=LAST_VISIT,
            last_overall_rating="requires_improvement",
            approved_complaints_recently=2,
            has_lapsed_required_check=True,
        ),
        today=TODAY,
    )
    assert result.reasons == (
        "Every 12 months under the arrangement",
        "Last rated Requires improvement: within 3 months",
        "2 approved complaints in the last 6 months: within 3 months",
        "A required vetting check has expired: within 1 month",
    )
    assert result.interval_months == 1


# The selectors ------------------------------------------------------------------------


@pytest.fixture
def framework(db):
    return ArrangementFactory(name="Home care framework", slug="home-care", monitoring_frequency_months=12)


def member(framework, **provider_fields):
    provider = ProviderFactory(**provider_fields)
    ArrangementMembershipFactory(arrangement=framework, provider=provider, start_on=date(2025, 4, 1))
    return provider


def row_for(provider, today=TODAY):
    return next(row for row in monitoring_schedule(today=today) if row.provider == provider)


def test_only_providers_on_a_current_arrangement_are_scheduled(framework):
    on_it = member(framework)
    ended = ProviderFactory()
    ArrangementMembershipFactory(arrangement=framework, provider=ended, start_on=date(2025, 4, 1), end_on=TODAY)
    ArrangementMembershipFactory(
        arrangement=framework, provider=ProviderFactory(), start_on=date(2025, 4, 1), end_on=date(2027, 3, 14)
    )
    ArrangementMembershipFactory(arrangement=framework, provider=ProviderFactory(), start_on=date(2027, 3, 16))
    ProviderFactory()  # on no arrangement

    assert {row.provider for row in monitoring_schedule(today=TODAY)} == {on_it, ended}


def test_the_shortest_frequency_of_a_providers_arrangements_applies(framework, make_visit):
    provider = member(framework)
    day_services = ArrangementFactory(name="Day services list", slug="day-services", monitoring_frequency_months=6)
    ArrangementMembershipFactory(arrangement=day_services, provider=provider, start_on=date(2025, 4, 1))
    make_visit(provider=provider, visited_on=LAST_VISIT)

    row = row_for(provider)
    assert row.due_on == date(2026, 12, 10)
    assert row.arrangements == ["Day services list", "Home care framework"]


def test_the_latest_decided_visit_counts_and_drafts_do_not(framework, make_visit):
    provider = member(framework)
    make_visit(provider=provider, visited_on=date(2025, 9, 1), values=("poor",))
    make_visit(provider=provider, stage="finalised", visited_on=LAST_VISIT, values=("excellent",) * 4)
    make_visit(provider=provider, stage="draft", visited_on=date(2027, 3, 1), values=("poor",))

    row = row_for(provider)
    assert (row.last_visited_on, row.last_overall_rating) == (LAST_VISIT, "excellent")
    assert row.due_on == date(2027, 12, 10)


def test_approved_complaints_in_the_last_six_months_bring_the_visit_forward(framework, make_visit):
    provider = member(framework)
    make_visit(provider=provider, visited_on=LAST_VISIT)
    recent = timezone.make_aware(timezone.datetime(2027, 1, 10, 12))
    old = timezone.make_aware(timezone.datetime(2026, 8, 1, 12))
    MonitoringFeedbackFactory(provider=provider, is_complaint=True, submitted_at=recent)  # pending
    MonitoringFeedbackFactory(
        provider=provider, is_complaint=True, submitted_at=recent, moderation_status=Feedback.Moderation.REJECTED
    )
    MonitoringFeedbackFactory(
        provider=provider, is_complaint=True, submitted_at=old, moderation_status=Feedback.Moderation.APPROVED
    )
    MonitoringFeedbackFactory(provider=provider, submitted_at=recent, moderation_status=Feedback.Moderation.APPROVED)
    assert row_for(provider).due_on == date(2027, 6, 10), "pending, rejected, old or non-complaint feedback"

    MonitoringFeedbackFactory(
        provider=provider, is_complaint=True, submitted_at=recent, moderation_status=Feedback.Moderation.APPROVED
    )
    row = row_for(provider)
    assert row.due_on == date(2026, 9, 10)
    assert row.is_overdue
    assert "1 approved complaint in the last 6 months: within 3 months" in row.reasons


def test_an_expired_check_the_providers_kind_requires_brings_the_visit_forward(framework, make_visit):
    provider = member(framework, kind="micro_provider")
    make_visit(provider=provider, visited_on=LAST_VISIT)
    insurance = CheckType.objects.create(code="test-insurance", name="Insurance", public_description="Insured")
    CheckRequirement.objects.create(check_type=insurance, provider_kind="micro_provider")
    hygiene = CheckType.objects.create(code="test-hygiene", name="Hygiene", public_description="Food hygiene")
    CheckRequirement.objects.create(check_type=hygiene, provider_kind="day_service")
    ProviderCheck.objects.create(provider=provider, check_type=hygiene, status=ProviderCheck.Status.EXPIRED)
    assert row_for(provider).due_on == date(2027, 6, 10), "the expired check is not required of a micro-provider"

    ProviderCheck.objects.create(provider=provider, check_type=insurance, status=ProviderCheck.Status.EXPIRED)
    assert row_for(provider).due_on == date(2026, 7, 10)


def test_the_cqc_rating_caps_the_interval(framework, make_visit):
    provider = member(framework, cqc_rating="inadequate")
    make_visit(provider=provider, visited_on=LAST_VISIT, values=("excellent",) * 6)
    assert row_for(provider).due_on == date(2026, 7, 10)


def test_due_within_and_overdue(framework, make_visit):
    overdue = member(framework, name="Overdue")
    make_visit(provider=overdue, visited_on=date(2026, 3, 1))  # due 1 March 2027
    due_soon = member(framework, name="Due soon")
    make_visit(provider=due_soon, visited_on=date(2026, 4, 1))  # due 1 April 2027
    later = member(framework, name="Later")
    make_visit(provider=later, visited_on=date(2026, 10, 1))  # due 1 October 2027
    never = member(framework, name="Never visited")

    assert [row.provider for row in monitoring_overdue(today=TODAY)] == [never, overdue]
    assert [row.provider for row in monitoring_due(today=TODAY, within_days=30)] == [never, overdue, due_soon]
    assert [row.provider for row in monitoring_due(today=TODAY, within_days=0)] == [never, overdue]
    assert row_for(overdue).days_overdue == 14
    assert row_for(due_soon).days_overdue == 0
    assert not row_for(later).is_overdue


def test_the_schedule_runs_a_fixed_number_of_queries(framework, make_visit, django_assert_num_queries):
    # The memberships, the latest visits, the complaints and the lapsed checks, each as plain values for every
    # provider at once, then the names to order by and the rows' providers as the rows are read.
    make_visit(provider=member(framework), visited_on=LAST_VISIT)
    with django_assert_num_queries(6):
        assert len(list(monitoring_schedule(today=TODAY))) == 1
    for _ in range(5):
        make_visit(provider=member(framework), visited_on=LAST_VISIT - timedelta(days=3))
    with django_assert_num_queries(6):
        assert len(list(monitoring_schedule(today=TODAY))) == 6


def test_due_and_overdue_load_only_the_providers_they_list(framework, make_visit, django_assert_num_queries):
    """The dashboard's reads: facts for everyone as plain values, provider rows only for those listed."""
    overdue = member(framework)
    make_visit(provider=overdue, visited_on=TODAY - timedelta(days=800))
    for _ in range(4):
        make_visit(provider=member(framework), visited_on=TODAY - timedelta(days=10))
    with django_assert_num_queries(6):
        rows = list(monitoring_due(today=TODAY, within_days=30))
    assert [row.provider for row in rows] == [overdue]
    with django_assert_num_queries(6):
        assert [row.provider for row in monitoring_overdue(today=TODAY)] == [overdue]


def test_a_report_page_loads_only_the_providers_it_shows(
    framework, make_visit, django_assert_num_queries, monkeypatch
):
    """Rows are read a slice or a chunk at a time, in the schedule's order: by date, then by name."""
    names = ["Oak", "Ash", "Elm", "Birch", "Yew", "Fir", "Hazel"]
    for name in names:  # all due on the same day, so in order of name
        make_visit(provider=member(framework, name=name), visited_on=TODAY - timedelta(days=800))
    member(framework, name="Zephyr")  # never visited: due from the day it joined, before the others
    make_visit(provider=member(framework, name="Aaron"), visited_on=TODAY - timedelta(days=10))  # due next year

    schedule = monitoring_schedule(today=TODAY)
    with django_assert_num_queries(0):
        assert len(schedule) == 9
    with django_assert_num_queries(2):  # the names to order by, then the page's providers
        page = schedule[2:5]
    in_order = [row.provider.name for row in schedule]
    assert in_order == ["Zephyr", *sorted(names), "Aaron"]
    assert [row.provider.name for row in page] == in_order[2:5]
    assert schedule[0].reasons == ("Never visited: due now",)
    assert schedule[-1].provider.name == "Aaron"

    monkeypatch.setattr(ScheduleRows, "CHUNK", 3)
    with django_assert_num_queries(3):  # 9 rows, 3 at a time
        assert [row.provider.name for row in schedule] == in_order
    with django_assert_num_queries(0):
        upcoming = schedule.due_between(first=TODAY)
        assert len(upcoming) == 1
        assert len(schedule.due_between(last=TODAY - timedelta(days=1))) == 8
    assert [row.due_on for row in upcoming] == [add_months(TODAY - timedelta(days=10), 12)]


def test_due_dates_are_those_of_the_schedule_without_loading_providers(
    framework, make_visit, django_assert_num_queries
):
    """The dashboard's counts: each provider's date as the schedule gives it, in four queries whatever the size,
    for every provider on an arrangement or only those named."""
    visited = [member(framework) for _ in range(5)]
    for provider, days in zip(visited, (800, 400, 350, 340, 10), strict=True):
        make_visit(provider=provider, visited_on=TODAY - timedelta(days=days))
    member(framework)  # never visited: due from the day it joined
    ProviderFactory()  # on no arrangement: not scheduled
    with django_assert_num_queries(4):
        dates = due_dates_by_provider(today=TODAY)
    assert dates == {row.provider.pk: row.due_on for row in monitoring_schedule(today=TODAY)}
    assert len(dates) == 6
    assert sorted(dates[provider.pk] for provider in visited) == [
        row.due_on for row in monitoring_schedule(today=TODAY) if row.provider in visited
    ]
    for _ in range(10):
        make_visit(provider=member(framework), visited_on=TODAY - timedelta(days=500))
    with django_assert_num_queries(4):
        assert len(due_dates_by_provider(today=TODAY)) == 16
    with django_assert_num_queries(4):
        assert due_dates_by_provider(today=TODAY, provider_ids=[visited[0].pk, visited[4].pk]) == {
            visited[0].pk: dates[visited[0].pk],
            visited[4].pk: dates[visited[4].pk],
        }
    assert due_dates_by_provider(today=TODAY, provider_ids=[]) == {}


def test_the_schedule_can_be_narrowed_to_some_providers(framework):
    first, second = member(framework), member(framework)

    rows = monitoring_schedule(today=TODAY, providers=Provider.objects.filter(pk=second.pk))
    assert [row.provider for row in rows] == [second]
    assert first not in [row.provider for row in rows]


def test_a_visit_recorded_and_finalised_through_the_services_sets_the_date(framework, commissioner_user):
    provider = member(framework)
    visit = services.visit_record(
        provider=provider,
        visit_type="unannounced",
        visited_on=LAST_VISIT,
        by=commissioner_user,
        ratings=dict.fromkeys(DOMAIN_FIELDS, "requires_improvement"),
        today=TODAY,
    )
    assert row_for(provider).last_visited_on is None, "a draft is not a decided visit"

    services.visit_finalise(visit=visit, by=commissioner_user)
    assert row_for(provider).due_on == date(2026, 9, 10)
