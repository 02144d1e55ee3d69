"""Build Wendleshire, the demo county, for trying the service and for benchmarks.

    python manage.py load_demo_data                  # scale 1: about 1,500 listings
    python manage.py load_demo_data --scale 10       # about 16,000 listings
    python manage.py load_demo_data --if-empty       # do nothing if there are providers already
    python manage.py load_demo_data --force          # DELETE every provider, DP holder and demo person, then build

The same --seed and --scale give the same county. The demo logins and their
password are printed at the end.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from marketplace.demo.builder import (
    DEFAULT_SEED,
    DemoDataError,
    demo_county_build,
    planned_provider_counts,
)
from marketplace.providers.models import Provider
from search.versioning import listings_changed


class Command(BaseCommand):
    help = (
        "Build the demo county (Wendleshire): places, about 1,500 providers per unit of --scale, direct payment "
        "holders, council settings, advice pages and one login per role. Refuses when providers exist unless "
        "--force (which deletes every provider, direct payment holder and demo person first); --if-empty makes "
        "it do nothing instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=1.0, help="1 is one county; 10 is ten times the listings")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="The same seed gives the same county")
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--force",
            action="store_true",
            help="Delete every provider, direct payment holder and demo person, then build",
        )
        group.add_argument(
            "--if-empty", action="store_true", help="Do nothing (successfully) when the database has providers"
        )

    def report(self, line: str) -> None:
        """One line per step as it finishes (and every few seconds in the long ones), shown at once."""
        self.stdout.write(line)
        self.stdout.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Provider.objects.exists():
            self.stdout.write("The database already has providers; leaving it as it is.")
            return
        try:
            planned = sum(planned_provider_counts(options["scale"]).values())
            report = None
            if options["verbosity"] > 0:
                self.stdout.write(f"Building the demo county: {planned:,} listings at scale {options['scale']:g}.")
                report = self.report
            result = demo_county_build(
                scale=options["scale"], seed=options["seed"], force=options["force"], report=report
            )
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        # The builder also writes accreditation flags in bulk: one new version covers all of it.
        listings_changed()

        kinds = ", ".join(
            f"{Provider.Kind(kind).label.lower()} {count:,}" for kind, count in result.providers_by_kind.items()
        )
        statuses = ", ".join(
            f"{Provider.Status(status).label.lower()} {count:,}"
            for status, count in sorted(result.providers_by_status.items())
        )
        self.stdout.write(f"Loaded {result.postcodes:,} postcodes and {result.providers:,} providers: {kinds}.")
        self.stdout.write(f"Statuses: {statuses}; {result.accredited:,} accredited.")
        self.stdout.write(
            f"{result.direct_payment_holders:,} direct payment holders, {result.acting_for_links:,} with someone "
            "acting for them."
        )
        self.stdout.write(f"Took {result.seconds:.1f} seconds.")
        if settings.SEARCH_BACKEND != "database":
            self.stdout.write(
                self.style.WARNING("Search uses Elasticsearch: rebuild its index so it holds the new listings.")
            )
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins (all share one password):"))
        width = max(len(login.email) for login in result.logins)
        for login in result.logins:
            self.stdout.write(f"  {login.email.ljust(width)}  {login.role}")
        self.stdout.write(self.style.SUCCESS(f"Password: {result.logins[0].password}"))
