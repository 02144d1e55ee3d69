"""One fixed moment for tests that need "now", so that none depends on the day it runs.

A Tuesday in March, at ten in the morning in London: clear of month ends, leap
days and the clock changes. Tests that need a particular date (a leap day, a
change of British Summer Time) travel there themselves.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

FIXED_NOW = datetime(2026, 3, 17, 10, 0, tzinfo=ZoneInfo("Europe/London"))
FIXED_TODAY: date = FIXED_NOW.date()
