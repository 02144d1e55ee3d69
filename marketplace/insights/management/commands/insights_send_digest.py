"""Send the commissioners' morning digest now (the 07:00 job does this every day)."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from marketplace.core.services import scheduled_job_record_run
from marketplace.insights.services import DigestError, insights_digest_send


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--today must be a date like 2026-03-31, not {text!r}") from error


class Command(BaseCommand):
    help = (
        "Email every commissioner what changed since the previous digest. Sends nothing when nothing changed, "
        "and nothing again for a morning already sent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="Run as if it were this morning (YYYY-MM-DD); default: today")

    def handle(self, *args: Any, **options: Any) -> None:
        today = parse_date(options["today"]) if options.get("today") else None
        try:
            run = insights_digest_send(today=today)
        except DigestError as error:
            raise CommandError(str(error)) from error
        result = f"{run.for_date:%Y-%m-%d}: {run.item_count} changes to {run.recipient_count} commissioners"
        scheduled_job_record_run(name="insights-digest", result=result)
        self.stdout.write(f"Digest for {result} ({run.summary}).")
