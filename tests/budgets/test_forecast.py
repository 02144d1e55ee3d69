"""The forecast, the 4-week commitment and the surplus warning on known small worlds, on any day.

Every test passes its own `today`; the days include a leap day, the clocks
changing and the turn of a year.
"""

from datetime import date, timedelta

import pytest

from marketplace.budgets import selectors, services
from marketplace.budgets.models import BudgetSettings
from tests.factories import AgreementFactory

from .conftest import moment

pytestmark = pytest.mark.django_db

DAYS = [date(2028, 2, 29), date(2026, 3, 29), date(2026, 10, 25), date(2026, 12, 31)]


def world(holder, today, *, council=100_000, start_days_ago=27, hours="10.00", rate=1500, topup=0):
    """A budget whose next payment is tomorrow (start_days_ago=27), and one live agreement started a month ago."""
    services.budget_set(
        holder=holder,
        starts_on=today - timedelta(days=start_days_ago),
        council_payment_pence=council,
        by=None,
        now=moment(today),
    )
    services.scheduled_payments_post(today=today, now=moment(today))
    AgreementFactory(
        holder=holder,
        version__units_per_week=hours,
        version__rate_pence=rate,
        version__topup_pence=topup,
        version__start_on=today - timedelta(days=30),
    )


@pytest.mark.parametrize("today", DAYS)
def test_commitment_and_forecast_week_by_week(holder, site, today):
    world(holder, today, topup=100)
    forecast = selectors.holder_forecast(holder, today=today, weeks=8)
    # £15 an hour for 10 hours, £1 an hour of it from own money: £140 + £10 a week, 4 weeks.
    assert (forecast.committed_council, forecast.committed_own) == (4 * 14_000, 4 * 1_000)
    assert forecast.balances.direct_payment == 100_000  # the first payment, 27 days ago
    # Week 1 holds tomorrow's payment; week 5 the one 28 days later.
    expected = 100_000
    for week in forecast.weeks:
        expected += (100_000 if week.number in (1, 5) else 0) - 14_000
        assert week.direct_payment == expected
        assert week.own_money == -1_000 * week.number
    assert [week.starts_on for week in forecast.weeks][:2] == [today, today + timedelta(days=7)]


@pytest.mark.parametrize("today", DAYS)
def test_no_surplus_warning_while_the_balance_stays_under_8_weeks_of_budget(holder, site, today):
    world(holder, today, hours="16.00")  # £240 a week out, £1,000 every 4 weeks in
    forecast = selectors.holder_forecast(holder, today=today, weeks=12)
    assert forecast.threshold == 200_000
    assert not forecast.surplus_warning
    assert forecast.weeks[-1].direct_payment == 100_000 + 3 * 100_000 - 12 * 24_000


@pytest.mark.parametrize("today", DAYS)
def test_a_surplus_warning_names_the_week_the_balance_goes_over(holder, site, today):
    # Only 1 hour a week agreed: £15 a week out, £1,000 in every 4 weeks.
    world(holder, today, hours="1.00")
    forecast = selectors.holder_forecast(holder, today=today, weeks=12)
    assert not forecast.is_over_threshold_now
    week = forecast.first_week_over
    assert week is not None
    # 100,000 + 100,000 (week 1) - 1,500 a week: 198,500 after week 1; +100,000 in week 5 -> over.
    assert week.number == 5
    assert forecast.surplus_above_threshold == week.direct_payment - 200_000


def test_the_threshold_follows_the_site_setting(holder, site):
    today = date(2026, 3, 10)
    settings = BudgetSettings.for_site(site)
    settings.surplus_weeks = 4
    settings.save()
    world(holder, today, hours="1.00")
    forecast = selectors.holder_forecast(holder, today=today, weeks=4)
    assert forecast.threshold == 100_000
    assert forecast.first_week_over is not None
    assert forecast.first_week_over.number == 1


def test_an_agreement_starting_later_is_committed_only_from_its_start(holder, site):
    today = date(2026, 3, 10)
    AgreementFactory(holder=holder, version__start_on=today + timedelta(days=14), version__rate_pence=2000)
    forecast = selectors.holder_forecast(holder, today=today, weeks=4)
    assert [week.committed_council for week in forecast.weeks] == [0, 0, 20_000, 20_000]


def test_a_holder_without_a_budget_has_no_threshold_and_no_warning(holder, site):
    forecast = selectors.holder_forecast(holder, today=date(2026, 3, 10))
    assert forecast.threshold is None
    assert not forecast.surplus_warning
    assert forecast.balances == selectors.Balances(0, 0)
