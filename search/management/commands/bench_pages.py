"""Whole pages over HTTP: a bounded wrk load against a running server, beside the server's floor.

    python manage.py bench_pages --base-url http://127.0.0.1:8123 [--duration 5] [--connections 8]

For each page of the table in docs/benchmarks.md it prints requests/s, p50
and p99 latency (wrk --latency), how many times the floor's time per request
it takes, and the SQL queries the page runs (counted in this process with
Django's test client against the same database: cold, just after a change
to one listing (its search columns refreshed, as a provider's edit does),
and warm; wrk sends no cookies, so a warm public page is a whole-page cache
hit, decision 0042). The floor is the open data metadata endpoint, the
cheapest Django response the site has.

Directory pages measure what the whole-page cache hides (decision 0046):
one with a session cookie (a visitor with a shortlist: the page is rendered
every time, the search itself comes from the results memo), and three where
every request is a different search (wrk rotates through a few thousand
filter combinations with a Lua script, each thread its own share), so the
page, the search and its facet counts are all computed afresh: the honest
cold case. Three sets of a few thousand such searches follow each other:
the first just after a change that may be to every listing (as after a
start, or an edit to a taxonomy term, the council's settings or a page),
when each worker's per-listing memos are empty; the second just after a
change to one listing (a provider's edit), when they keep the other
listings (decision 0053); the third on the same version, as on a worker
that has been serving searches.
The commissioners' morning dashboard is timed by `bench_dashboard`.

The machine is shared: read the ratios, which come from one run, rather than
the absolute figures.
"""

import itertools
import random
import re
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from marketplace.providers.models import ClientGroup, Language, Provider, ServiceType
from marketplace.providers.services import provider_refresh_search_fields
from search.filters import DAY_CHOICES, PART_CHOICES
from search.versioning import listings_changed

FLOOR = "floor: /openreferral/ metadata"
SEARCH_TARGET = 10.0
PAGE_TARGET = 4.0
# Distinct searches for the cold page: more than wrk can request in ten seconds here.
COLD_SEARCHES = 3000
# The session key the directory keeps an anonymous visitor's shortlist under (marketplace.engagement.views).
SESSION_SHORTLIST = "support_shortlist"


@dataclass
class Page:
    label: str
    path: str
    target: float | None = None  # most times the floor's time per request
    count_queries: bool = True
    rotate: list[str] = field(default_factory=list)  # wrk requests these in turn instead of `path`
    cookie: str = ""  # sent with every request
    # Count its queries without a new listings version first, so the server keeps what the row above left
    keeps_version: bool = False
    # Its new listings version is of a change that may be to every listing, not to one listing.
    changes_every_listing: bool = False


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    # When some answers were errors: what the page answered when asked once more.
    asked_again: str = ""


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(output: str) -> Load:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors:.*?timeout (\d+)", output)
    return Load(
        requests_per_second=rps,
        p50_ms=p50,
        p99_ms=p99,
        errors=(int(errors.group(1)) if errors else 0) + (int(socket_errors.group(1)) if socket_errors else 0),
    )


def status_of(url: str, cookie: str) -> str:
    """The status a page answers one request with (and the reason when it is an error), or why it gave
    none: never raises, so the table measured before it is still printed."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return str(response.status)
    except urllib.error.HTTPError as error:
        return f"{error.code} {error.reason}"
    except (urllib.error.URLError, OSError) as error:
        return f"no answer ({getattr(error, 'reason', error)})"


def rotation_script(paths: list[str], *, threads: int) -> str:
    """A wrk Lua script: each thread requests every `threads`-th path in turn, so no two requests repeat."""
    quoted = ",\n".join(f"  {lua_string(path)}" for path in paths)
    return f"""paths = {{
{quoted}
}}
local started = 0
function setup(thread)
  thread:set("id", started)
  started = started + 1
end
function init(args)
  position = id
end
function request()
  local path = paths[(position % #paths) + 1]
  position = position + {threads}
  return wrk.format("GET", path)
end
"""


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Command(BaseCommand):
    help = "Bounded HTTP load on the floor and each public page, with SQL queries per page (see docs/benchmarks.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", required=True, help="The running server, like http://127.0.0.1:8123")
        parser.add_argument("--duration", type=int, default=5, help="Seconds of load per page (at most 10)")
        parser.add_argument("--connections", type=int, default=8)
        parser.add_argument("--threads", type=int, default=2)
        parser.add_argument("--static-path", default="", help="A static file to load through whitenoise")
        parser.add_argument(
            "--only",
            action="append",
            default=[],
            help="Load only the rows whose label contains this (repeatable; the floor is always loaded)",
        )
        parser.add_argument(
            "--no-new-version",
            action="store_true",
            help="Count only warm queries and never give the listings a new version: for a database others "
            "share (the only write left is the shortlist visitor's session)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        wrk = shutil.which("wrk")
        if wrk is None:
            raise CommandError("wrk is not installed: run scripts/ensure-wrk.sh")
        duration = min(10, max(1, options["duration"]))
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        pages = self.pages(options["static_path"])
        if options["only"]:
            pages = [pages[0], *(page for page in pages[1:] if any(part in page.label for part in options["only"]))]
        client = Client()
        rows = []
        for page in pages:
            cold, warm = (
                self.queries(client, page, new_version=not (options["no_new_version"] or page.keeps_version))
                if page.count_queries
                else (None, None)
            )
            load = self.load(wrk, options["base_url"], page, duration, options)
            rows.append((page, load, cold, warm))
        floor = rows[0][1].requests_per_second
        self.stdout.write("")
        self.stdout.write(
            "| page | requests/s | p50 ms | p99 ms | x the floor | target | SQL queries (cold / warm) |\n"
            "|---|---|---|---|---|---|---|"
        )
        for page, load, cold, warm in rows:
            ratio = floor / load.requests_per_second if load.requests_per_second else float("inf")
            target = f"at most {page.target:g}x" if page.target else ""
            verdict = "" if not page.target else (" (met)" if ratio <= page.target else " (NOT met)")
            queries = (
                f"{cold} / {warm}" if cold is not None and cold >= 0 else (f"- / {warm}" if warm is not None else "")
            )
            errors = f" ({load.errors} errors)" if load.errors else ""
            self.stdout.write(
                f"| {page.label} `{page.path}` | {load.requests_per_second:,.0f}{errors} | {load.p50_ms:.1f} | "
                f"{load.p99_ms:.1f} | {ratio:.1f}x | {target}{verdict} | {queries} |"
            )
        for page, load, _cold, _warm in rows:
            if load.errors:
                self.stdout.write(
                    f"{page.label}: {load.errors:,} errors; asked once more, it answered {load.asked_again}"
                )

    def pages(self, static_path: str) -> list[Page]:
        slug = Provider.objects.published().order_by("pk").values_list("slug", flat=True).first()
        service = ServiceType.objects.order_by("sort_order", "name").values_list("slug", flat=True).first()
        if slug is None or service is None:
            raise CommandError("No published providers: load the demo county first")
        pages = [Page(FLOOR, "/openreferral/", count_queries=True)]
        if static_path:
            pages.append(Page("a static file through whitenoise", static_path, count_queries=False))
        pages += [
            Page("home", "/", PAGE_TARGET),
            Page("provider profile", f"/directory/{slug}/", PAGE_TARGET),
            Page("open data services", "/openreferral/services?per_page=50"),
            Page("directory with a filter set", f"/directory/?service={service}&accredited=true", SEARCH_TARGET),
            Page("directory browse, no filters", "/directory/", SEARCH_TARGET),
            Page("directory text search", "/directory/?q=personal+care", SEARCH_TARGET),
            Page(
                "directory with a filter set, a visitor with a shortlist (rendered; search from its cache)",
                f"/directory/?service={service}&accredited=true",
                SEARCH_TARGET,
                cookie=f"{settings.SESSION_COOKIE_NAME}={self.shortlist_session(slug)}",
            ),
        ]
        # Three sets of distinct searches, one after the other: the first meets a worker whose per-listing
        # memos (listings, result cards; decision 0051) and bitmaps are gone, as just after a change that may
        # be to every listing (a taxonomy term renamed; after a start only the memos are empty, the bitmaps
        # being made before the workers fork: decision 0056); the second meets one that keeps them for all
        # but the one listing changed (decision 0053); the third one that has been serving searches (the
        # others'), but never these.
        searches = self.cold_searches()
        # Thirds when a small taxonomy gives fewer than three rows' worth.
        size = min(COLD_SEARCHES, -(-len(searches) // 3))
        sets = [searches[start : start + size] for start in (0, size, 2 * size)]
        rows = [  # (when, keeps_version, changes_every_listing)
            ("just after a change that may be to every listing, as a term renamed", False, True),
            ("just after a change to one listing", False, False),
            ("on a worker already serving searches", True, False),
        ]
        for (when, keeps_version, changes_every_listing), paths in zip(rows, sets, strict=True):
            pages.append(
                Page(
                    f"directory, a different search every request, {when} (cold: {len(paths):,} searches in turn), "
                    "first:",
                    paths[0],
                    SEARCH_TARGET,
                    rotate=paths,
                    keeps_version=keeps_version,
                    changes_every_listing=changes_every_listing,
                )
            )
        return pages

    def shortlist_session(self, slug: str) -> str:
        """A stored session holding a shortlist of one listing, as the directory keeps it for a visitor."""
        provider_uuid = Provider.objects.filter(slug=slug).values_list("uuid", flat=True).get()
        session = SessionStore()
        session[SESSION_SHORTLIST] = [str(provider_uuid)]
        session.create()
        return session.session_key  # type: ignore[return-value]

    def cold_searches(self) -> list[str]:
        """Distinct directory searches (services, who for, day, time, language, accredited) in a fixed shuffle:
        three rows' worth (3 x COLD_SEARCHES) when there are that many."""
        services = list(ServiceType.objects.order_by("sort_order", "name").values_list("slug", flat=True))
        groups = ["", *ClientGroup.objects.order_by("sort_order", "name").values_list("slug", flat=True)]
        languages = ["", *Language.objects.order_by("sort_order", "name").values_list("slug", flat=True)[:3]]
        days = ["", *(code for code, _ in DAY_CHOICES)]
        times = ["", *(code for code, _ in PART_CHOICES)]
        paths = []
        for service, group, language, day, part, accredited in itertools.product(
            services, groups, languages, days, times, ("", "true")
        ):
            query = [("service", service), ("client_group", group), ("language", language)]
            query += [("day", day), ("time", part), ("accredited", accredited)]
            paths.append("/directory/?" + urlencode([(name, value) for name, value in query if value]))
        random.Random(17).shuffle(paths)
        return paths[: 3 * COLD_SEARCHES]

    def queries(self, client: Client, page: Page, *, new_version: bool = True) -> tuple[int, int]:
        """SQL queries the page runs just after a change to one listing, or to every one (cold), then again (warm).

        "Again" is the third request, as wrk asks for it once a page is kept (on its second request,
        decision 0053); for the rotating pages, the next search in turn. Without a new version (a
        shared database) the cold count is -1 and every request is warm.
        """
        if page.cookie:
            client.cookies.load(page.cookie)
        client.get(page.path)  # the process's own first-use caches (content types, site root paths)
        if new_version:
            self.change_listings(every=page.changes_every_listing)
        counts = []
        paths = page.rotate[-2:] if page.rotate else [page.path] * 3
        for path in paths:
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            if response.status_code != 200:
                raise CommandError(f"{path} answered {response.status_code}")
            counts.append(len(captured))
        client.cookies.clear()
        return (counts[0] if new_version else -1), counts[-1]

    @staticmethod
    def change_listings(*, every: bool) -> None:
        """A new listings version: of a change that may be to every listing, or a real change to one listing (its
        search columns refreshed, as a provider's edit does), which the workers' per-listing memos outlive."""
        if every:
            listings_changed()
            return
        first = Provider.objects.published().order_by("pk").values_list("pk", flat=True).first()
        if first is None:
            raise CommandError("No published providers: load the demo county first")
        provider_refresh_search_fields(provider_ids=[first])

    def load(self, wrk: str, base_url: str, page: Page, duration: int, options: dict[str, Any]) -> Load:
        command = [
            wrk,
            f"-t{options['threads']}",
            f"-c{options['connections']}",
            f"-d{duration}s",
            "--latency",
            "--timeout",
            "10s",
        ]
        if page.cookie:
            command += ["-H", f"Cookie: {page.cookie}"]
        with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
            if page.rotate:
                script.write(rotation_script(page.rotate, threads=options["threads"]))
                script.flush()
                command += ["-s", script.name]
            command.append(base_url + page.path)
            result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=duration + 60)
        if result.returncode != 0:
            raise CommandError(f"wrk failed on {page.path}: {result.stderr.strip()}")
        load = parse_wrk(result.stdout)
        if load.errors:
            load.asked_again = status_of(base_url + page.path, page.cookie)
        return load
