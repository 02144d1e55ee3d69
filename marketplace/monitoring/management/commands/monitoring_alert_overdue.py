"""Email commissioners the providers whose monitoring visit is overdue (as the daily job does).

    python manage.py monitoring_alert_overdue                    # as of today
    python manage.py monitoring_alert_overdue --today 2027-03-01 # as if it were that day

A provider already alerted in the last seven days is left out, so running it
twice sends nothing new.
"""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from marketplace.monitoring.services import monitoring_alert_overdue


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--today must be a date like 2027-03-01, not “{value}”.") from error


class Command(BaseCommand):
    help = "Email commissioners the providers overdue a monitoring visit, each at most once a week."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="Run as if it were this date (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = _date(options["today"]) if options["today"] else None
        alerted = monitoring_alert_overdue(today=today)
        if alerted:
            self.stdout.write(f"Alerted commissioners to {alerted} provider{'s' if alerted != 1 else ''} overdue.")
        else:
            self.stdout.write("No provider newly overdue for monitoring: no email sent.")
