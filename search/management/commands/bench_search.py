"""Time a fixed set of representative directory searches against one backend.

    python manage.py bench_search [--backend database|elasticsearch] [--repeat N] [--json]

Each search goes straight to ``search.api.get_backend(name).search(...)``, so
the figures are server time for the search alone (no template rendering, no
HTTP). Every search is run at page sizes 20 and 50 to show the number of SQL
queries does not grow with the page. The budget in DESIGN.md is a median
under 50 ms and a p95 under 150 ms on the demo county scaled up ten times.
"""

import json
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Count, Model
from django.test.utils import CaptureQueriesContext

from marketplace.places.models import Place
from marketplace.providers.availability import Day, PartOfDay
from marketplace.providers.models import Language, Provider, ServiceType
from search.api import SearchBackend, SearchUnavailable, get_backend
from search.backends.database import DatabaseSearchBackend
from search.bitmaps import ListingBitmaps, parts_memo
from search.query import Point, ProviderSearch, Sort

PAGE_SIZES = (20, 50)
MEDIAN_BUDGET_MS = 50.0
P95_BUDGET_MS = 150.0


@dataclass(frozen=True)
class Scenario:
    name: str
    build: Callable[[int], ProviderSearch]


@dataclass(frozen=True)
class Vocabulary:
    """The real terms and town the scenarios use, looked up in the database."""

    personal_care: str
    gujarati: str
    town: Point


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least `fraction` of samples at or below it."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def as_a_new_search(backend: SearchBackend) -> None:
    """Forget what the database answered for earlier searches at this version (search/bitmaps.py),
    so each timed search asks it again as a new search would; the bitmaps of the version stay."""
    if isinstance(backend, DatabaseSearchBackend):
        parts_memo.clear()


def facet_counts_only(backend: SearchBackend, search: ProviderSearch) -> None:
    """The facet part of a search alone: the database backend's facet queries, or an
    Elasticsearch request for the aggregations and no rows."""
    if isinstance(backend, DatabaseSearchBackend):
        backend.facets(search)
    else:
        backend.search(replace(search, page_size=0))


def pick_term(model: type[Model], preferred_slugs: tuple[str, ...], name_hint: str) -> str:
    """The slug of a taxonomy term: a preferred slug if present, else a name match, else the most used term."""
    manager = model._default_manager
    for slug in preferred_slugs:
        if manager.filter(slug=slug).exists():
            return slug
    by_name = manager.filter(name__icontains=name_hint).values_list("slug", flat=True).first()
    if by_name:
        return str(by_name)
    most_used = (
        manager.annotate(provider_count=Count("providers"))
        .order_by("-provider_count", "slug")
        .values_list("slug", flat=True)
        .first()
    )
    if most_used is None:
        raise CommandError(f"No {model._meta.verbose_name_plural} in the database: load the demo data first.")
    return str(most_used)


def pick_town(name: str | None) -> Point:
    """A real town from the places table: the one asked for, else the town with the most providers within 10 miles."""
    towns = Place.objects.filter(kind=Place.Kind.TOWN)
    if name:
        place = towns.filter(name__iexact=name).first()
        if place is None:
            raise CommandError(f"No town called {name!r} in the places table.")
        return Point(label=place.name, latitude=place.latitude, longitude=place.longitude)
    candidates = list(towns.order_by("name")[:50])
    if not candidates:
        raise CommandError("No towns in the places table: load the demo data (or load_places) first.")
    # About 0.15 degrees of latitude is 10 miles; a rough box is enough to choose a busy town.
    best = max(
        candidates,
        key=lambda place: (
            Provider.objects.published()
            .filter(
                latitude__range=(place.latitude - 0.15, place.latitude + 0.15),
                longitude__range=(place.longitude - 0.24, place.longitude + 0.24),
            )
            .count()
        ),
    )
    return Point(label=best.name, latitude=best.latitude, longitude=best.longitude)


def scenarios(words: Vocabulary) -> list[Scenario]:
    return [
        Scenario("free text 'personal care'", lambda size: ProviderSearch(text="personal care", page_size=size)),
        Scenario(
            f"{words.personal_care} within 10 miles of {words.town.label}, by distance",
            lambda size: ProviderSearch(
                services=(words.personal_care,), near=words.town, radius_miles=10, sort=Sort.DISTANCE, page_size=size
            ),
        ),
        Scenario(
            f"Tuesday morning + {words.gujarati}",
            lambda size: ProviderSearch(
                days=(Day.TUESDAY,), parts_of_day=(PartOfDay.MORNING,), languages=(words.gujarati,), page_size=size
            ),
        ),
        Scenario(
            "max £18 an hour + taking new clients",
            lambda size: ProviderSearch(
                max_hourly_price=Decimal("18"), is_taking_new_clients_only=True, page_size=size
            ),
        ),
        Scenario(
            "accredited only + day service",
            lambda size: ProviderSearch(
                kinds=(Provider.Kind.DAY_SERVICE.value,), is_accredited_only=True, page_size=size
            ),
        ),
        Scenario(
            # Broad enough that page 20 has rows at page size 50 too, so the query counts compare.
            f"page 20 of '{words.personal_care}' service",
            lambda size: ProviderSearch(services=(words.personal_care,), page=20, page_size=size),
        ),
        Scenario("no filters (browse)", lambda size: ProviderSearch(page_size=size)),
        Scenario("synonyms 'PA dementia'", lambda size: ProviderSearch(text="PA dementia", page_size=size)),
    ]


class Command(BaseCommand):
    help = "Benchmark directory search: median and p95 server time, and SQL queries per search."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--backend", choices=["database", "elasticsearch"], default=None)
        parser.add_argument("--repeat", type=int, default=20, help="Timed runs of each search at each page size")
        parser.add_argument("--town", default=None, help="Town to search near (default: the busiest town)")
        parser.add_argument("--json", action="store_true", help="Print the results as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        repeat: int = options["repeat"]
        if repeat < 1:
            raise CommandError("--repeat must be 1 or more")
        backend = get_backend(options["backend"])
        words = Vocabulary(
            personal_care=pick_term(ServiceType, ("personal-care",), "personal care"),
            gujarati=pick_term(Language, ("gujarati",), "gujarati"),
            town=pick_town(options["town"]),
        )
        published = Provider.objects.published().count()
        builds = []
        for _ in range(3):
            started = time.perf_counter()
            ListingBitmaps.build()
            builds.append((time.perf_counter() - started) * 1000)

        rows: list[dict[str, Any]] = []
        all_samples: dict[int, list[float]] = {size: [] for size in PAGE_SIZES}
        facet_samples: list[float] = []
        skipped: list[str] = []
        for scenario in scenarios(words):
            try:
                backend.search(scenario.build(PAGE_SIZES[0]))
            except SearchUnavailable as error:
                # A search the server cannot answer within ELASTICSEARCH_TIMEOUT is reported, not timed.
                skipped.append(f"{scenario.name}: {error}")
                continue
            row: dict[str, Any] = {"search": scenario.name}
            for size in PAGE_SIZES:
                search = scenario.build(size)
                backend.search(search)  # warm caches and connections; not timed
                as_a_new_search(backend)
                with CaptureQueriesContext(connection) as captured:
                    results = backend.search(search)
                samples = []
                for _ in range(repeat):
                    as_a_new_search(backend)
                    started = time.perf_counter()
                    backend.search(search)
                    samples.append((time.perf_counter() - started) * 1000)
                all_samples[size] += samples
                row[f"page_{size}"] = {
                    "median_ms": round(statistics.median(samples), 2),
                    "p95_ms": round(percentile(samples, 0.95), 2),
                    "sql_queries": len(captured.captured_queries),
                    "total": results.total,
                }
            facet_search = scenario.build(PAGE_SIZES[0])
            facet_counts_only(backend, facet_search)  # warm; not timed
            for _ in range(repeat):
                as_a_new_search(backend)
                started = time.perf_counter()
                facet_counts_only(backend, facet_search)
                facet_samples.append((time.perf_counter() - started) * 1000)
            rows.append(row)

        overall = {
            f"page_{size}": {
                "median_ms": round(statistics.median(samples), 2),
                "p95_ms": round(percentile(samples, 0.95), 2),
            }
            for size, samples in all_samples.items()
        }
        query_counts = {row[f"page_{size}"]["sql_queries"] for row in rows for size in PAGE_SIZES}
        report = {
            "backend": backend.name,
            "database": connection.vendor,
            "published_providers": published,
            "repeat": repeat,
            "town": words.town.label,
            "searches": rows,
            "skipped": skipped,
            "overall": overall,
            # Once per listings version in each worker, by the first search after a change.
            "bitmaps_build_ms": round(statistics.median(builds), 2),
            "facets_only": {
                "median_ms": round(statistics.median(facet_samples), 2),
                "p95_ms": round(percentile(facet_samples, 0.95), 2),
            },
            "query_count_fixed_across_page_sizes": all(
                len({row[f"page_{size}"]["sql_queries"] for size in PAGE_SIZES}) == 1 for row in rows
            ),
            "within_budget": all(
                figures["median_ms"] < MEDIAN_BUDGET_MS and figures["p95_ms"] < P95_BUDGET_MS
                for figures in overall.values()
            ),
        }
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        self.stdout.write(self.render_table(report, query_counts))

    def render_table(self, report: dict[str, Any], query_counts: set[int]) -> str:
        lines = [
            f"Search benchmark: backend={report['backend']} database={report['database']} "
            f"published providers={report['published_providers']} repeat={report['repeat']}",
            "",
        ]
        width = max(len(row["search"]) for row in report["searches"])
        header = f"{'search':<{width}}  {'results':>7}"
        for size in PAGE_SIZES:
            header += f"  {f'median@{size}':>10} {f'p95@{size}':>8} {f'sql@{size}':>6}"
        lines += [header, "-" * len(header)]
        for row in report["searches"]:
            line = f"{row['search']:<{width}}  {row['page_20']['total']:>7}"
            for size in PAGE_SIZES:
                figures = row[f"page_{size}"]
                line += f"  {figures['median_ms']:>10.1f} {figures['p95_ms']:>8.1f} {figures['sql_queries']:>6}"
            lines.append(line)
        lines.append("-" * len(header))
        for size in PAGE_SIZES:
            figures = report["overall"][f"page_{size}"]
            lines.append(
                f"overall, page size {size}: median {figures['median_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms"
            )
        facets = report["facets_only"]
        lines.append(f"facet counts alone: median {facets['median_ms']:.1f} ms, p95 {facets['p95_ms']:.1f} ms")
        lines.append(
            f"bitmaps of the listings built in {report['bitmaps_build_ms']:.1f} ms "
            "(once per listings version in each worker)"
        )
        for skipped in report["skipped"]:
            lines.append(f"SKIPPED (no answer in time): {skipped}")
        lines.append(f"SQL queries per search: {', '.join(str(count) for count in sorted(query_counts))}")
        fixed = "yes" if report["query_count_fixed_across_page_sizes"] else "NO"
        lines.append(f"query count the same at page sizes {' and '.join(map(str, PAGE_SIZES))}: {fixed}")
        verdict = "within" if report["within_budget"] else "OVER"
        lines.append(f"budget (median < {MEDIAN_BUDGET_MS:.0f} ms, p95 < {P95_BUDGET_MS:.0f} ms): {verdict}")
        return "\n".join(lines) + "\n"
