"""Saved searches in the demo county.

Called once at the end of `builder.demo_county_build`. About a third of the
holders who sign in have saved a search (personal care or domestic help near
where they live, some only those taking new clients); the demo holder
(`dp-holder@demo.example`) has saved "personal care near Wendlebury, taking
new clients", so a listing that starts taking clients again is emailed to
her by the next morning's job. Each search is recorded as the service
(`alerts.services.saved_search_create`) would record it: its normalised query
and description, and what it matches today as already known, so no emails are
sent. Deterministic for a seed.

Many holders save the same search (five queries near a few dozen places), so
each distinct query is validated and run once and the rows are written in
bulk: one search per holder through the service took most of the demo load
(decision 0046). Above scale 1 the share of holders who save one is divided by
the scale, so the county keeps about the scale-1 number of saved searches
while the listings each one matches grow with the scale.
"""

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.http import QueryDict

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.alerts.models import SavedSearch, SavedSearchListing
from marketplace.alerts.selectors import search_filterset
from marketplace.alerts.services import describe_search, normalised_query
from marketplace.places.models import Place

SAVED_SEARCH_SHARE = 0.33
QUERIES = [
    "service=personal-care",
    "service=personal-care&new_clients=true",
    "service=domestic-help",
    "service=personal-care&time=morning",
    "service=companionship&kind=personal_assistant",
]
LISTING_BATCH = 10_000


@dataclass(frozen=True)
class _Evaluated:
    query: str
    description: str
    provider_ids: set[int]


def build_saved_searches_demo(
    *, seed: int, now: datetime, scale: float = 1.0, progress: Callable[[int], object] | None = None
) -> int:
    """Write the demo saved searches; returns how many."""
    rng = random.Random(f"alerts-{seed}")
    share = SAVED_SEARCH_SHARE / max(1.0, scale)
    holders = (
        DirectPaymentHolder.objects.filter(user__isnull=False, locality__isnull=False)
        .select_related("user", "locality")
        .order_by("pk")
    )
    place_names: dict[int, str | None] = {}
    evaluated: dict[str, _Evaluated | None] = {}
    chosen: list[tuple[User, _Evaluated]] = []
    for holder in holders:
        is_demo_holder = holder.user.email == "dp-holder@demo.example"  # type: ignore[union-attr]
        if not is_demo_holder and rng.random() >= share:
            continue
        if holder.locality_id not in place_names:
            place_names[holder.locality_id] = _place_name(holder)  # type: ignore[index]
        near = place_names[holder.locality_id]  # type: ignore[index]
        if near is None:
            continue
        query = "service=personal-care&new_clients=true" if is_demo_holder else rng.choice(QUERIES)
        raw = f"{query}&near={near}"
        if raw not in evaluated:
            evaluated[raw] = _evaluate(raw)
        search = evaluated[raw]
        if search is None:  # the service refuses a query that does not validate
            continue
        chosen.append((holder.user, search))  # type: ignore[arg-type]

    saved = SavedSearch.objects.bulk_create(
        [
            SavedSearch(
                user=user, query=search.query, description=search.description, created_at=now, last_checked_at=now
            )
            for user, search in chosen
        ],
        batch_size=1000,
    )
    matched = (
        (record.pk, provider_id)
        for record, (_, search) in zip(saved, chosen, strict=True)
        for provider_id in search.provider_ids
    )
    _insert_listings(matched, now=now, progress=progress)
    return len(saved)


def _insert_listings(
    matched: Iterable[tuple[int, int]], *, now: datetime, progress: Callable[[int], object] | None
) -> None:
    """The saved searches' listings, the rows `bulk_create` would write, sent in batches of one INSERT each.

    Hundreds of thousands of rows at scale 10: a model instance for each was
    most of this step's time.
    """
    names = ("saved_search", "provider", "is_matching", "first_matched_at")
    by_name = {field.name: field for field in SavedSearchListing._meta.concrete_fields}
    fields = [by_name[name] for name in names]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    statement = f"INSERT INTO {quote(SavedSearchListing._meta.db_table)} ({columns}) VALUES (%s, %s, %s, %s)"
    is_matching = fields[2].get_db_prep_save(True, connection)
    first_matched_at = fields[3].get_db_prep_save(now, connection)
    rows = [(saved_search_id, provider_id, is_matching, first_matched_at) for saved_search_id, provider_id in matched]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), LISTING_BATCH):
            cursor.executemany(statement, rows[start : start + LISTING_BATCH])
            if progress is not None:
                progress(min(start + LISTING_BATCH, len(rows)))


def _evaluate(raw: str) -> _Evaluated | None:
    """What `saved_search_create` records for this query: normalised, described, and what it matches now."""
    query = normalised_query(QueryDict(raw))
    filterset = search_filterset(query)
    if not filterset.is_valid():
        return None
    return _Evaluated(
        query=query,
        description=describe_search(filterset),
        provider_ids=set(filterset.qs.order_by().values_list("pk", flat=True)),
    )


def _place_name(holder: DirectPaymentHolder) -> str | None:
    """The holder's town if the places table knows it by name, else a postcode district in their locality."""
    town = Place.objects.filter(
        kind__in=[Place.Kind.TOWN, Place.Kind.VILLAGE],
        locality=holder.locality,
        name=holder.locality.name,  # type: ignore[union-attr]
    ).first()
    if town is not None:
        return town.name
    district = Place.objects.filter(kind=Place.Kind.DISTRICT, locality=holder.locality).order_by("name").first()
    return district.name if district is not None else None
