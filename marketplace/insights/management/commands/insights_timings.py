"""Time the dashboard's selectors, the market view and the rural gaps on this database, and print their counts."""

import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

from marketplace.insights import market, selectors


class Command(BaseCommand):
    help = "Run each dashboard panel's selector a few times and print its median time, query count and headline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repeat", type=int, default=5, help="Runs of each selector (the median is printed)")
        parser.add_argument("--miles", type=float, default=market.DEFAULT_GAP_MILES, help="Rural gaps distance")

    def handle(self, *args: Any, **options: Any) -> None:
        service = market.default_gap_service()
        miles = options["miles"]
        panels: list[tuple[str, Callable[[], Any], Callable[[Any], str]]] = [
            (
                "accreditation pipeline",
                selectors.accreditation_pipeline,
                lambda result: f"{result.tally.as_dict()}; oldest waiting {result.oldest_waiting_days} days",
            ),
            (
                "checks expiring and expired",
                selectors.check_expiry,
                lambda result: f"{result.expiring_count} expiring within 30 days, {result.expired_count} expired",
            ),
            (
                "monitoring due and overdue",
                selectors.monitoring_due_and_overdue,
                lambda result: f"{result.due_count} due within 30 days, {result.overdue_count} overdue",
            ),
            (
                "open flags by level",
                lambda: selectors.open_flags_by_level(with_rows=False),
                lambda result: str(result.tally.as_dict()),
            ),
            (
                "ratings",
                selectors.ratings_distribution,
                lambda result: f"CQC {result.cqc.as_dict()}; monitoring {result.monitoring.as_dict()}",
            ),
            (
                "market view",
                market.market_supply,
                lambda result: f"{len(result.cells)} locality and service pairs, {len(result.gaps)} with no supply",
            ),
        ]
        if service is not None:
            panels.append(
                (
                    f"rural gaps ({service.name}, {miles:g} miles)",
                    lambda: market.rural_gaps(service=service, miles=miles),
                    lambda result: (
                        f"{len(result.gaps)} of {result.places_checked} towns and villages, "
                        f"{result.providers_considered} assistants considered"
                    ),
                )
            )
        for name, run, describe in panels:
            timings = []
            for _ in range(max(1, options["repeat"])):
                reset_queries()
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    result = run()
                    timings.append(time.perf_counter() - started)
            median = sorted(timings)[len(timings) // 2]
            self.stdout.write(f"{name}: {median * 1000:.1f} ms median, {len(queries)} queries; {describe(result)}")
