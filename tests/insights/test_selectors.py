"""The dashboard's counts equal the records behind them, in a fixed number of queries."""

import datetime

import pytest

from marketplace.accreditation.models import Accreditation, ProviderCheck
from marketplace.accreditation.selectors import checks_expiring_within
from marketplace.contingency.models import FlagLevelChange
from marketplace.insights import selectors
from marketplace.providers.models import Provider
from tests.factories import ContingencyFlagFactory, ProviderCheckFactory, ProviderFactory, WorkerFactory
from tests.insights.conftest import TODAY, accreditation, arrangement, decided_visit, member

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def test_accreditation_pipeline_counts_every_provider_once_by_status(django_assert_num_queries):
    never_applied = ProviderFactory.create_batch(2)
    accreditation(ProviderFactory(), Accreditation.Status.NOT_APPLIED)
    accreditation(ProviderFactory(), Accreditation.Status.APPLIED, applied_on=TODAY - 3 * DAY)
    oldest = accreditation(ProviderFactory(), Accreditation.Status.APPLIED, applied_on=TODAY - 20 * DAY)
    for status in ["accredited", "accredited", "accredited", "refused", "suspended", "lapsed", "lapsed"]:
        accreditation(ProviderFactory(), status)

    with django_assert_num_queries(2):
        pipeline = selectors.accreditation_pipeline(today=TODAY)

    assert pipeline.tally.as_dict() == {
        "not_applied": len(never_applied) + 1,
        "applied": 2,
        "accredited": 3,
        "refused": 1,
        "suspended": 1,
        "lapsed": 2,
    }
    assert pipeline.tally.total == Provider.objects.count() == 12
    assert pipeline.waiting_count == 2
    assert pipeline.oldest_waiting_days == 20
    # The longest wait is the report's: its first row, the oldest application.
    rows = selectors.accreditation_rows(status="applied", today=TODAY)
    assert (rows[0].provider_id, rows[0].days_waiting) == (oldest.provider_id, 20)


def test_the_longest_wait_reads_no_application_and_counts_an_undated_one_as_today(django_assert_num_queries):
    assert selectors.accreditation_pipeline(today=TODAY).oldest_waiting_days is None
    accreditation(ProviderFactory(), Accreditation.Status.APPLIED)  # no date: 0 days, as in the report
    assert selectors.accreditation_pipeline(today=TODAY).oldest_waiting_days == 0
    for days in range(30):
        accreditation(ProviderFactory(), Accreditation.Status.APPLIED, applied_on=TODAY - days * DAY)
    with django_assert_num_queries(2):
        pipeline = selectors.accreditation_pipeline(today=TODAY)
    assert pipeline.oldest_waiting_days == 29
    assert pipeline.waiting_count == 31
    assert max(row.days_waiting or 0 for row in selectors.accreditation_rows(status="applied", today=TODAY)) == 29


def test_accreditation_rows_list_waiting_applications_first_oldest_first():
    newer = accreditation(ProviderFactory(name="Newer"), Accreditation.Status.APPLIED, applied_on=TODAY - 2 * DAY)
    older = accreditation(ProviderFactory(name="Older"), Accreditation.Status.APPLIED, applied_on=TODAY - 9 * DAY)
    ProviderFactory(name="Aardvark Care")

    rows = selectors.accreditation_rows(today=TODAY)
    assert [row.provider_id for row in rows[:2]] == [older.provider_id, newer.provider_id]
    assert [row.days_waiting for row in rows] == [9, 2, None]
    assert [row.provider_name for row in selectors.accreditation_rows(status="not_applied")] == ["Aardvark Care"]


def test_expiring_checks_are_the_accreditation_reports_and_expired_ones_only_required(django_assert_num_queries):
    pa = ProviderFactory()
    ProviderCheckFactory(provider=pa, code="enhanced-dbs", status="verified", expires_on=TODAY + 10 * DAY)
    ProviderCheckFactory(provider=pa, code="reference-1", status="submitted", expires_on=TODAY + 30 * DAY)
    ProviderCheckFactory(provider=pa, code="right-to-work", status="verified", expires_on=TODAY + 31 * DAY)
    ProviderCheckFactory(provider=pa, code="first-aid-training", status="expired", expires_on=TODAY - 5 * DAY)
    # Verified but out of date: the nightly sweep has not marked it expired yet.
    ProviderCheckFactory(provider=pa, code="reference-2", status="verified", expires_on=TODAY - DAY)
    # Expiring, as the accreditation app's report lists it, even if a personal assistant need not have it.
    ProviderCheckFactory(provider=pa, code="fire-risk-assessment", status="verified", expires_on=TODAY + 5 * DAY)
    # Not counted: a rejected check, an expired check that is not required or belongs to a withdrawn provider,
    # and the check of a worker who has left.
    ProviderCheckFactory(provider=pa, code="safeguarding-adults-training", status="rejected", expires_on=TODAY)
    ProviderCheckFactory(provider=pa, code="employers-liability-insurance", status="expired", expires_on=TODAY - DAY)
    withdrawn = ProviderFactory(status=Provider.Status.WITHDRAWN)
    ProviderCheckFactory(provider=withdrawn, code="enhanced-dbs", status="expired", expires_on=TODAY - DAY)
    gone = WorkerFactory(is_active=False)
    ProviderCheckFactory(
        provider=gone.provider, worker=gone, code="enhanced-dbs", status="verified", expires_on=TODAY + DAY
    )
    # A current worker's check counts.
    worker = WorkerFactory()
    ProviderCheckFactory(
        provider=worker.provider, worker=worker, code="enhanced-dbs", status="verified", expires_on=TODAY + 2 * DAY
    )

    # Marked expired by the nightly sweep and its date since moved on: expired all the same, 0 days ago.
    ProviderCheckFactory(provider=pa, code="public-liability-insurance", status="expired", expires_on=TODAY + DAY)

    with django_assert_num_queries(2):
        checks = selectors.check_expiry(today=TODAY, within_days=30)

    assert (checks.expiring_count, checks.expired_count) == (4, 3)
    # Expiring in 2 and 5 days, in 10, and in 30.
    assert (checks.within_7_days, checks.within_8_to_14_days, checks.after_14_days) == (2, 1, 1)
    assert checks.expiring_count == checks_expiring_within(days=30, today=TODAY).count()

    with django_assert_num_queries(1):
        expired = selectors.expired_check_rows(today=TODAY)
    assert len(expired) == checks.expired_count
    assert [(row.status, row.days_ago) for row in expired] == [("Expired", 5), ("Verified", 1), ("Expired", 0)]


def test_the_checks_counts_take_two_queries_whatever_the_number_of_checks(django_assert_num_queries):
    for index in range(20):
        ProviderCheckFactory(code="enhanced-dbs", status="verified", expires_on=TODAY + (index - 10) * DAY)
    with django_assert_num_queries(2):
        checks = selectors.check_expiry(today=TODAY, within_days=30)
    assert (checks.expired_count, checks.expiring_count) == (10, 10)
    assert (checks.within_7_days, checks.within_8_to_14_days) == (8, 2)


def test_cqc_ratings_distribution_counts_published_providers(django_assert_num_queries):
    for rating in ["good", "good", "outstanding", "inadequate"]:
        ProviderFactory(cqc_rating=rating, cqc_location_id="1-100")
    ProviderFactory(cqc_rating="good", status=Provider.Status.DRAFT)
    ProviderFactory(cqc_location_id="1-200")  # registered, not rated yet
    ProviderFactory()  # not registered

    with django_assert_num_queries(2):
        ratings = selectors.ratings_distribution()
    tally, unrated = ratings.cqc, ratings.cqc_unrated_registered
    assert tally.as_dict() == {"outstanding": 1, "good": 2, "requires_improvement": 0, "inadequate": 1}
    assert unrated == 1
    for item in tally.counts:  # each bar links to the ratings report filtered to it
        assert len(selectors.rating_rows(cqc_rating=item.key)) == item.count


def test_monitoring_ratings_use_each_providers_latest_decided_visit(django_assert_num_queries):
    improved, steady, unvisited = ProviderFactory.create_batch(3)
    decided_visit(improved, visited_on=TODAY - 200 * DAY, overall="poor")
    decided_visit(improved, visited_on=TODAY - 20 * DAY, overall="good", status="published")
    decided_visit(steady, visited_on=TODAY - 50 * DAY, overall="good")
    decided_visit(steady, visited_on=TODAY - 5 * DAY, overall="excellent", status="draft")  # not decided yet

    # Not published: the ratings report the chart links to lists published providers only.
    decided_visit(ProviderFactory(status=Provider.Status.DRAFT), visited_on=TODAY - 9 * DAY, overall="good")
    decided_visit(ProviderFactory(status=Provider.Status.WITHDRAWN), visited_on=TODAY - 9 * DAY, overall="poor")
    # A decided visit without an overall rating is not counted.
    unrated = ProviderFactory()
    decided_visit(unrated, visited_on=TODAY - 9 * DAY, overall="")

    with django_assert_num_queries(2):
        tally = selectors.ratings_distribution().monitoring
    assert tally.as_dict() == {"excellent": 0, "good": 2, "requires_improvement": 0, "poor": 0}
    for item in tally.counts:
        assert len(selectors.rating_rows(monitoring_rating=item.key)) == item.count

    rows = {row.provider_id: row for row in selectors.rating_rows()}
    assert rows[improved.pk].monitoring_rating == "Good"
    assert rows[unvisited.pk].monitoring_rating == ""
    none = {row.provider_id for row in selectors.rating_rows(monitoring_rating="none")}
    assert none == {unvisited.pk, unrated.pk}


def test_monitoring_due_and_overdue_read_the_monitoring_schedule(django_assert_num_queries):
    from marketplace.monitoring.schedule import monitoring_due

    framework = arrangement(monitoring_frequency_months=12)
    overdue = ProviderFactory(name="Overdue")
    member(overdue, framework, since=TODAY - 700 * DAY)
    decided_visit(overdue, visited_on=TODAY - 400 * DAY, overall="good")  # due 12 months later: past
    long_overdue = ProviderFactory(name="Long overdue")
    member(long_overdue, framework, since=TODAY - 900 * DAY)
    decided_visit(long_overdue, visited_on=TODAY - 500 * DAY, overall="good")  # over 90 days past
    due_soon = ProviderFactory(name="Due soon")
    member(due_soon, framework, since=TODAY - 700 * DAY)
    decided_visit(due_soon, visited_on=datetime.date(2025, 4, 1), overall="good")  # due 1 April 2026
    due_today = ProviderFactory(name="Due today")
    member(due_today, framework, since=TODAY - 700 * DAY)
    decided_visit(due_today, visited_on=datetime.date(2025, 3, 16), overall="good")  # due today: not overdue
    never_visited = ProviderFactory(name="Never visited")
    member(never_visited, framework, since=TODAY - 10 * DAY)  # due from the day it joined: overdue
    fine = ProviderFactory(name="Recently visited")
    member(fine, framework, since=TODAY - 700 * DAY)
    decided_visit(fine, visited_on=TODAY - 30 * DAY, overall="good")
    ProviderFactory(name="Not on any arrangement")

    with django_assert_num_queries(4):  # memberships, visits, complaints, lapsed checks: no provider loaded
        monitoring = selectors.monitoring_due_and_overdue(today=TODAY, within_days=30)

    assert (monitoring.overdue_count, monitoring.long_overdue_count, monitoring.due_count) == (3, 1, 2)
    # The same as the rows of the monitoring app's report (due soon or overdue).
    rows = monitoring_due(today=TODAY, within_days=30)
    assert [row.provider.name for row in rows] == [
        "Long overdue",
        "Overdue",
        "Never visited",
        "Due today",
        "Due soon",
    ]
    assert monitoring.overdue_count == sum(1 for row in rows if row.is_overdue)
    assert monitoring.long_overdue_count == sum(1 for row in rows if row.days_overdue > 90)
    assert monitoring.due_count == sum(1 for row in rows if not row.is_overdue)


def test_open_flags_by_level_leave_closed_flags_out(django_assert_num_queries):
    ContingencyFlagFactory(level="watch")
    ContingencyFlagFactory(level="watch")
    ContingencyFlagFactory(level="at_risk")
    failing = ContingencyFlagFactory(level="failing")
    closed = ContingencyFlagFactory(level="at_risk")
    closed.closed_at = closed.opened_at
    closed.level = "closed"
    closed.save()

    with django_assert_num_queries(2):
        flags = selectors.open_flags_by_level(today=TODAY)

    assert flags.tally.as_dict() == {"watch": 2, "at_risk": 1, "failing": 1, "failed": 0}
    assert flags.at_risk_or_worse == 2
    assert flags.rows[0].flag_id == failing.pk
    with django_assert_num_queries(1):
        counts = selectors.open_flags_by_level(today=TODAY, with_rows=False)
    assert (counts.tally, counts.at_risk_or_worse, counts.rows) == (flags.tally, 2, ())
    assert FlagLevelChange.objects.count() == 5  # the factory recorded each opening


def test_selectors_answer_on_an_empty_database():
    assert selectors.accreditation_pipeline().tally.total == 0
    assert selectors.check_expiry(today=TODAY).expiring_count == selectors.check_expiry(today=TODAY).expired_count == 0
    assert selectors.expired_check_rows(today=TODAY) == ()
    assert selectors.open_flags_by_level().tally.total == 0
    assert selectors.monitoring_due_and_overdue(today=TODAY).due_count == 0
    assert selectors.ratings_distribution().monitoring.total == 0
    assert ProviderCheck.objects.count() == 0
