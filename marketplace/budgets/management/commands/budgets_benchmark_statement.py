"""Time building a 52-week statement (the rows, the CSV and the PDF) for the holder with the longest ledger.

    python manage.py budgets_benchmark_statement [--weeks 52] [--repeat 5] [--holder <uuid>]

Prints the number of movements and the median time of each part: the rows (two queries), the CSV,
the PDF, and an empty PDF (the shared PDF builder's fixed cost, which is most of the PDF's time).
"""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from django.utils import timezone

from marketplace.accounts.models import DirectPaymentHolder
from marketplace.budgets.selectors import holder_statement
from marketplace.budgets.views import statement_build_seconds


class Command(BaseCommand):
    help = "Time building a 52-week direct payment statement (rows, CSV and PDF)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--weeks", type=int, default=52)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--holder", help="The holder's uuid (default: the one with the most movements)")

    def handle(self, *args: Any, **options: Any) -> None:
        holders = DirectPaymentHolder.objects.annotate(movements=Count("ledger")).order_by("-movements", "pk")
        holder = holders.filter(uuid=options["holder"]).first() if options["holder"] else holders.first()
        if holder is None:
            raise CommandError("No holder with a ledger: build the demo first (make demo or manage.py demo_data).")
        end = timezone.localdate()
        weeks = max(1, min(options["weeks"], 520))
        seconds = statement_build_seconds(holder, end=end, weeks=weeks, repeat=max(1, options["repeat"]))
        lines = len(holder_statement(holder, start=end - timedelta(weeks=weeks) + timedelta(days=1), end=end).lines)
        parts = ", ".join(f"{name} {value * 1000:.1f} ms" for name, value in seconds.items())
        self.stdout.write(
            f"{weeks}-week statement for {holder.display_name}: {lines} movements; "
            f"median of {options['repeat']} runs: {parts}"
        )
