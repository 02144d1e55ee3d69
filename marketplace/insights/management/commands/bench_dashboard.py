"""The commissioners' morning dashboard over HTTP, one request at a time, against a running server.

    python manage.py bench_dashboard --base-url http://127.0.0.1:8123

The dashboard is requested with a commissioner's stored session and its SQL
queries counted in this process with Django's test client against the same
database: ten times with nothing written between (every panel kept), then
five times each just after a provider's edit to a column no panel reads (its
description: every panel stays kept, decision 0062), just after a provider is
renamed (the rural gaps are worked out afresh, decision 0063) and just after a
monitoring visit is published (the schedule and the ratings, the two slowest
panels, work out that visit's provider again, decision 0064); each after one
request to warm the worker.
`scripts/bench.sh` runs it after `bench_pages`, against the same server.
"""

import statistics
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from marketplace.accounts.models import User
from marketplace.accounts.roles import COMMISSIONERS
from marketplace.monitoring.models import MonitoringVisit
from marketplace.providers.models import Provider

BUDGET_MS = 300.0
PATH = "/admin/insights/"
CHANGED = " (changed)"


class Command(BaseCommand):
    help = "Time the commissioners' morning dashboard over HTTP: kept, and just after three kinds of write."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", required=True, help="The running server, like http://127.0.0.1:8123")

    def handle(self, *args: Any, **options: Any) -> None:
        base_url = options["base_url"].rstrip("/")
        commissioner = User.objects.filter(groups__name=COMMISSIONERS, is_active=True).order_by("pk").first()
        if commissioner is None:
            self.stdout.write("Dashboard: no commissioner in the database; skipped")
            return
        if "testserver" not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        client = Client()
        client.force_login(commissioner)
        warming = client.get(PATH)  # the first warms this process
        if warming.status_code != 200:
            self.stdout.write(f"Dashboard: {PATH} answered {warming.status_code}; skipped")
            return
        # The same signed-in session, sent by cookie to the server.
        request = urllib.request.Request(
            base_url + PATH, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={client.session.session_key}"}
        )
        rows: list[tuple[str, Callable[[], None] | None, int]] = [
            ("figures kept", None, 10),
            ("just after a provider's edit to what no panel reads (its description)", edit_a_description, 5),
            ("just after a provider is renamed (the rural gaps read the name)", rename_a_provider, 5),
            ("just after a monitoring visit is published (the schedule and ratings read it)", publish_a_visit, 5),
        ]
        for label, before_each, turns in rows:
            counts = []
            # Three, the first not kept: this process's cache has not seen the writes of the row before, which the
            # server's requests followed, so its first request works out the panels those writes changed too.
            for _ in range(3):
                if before_each:
                    before_each()
                with CaptureQueriesContext(connection) as captured:
                    client.get(PATH)
                counts.append(len(captured))
            counts = counts[1:]
            timings = []
            for turn in range(turns + 1):
                if before_each:
                    before_each()
                started = time.perf_counter()
                with urllib.request.urlopen(request, timeout=60) as answer:
                    answer.read()
                    if answer.status != 200 or answer.url != base_url + PATH:
                        self.stdout.write(f"Dashboard: {PATH} answered {answer.status} at {answer.url}; skipped")
                        return
                if turn:  # the first warms the worker
                    timings.append((time.perf_counter() - started) * 1000)
            median = statistics.median(timings)
            verdict = "met" if median < BUDGET_MS else "NOT met"
            self.stdout.write("")
            self.stdout.write(
                f"Commissioners' dashboard `{PATH}`, {label}, over HTTP: median {median:.0f} ms of {len(timings)} "
                f"(slowest {max(timings):.0f} ms; budget {BUDGET_MS:.0f} ms: {verdict}), "
                f"{counts[-1]} SQL queries (the same every time: {len(set(counts)) == 1})"
            )


def edit_a_description() -> None:
    """A provider's edit to its description, which no panel reads: every panel stays kept (decision 0062)."""
    _change_the_first_provider("description")


def rename_a_provider() -> None:
    """A write to a column the rural gaps read: that panel is worked out afresh (decision 0063)."""
    _change_the_first_provider("name")


def publish_a_visit() -> None:
    """A decided monitoring visit published to the provider (or back to finalised): the schedule and the ratings,
    the two slowest panels, read the visits, so both work that visit's provider out again (decision 0064)."""
    visit = MonitoringVisit.objects.decided().order_by("pk").values("pk", "status").first()
    if visit is None:
        return
    finalised, published = MonitoringVisit.Status.FINALISED, MonitoringVisit.Status.PUBLISHED
    MonitoringVisit.objects.filter(pk=visit["pk"]).update(
        status=finalised if visit["status"] == published else published
    )


def _change_the_first_provider(field_name: str) -> None:
    """Give the first provider's `field_name` another value: with the suffix `CHANGED`, or without it again."""
    provider = Provider.objects.order_by("pk").values("pk", field_name).first()
    if provider is None:
        return
    value = provider[field_name]
    changed = value.removesuffix(CHANGED) if value.endswith(CHANGED) else value + CHANGED
    Provider.objects.filter(pk=provider["pk"]).update(**{field_name: changed})
