"""Run the adverts' daily job by hand (as beat does each morning).

    python manage.py adverts_daily                    # as of today
    python manage.py adverts_daily --today 2027-03-01 # as if it were that day

Reminds advertisers three days (the site setting) before closing, closes
adverts past their date and emails matching personal assistants about new
adverts. Each step is recorded on the rows, so running it twice sends nothing new.
"""

from datetime import date, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from marketplace.adverts.services import adverts_daily


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--today must be a date like 2027-03-01, not “{value}”.") from error


class Command(BaseCommand):
    help = "Advert reminders, expiry and the daily email of new adverts to matching personal assistants."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="Run as if it were this date (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = _date(options["today"]) if options["today"] else None
        now = timezone.make_aware(datetime.combine(today, time(7, 30))) if today else None
        self.stdout.write(str(adverts_daily(today=today, now=now)))
