from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from marketplace.core.clock import moment_on

LONDON = ZoneInfo("Europe/London")


def test_told_the_day_the_moment_is_noon_that_day_whatever_the_real_clock_says():
    with time_machine.travel(datetime(2030, 1, 1, 23, 59, tzinfo=LONDON), tick=False):
        moment = moment_on(date(2028, 2, 29))
    assert moment == datetime(2028, 2, 29, 12, 0, tzinfo=LONDON)
    assert timezone.localdate(moment) == date(2028, 2, 29)


def test_on_the_days_the_clocks_change_noon_is_still_that_day_in_london():
    assert moment_on(date(2027, 3, 28)).astimezone(LONDON) == datetime(2027, 3, 28, 12, 0, tzinfo=LONDON)
    assert moment_on(date(2027, 10, 31)).astimezone(LONDON) == datetime(2027, 10, 31, 12, 0, tzinfo=LONDON)


def test_not_told_the_day_the_moment_is_the_real_clock():
    real = datetime(2026, 7, 4, 8, 15, tzinfo=LONDON)
    with time_machine.travel(real, tick=False):
        assert moment_on() == real
