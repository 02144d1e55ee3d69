"""Run the daily vetting expiry job now: reminders, expired checks, lapsed accreditations.

    python manage.py accreditation_expiry_sweep
    python manage.py accreditation_expiry_sweep --today 2027-03-01   # as if it were that day
    python manage.py accreditation_expiry_sweep --report             # also list what expires in 30 days

The same job runs every morning at 06:00 from Celery beat (in every mode,
including `make run`); it is idempotent, so running it again sends nothing twice.
"""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from marketplace.accreditation.selectors import check_label, checks_expiring_within
from marketplace.accreditation.services import expiry_sweep
from marketplace.core.services import scheduled_job_record_run


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--today must be a date like 2027-03-01, not “{value}”") from error


class Command(BaseCommand):
    help = "Send vetting expiry reminders, expire checks past their date and lapse accreditations that no longer hold."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=str, help="Run as if today were this date (YYYY-MM-DD)")
        parser.add_argument("--report", action="store_true", help="List the checks expiring in the next 30 days")

    def handle(self, *args: Any, **options: Any) -> None:
        today = parse_day(options["today"]) if options["today"] else None
        summary = expiry_sweep(today=today)
        if today is None:
            scheduled_job_record_run(name="accreditation-expiry-sweep", result=str(summary))
        self.stdout.write(str(summary))
        if options["report"]:
            expiring = checks_expiring_within(days=30, today=today)
            self.stdout.write(f"\nExpiring in the next 30 days: {expiring.count()}")
            for check in expiring:
                self.stdout.write(f"{check.expires_on:%Y-%m-%d}  {check.provider.name}  {check_label(check)}")
