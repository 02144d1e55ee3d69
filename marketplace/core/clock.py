"""What time it is, for services that can be told which day it is.

Scheduled jobs and commands take a `today` (`--today` moves a command's clock),
and tests pass one. A service told the day must not also read the real clock,
or what it records (a decision's time beside its date) would disagree with
itself. `moment_on(today)` is the one place that turns "the day it is" into
the time a service records.
"""

from datetime import date, datetime, time

from django.utils import timezone

# A service told only the day records its acts at noon, local time: the same
# calendar day in every time zone the United Kingdom uses.
NOON = time(12, 0)


def moment_on(today: date | None = None) -> datetime:
    """The real time now, or, when the service was told the day, noon (local time) on that day."""
    if today is None:
        return timezone.now()
    return timezone.make_aware(datetime.combine(today, NOON))
