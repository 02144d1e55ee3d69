"""Approve overdue timesheet entries by hand (as beat does each morning).

    python manage.py approve_overdue_timesheets                    # as of today
    python manage.py approve_overdue_timesheets --today 2027-03-01 # as if it were that day

An entry nobody approved or queried by its decide-by day (the site setting's
days after it was recorded) is approved automatically; running it twice
approves nothing new.
"""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from marketplace.agreements.tasks import approve_overdue


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--today must be a date like 2027-03-01, not “{value}”.") from error


class Command(BaseCommand):
    help = "Approve timesheet entries nobody approved or queried in time."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="Run as if it were this date (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = _date(options["today"]) if options["today"] else None
        self.stdout.write(f"{approve_overdue(today=today)} entries approved automatically")
