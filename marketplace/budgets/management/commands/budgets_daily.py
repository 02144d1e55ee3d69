"""Run the budgets' daily job by hand (as beat does each morning).

    python manage.py budgets_daily                    # as of today
    python manage.py budgets_daily --today 2027-03-01 # as if it were that day

Posts the council's scheduled payments (and contributions) due on or before
the day, posts invoices marked paid elsewhere, and emails insurance renewal
reminders. Each payment has a source key, so running it twice posts nothing new.
"""

from datetime import date, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from marketplace.budgets.services import budgets_daily


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--today must be a date like 2027-03-01, not “{value}”.") from error


class Command(BaseCommand):
    help = "Post scheduled direct payments and paid invoices to the ledger; remind about employer's insurance."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="Run as if it were this date (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = _date(options["today"]) if options["today"] else None
        now = timezone.make_aware(datetime.combine(today, time(6, 45))) if today else None
        self.stdout.write(str(budgets_daily(today=today, now=now)))
