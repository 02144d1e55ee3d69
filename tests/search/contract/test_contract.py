"""One contract, two backends: every test here runs on the database backend and
on the Elasticsearch backend and expects the same hits, totals, facet counts
and orderings. The relevance rules tested are those in docs/search.md and
docs/search-elasticsearch.md.
"""

from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from itertools import product
from typing import Any, cast

import pytest
from django.db import connection
from django.utils import timezone

from marketplace.providers.availability import Day, PartOfDay, WeeklyAvailability
from marketplace.providers.models import Provider, ProviderPrice
from search.backends.database import DatabaseSearchBackend
from search.backends.elasticsearch import ElasticsearchSearchBackend, rebuild_index
from search.query import Point, ProviderSearch, Sort, WorkerGender
from tests.factories import (
    ClientGroupFactory,
    LanguageFactory,
    LocalityFactory,
    ProviderFactory,
    ProviderPriceFactory,
    ServiceTypeFactory,
    SpecialismFactory,
    days_ago,
)

pytestmark = pytest.mark.django_db

TOWN = Point("Wendlebury", 52.60, -1.10, locality_slug="north", postcode_district="WE1")


def slots(*pairs: tuple[Day, PartOfDay]) -> int:
    return WeeklyAvailability.from_slots(pairs).mask


@dataclass
class World:
    providers: dict[str, Provider]


@pytest.fixture
def world(db: Any) -> World:
    """A small directory with one listing for each thing a filter or rule can tell apart."""
    personal_care = ServiceTypeFactory(name="Personal care", slug="personal-care", sort_order=1)
    respite = ServiceTypeFactory(name="Respite and short breaks", slug="respite", sort_order=2)
    domestic = ServiceTypeFactory(name="Domestic help", slug="domestic-help", sort_order=3)
    day_opportunities = ServiceTypeFactory(name="Day opportunities", slug="day-opportunities", sort_order=4)
    older = ClientGroupFactory(name="Older people", slug="older-people", sort_order=1)
    learning = ClientGroupFactory(name="Learning disability", slug="learning-disability", sort_order=2)
    gujarati = LanguageFactory(name="Gujarati", slug="gujarati")
    polish = LanguageFactory(name="Polish", slug="polish")
    dementia = SpecialismFactory(name="Dementia", slug="dementia")
    north = LocalityFactory(name="North", slug="north")
    south = LocalityFactory(name="South", slug="south")

    made: dict[str, Provider] = {}

    def make(name: str, **fields: Any) -> Provider:
        prices = fields.pop("hourly", {})
        served = fields.pop("localities_served", [])
        provider = cast(Provider, ProviderFactory(name=name, slug=name.lower().replace(" ", "-"), **fields))
        if served:
            provider.localities_served.set(served)
        for service, amount in prices.items():
            ProviderPriceFactory(provider=provider, service=service, amount=Decimal(amount))
        made[name] = provider
        return provider

    make(
        "Alder Support",
        services=[personal_care],
        client_groups=[older],
        languages=[gujarati],
        is_accredited=True,
        availability_mask=slots((Day.TUESDAY, PartOfDay.MORNING), (Day.THURSDAY, PartOfDay.AFTERNOON)),
        latitude=52.60,
        longitude=-1.10,
        travel_radius_miles=5,
        localities_served=[north],
        postcode_districts_served="WE1 WE2",
        hourly={personal_care: "18.00"},
    )
    make(
        "Birch Support",
        kind=Provider.Kind.MICRO_PROVIDER,
        services=[personal_care, domestic],
        client_groups=[older, learning],
        languages=[polish],
        has_female_workers=False,
        has_male_workers=True,
        is_taking_new_clients=False,
        availability_mask=slots((Day.MONDAY, PartOfDay.MORNING), (Day.TUESDAY, PartOfDay.AFTERNOON)),
        latitude=52.65,
        longitude=-1.10,
        postcode_districts_served="WE3",
        hourly={personal_care: "16.00", domestic: "14.50"},
    )
    cedar = make(
        "Cedar Centre",
        kind=Provider.Kind.DAY_SERVICE,
        services=[day_opportunities],
        client_groups=[learning],
        description="A day centre with activities, and respite for family carers at weekends.",
        is_accredited=True,
        availability_confirmed_on=days_ago(40),
        availability_mask=slots(*[(day, PartOfDay.MORNING) for day in list(Day)[:5]]),
        latitude=52.70,
        longitude=-1.10,
        localities_served=[south],
    )
    ProviderPriceFactory(provider=cedar, service=day_opportunities, unit=ProviderPrice.Unit.DAY, amount=60)
    make(
        "Damson Breaks",
        kind=Provider.Kind.MICRO_PROVIDER,
        services=[respite],
        client_groups=[older],
        specialisms=[dementia],
        availability_mask=slots((Day.SATURDAY, PartOfDay.OVERNIGHT)),
        latitude=52.62,
        longitude=-1.10,
        travel_radius_miles=10,
        hourly={respite: "22.00"},
    )
    make(
        "Elm Helpers",
        services=[personal_care, respite],
        languages=[gujarati, polish],
        has_non_binary_workers=True,
        is_accredited=True,
        availability_mask=slots((Day.TUESDAY, PartOfDay.MORNING), (Day.THURSDAY, PartOfDay.MORNING)),
        latitude=52.61,
        longitude=-1.10,
        hourly={personal_care: "20.00", respite: "15.00"},
    )
    make(
        "Fir Agency",
        kind=Provider.Kind.HOME_CARE_AGENCY,
        services=[personal_care],
        is_accredited=True,
        availability_confirmed_on=days_ago(31),
        latitude=52.90,
        longitude=-1.10,
        hourly={personal_care: "25.00"},
    )
    make(
        "Gorse Friends",
        summary="Befriending for older people living alone.",
        client_groups=[older],
        availability_mask=slots((Day.WEDNESDAY, PartOfDay.EVENING)),
        latitude=52.63,
        longitude=-1.10,
    )
    make(
        "Juniper Nowhere",
        availability_confirmed_on=None,
        latitude=None,
        longitude=None,
        base_postcode="",
        postcode_districts_served="WE1",
    )
    make("Hazel Draft", status=Provider.Status.DRAFT, services=[personal_care])
    make("Ivy Suspended", status=Provider.Status.SUSPENDED, services=[personal_care], is_accredited=True)
    return World(providers=made)


def ranks_text_by_statistics(backend_name: str) -> bool:
    """On PostgreSQL the database backend breaks rule-1 ties by full-text rank
    (ts_rank), which Elasticsearch does not compute: text orderings are only
    compared where the documented rules decide them (docs/search-elasticsearch.md)."""
    return backend_name == "database" and connection.vendor == "postgresql"


def names(results: Any) -> list[str]:
    return [hit.provider.name for hit in results.hits]


def counts(results: Any, facet: str) -> dict[str, int]:
    return {value.value: value.count for value in results.facets[facet]}


# Filters ---------------------------------------------------------------------

FILTER_CASES: list[tuple[str, ProviderSearch, list[str]]] = [
    (
        "browse: every published listing, accredited then fresh then name",
        ProviderSearch(),
        [
            "Alder Support",
            "Elm Helpers",
            "Cedar Centre",
            "Fir Agency",
            "Birch Support",
            "Damson Breaks",
            "Gorse Friends",
            "Juniper Nowhere",
        ],
    ),
    (
        "kinds are alternatives",
        ProviderSearch(kinds=("day_service", "home_care_agency")),
        ["Cedar Centre", "Fir Agency"],
    ),
    ("services narrow", ProviderSearch(services=("personal-care", "respite")), ["Elm Helpers"]),
    ("client groups narrow", ProviderSearch(client_groups=("older-people", "learning-disability")), ["Birch Support"]),
    ("languages", ProviderSearch(languages=("polish",)), ["Elm Helpers", "Birch Support"]),
    ("specialisms", ProviderSearch(specialisms=("dementia",)), ["Damson Breaks"]),
    (
        "has any language",
        ProviderSearch(has_any_term_in=("languages",)),
        ["Alder Support", "Elm Helpers", "Birch Support"],
    ),
    ("worker gender", ProviderSearch(worker_gender=WorkerGender.MALE), ["Birch Support"]),
    ("non-binary workers", ProviderSearch(worker_gender=WorkerGender.NON_BINARY), ["Elm Helpers"]),
    (
        "each day needs one of the parts",
        ProviderSearch(days=(Day.TUESDAY, Day.THURSDAY), parts_of_day=(PartOfDay.MORNING,)),
        ["Elm Helpers", "Cedar Centre"],
    ),
    (
        "parts without days: any day",
        ProviderSearch(parts_of_day=(PartOfDay.EVENING, PartOfDay.OVERNIGHT)),
        ["Damson Breaks", "Gorse Friends"],
    ),
    ("days without parts", ProviderSearch(days=(Day.MONDAY,)), ["Cedar Centre", "Birch Support"]),
    ("price: lowest hourly", ProviderSearch(max_hourly_price=Decimal("16")), ["Elm Helpers", "Birch Support"]),
    (
        "price: for the chosen service",
        ProviderSearch(services=("personal-care",), max_hourly_price=Decimal("18")),
        ["Alder Support", "Birch Support"],
    ),
    (
        "taking new clients",
        ProviderSearch(kinds=("micro_provider",), is_taking_new_clients_only=True),
        ["Damson Breaks"],
    ),
    (
        "accredited only",
        ProviderSearch(is_accredited_only=True),
        ["Alder Support", "Elm Helpers", "Cedar Centre", "Fir Agency"],
    ),
    (
        "near: within the radius, nearer first among equals",
        ProviderSearch(near=TOWN, radius_miles=3),
        ["Alder Support", "Elm Helpers", "Damson Breaks", "Gorse Friends"],
    ),
    (
        "serves the place: locality, district or travel radius",
        ProviderSearch(served_place=TOWN),
        ["Alder Support", "Damson Breaks", "Juniper Nowhere"],
    ),
    (
        "words, with synonyms: a service match first",
        ProviderSearch(text="short breaks"),
        ["Elm Helpers", "Damson Breaks", "Cedar Centre"],
    ),
    ("words: every group must match", ProviderSearch(text="respite gujarati"), ["Elm Helpers"]),
    ("sitting service finds befriending", ProviderSearch(text="sitting service"), ["Gorse Friends"]),
    ("nothing matches", ProviderSearch(text="hydrotherapy"), []),
]


@pytest.mark.parametrize(("search", "expected"), [case[1:] for case in FILTER_CASES], ids=[c[0] for c in FILTER_CASES])
def test_filters_find_the_same_listings_in_the_same_order(backend, world, search, expected):
    backend.sync()
    results = backend.search(search)
    if search.text and ranks_text_by_statistics(backend.name):
        assert sorted(names(results)) == sorted(expected)
    else:
        assert names(results) == expected
    assert results.total == len(expected)


def test_unpublished_listings_are_never_found(backend, world):
    backend.sync()
    found = names(backend.search(ProviderSearch(services=("personal-care",), page_size=50)))
    assert "Hazel Draft" not in found
    assert "Ivy Suspended" not in found


def test_modified_after_keeps_recent_changes(backend, world):
    Provider.objects.exclude(name="Elm Helpers").update(updated_at=timezone.now() - timedelta(days=10))
    backend.sync()
    results = backend.search(ProviderSearch(modified_after=timezone.now() - timedelta(days=1)))
    assert names(results) == ["Elm Helpers"]


# Facets ------------------------------------------------------------------------


def test_facet_counts_agree(backend, world):
    backend.sync()
    results = backend.search(ProviderSearch(kinds=("personal_assistant",), services=("personal-care",)))
    assert names(results) == ["Alder Support", "Elm Helpers"]
    # Kinds ignore the kind filter: what choosing another kind would give.
    assert counts(results, "kinds") == {
        "personal_assistant": 2,
        "micro_provider": 1,
        "day_service": 0,
        "home_care_agency": 1,
        "other": 0,
    }
    assert [value.value for value in results.facets["services"]] == ["personal-care", "respite"]
    assert counts(results, "services") == {"personal-care": 2, "respite": 1}
    assert counts(results, "languages") == {"gujarati": 2, "polish": 1}
    assert counts(results, "client_groups") == {"older-people": 1}
    assert counts(results, "worker_gender") == {"female": 2, "male": 0, "non_binary": 1}
    assert counts(results, "flags") == {"accredited": 2, "taking_new_clients": 2}


def test_facet_labels_follow_the_editors_order(backend, world):
    backend.sync()
    results = backend.search(ProviderSearch())
    assert [(value.label, value.count) for value in results.facets["services"]] == [
        ("Personal care", 4),
        ("Respite and short breaks", 2),
        ("Domestic help", 1),
        ("Day opportunities", 1),
    ]
    assert [value.label for value in results.facets["kinds"]] == [label for _, label in Provider.Kind.choices]


# Orderings and the relevance rules ----------------------------------------------


def test_exact_service_match_ranks_above_a_description_mention(backend, world):
    """Cedar is accredited but only mentions respite; Damson is not, but offers it as a service."""
    backend.sync()
    assert names(backend.search(ProviderSearch(text="respite"))) == ["Elm Helpers", "Damson Breaks", "Cedar Centre"]


def test_words_in_the_name_rank_above_other_mentions(backend, world):
    backend.sync()
    # "breaks" is in Damson's name and in both providers' service names.
    assert names(backend.search(ProviderSearch(text="breaks"))) == ["Damson Breaks", "Elm Helpers"]


def test_accredited_then_fresh_availability_then_distance(backend, world):
    backend.sync()
    results = backend.search(ProviderSearch(services=("personal-care",), near=TOWN, radius_miles=40))
    # Accredited and fresh (Alder, Elm: nearer first), accredited but stale (Fir), then Birch.
    assert names(results) == ["Alder Support", "Elm Helpers", "Fir Agency", "Birch Support"]
    assert [round(hit.distance_miles, 1) for hit in results.hits] == [0.0, 0.7, 20.7, 3.5]


def test_sort_by_distance(backend, world):
    backend.sync()
    results = backend.search(ProviderSearch(near=TOWN, radius_miles=20, sort=Sort.DISTANCE))
    assert names(results) == [
        "Alder Support",
        "Elm Helpers",
        "Damson Breaks",
        "Gorse Friends",
        "Birch Support",
        "Cedar Centre",
    ]


def test_sort_by_price_of_the_chosen_services_with_no_price_last(backend, world):
    backend.sync()
    by_service = backend.search(ProviderSearch(services=("personal-care",), sort=Sort.PRICE))
    assert names(by_service) == ["Birch Support", "Alder Support", "Elm Helpers", "Fir Agency"]
    assert [hit.matched_price for hit in by_service.hits] == [
        Decimal("16"),
        Decimal("18"),
        Decimal("20"),
        Decimal("25"),
    ]
    lowest = backend.search(ProviderSearch(sort=Sort.PRICE))
    assert names(lowest)[:5] == ["Birch Support", "Elm Helpers", "Alder Support", "Damson Breaks", "Fir Agency"]
    # No hourly price: after every price, by name.
    assert names(lowest)[5:] == ["Cedar Centre", "Gorse Friends", "Juniper Nowhere"]


def test_sort_by_price_uses_the_cheapest_chosen_service(backend, world):
    backend.sync()
    results = backend.search(ProviderSearch(kinds=("personal_assistant", "micro_provider"), sort=Sort.PRICE))
    assert names(results) == [
        "Birch Support",
        "Elm Helpers",
        "Alder Support",
        "Damson Breaks",
        "Gorse Friends",
        "Juniper Nowhere",
    ]
    both = backend.search(ProviderSearch(services=("respite", "personal-care"), sort=Sort.PRICE))
    assert [(hit.provider.name, hit.matched_price) for hit in both.hits] == [("Elm Helpers", Decimal("15"))]


def test_pages_do_not_overlap(backend, world):
    backend.sync()
    pages = [backend.search(ProviderSearch(page=page, page_size=3)) for page in (1, 2, 3)]
    seen = [name for page in pages for name in names(page)]
    assert len(seen) == len(set(seen)) == 8
    assert {page.total for page in pages} == {8}


# The two backends side by side -----------------------------------------------------

SWEEP_TEXTS = ["", "respite", "personal care", "pa", "gujarati", "older people"]
SWEEP_FILTERS: list[dict[str, Any]] = [
    {},
    {"kinds": ("personal_assistant",)},
    {"services": ("personal-care",)},
    {"near": TOWN, "radius_miles": 5},
    {"is_accredited_only": True, "days": (Day.TUESDAY,)},
    {"max_hourly_price": Decimal("20"), "worker_gender": WorkerGender.FEMALE},
]


def fingerprint(results: Any, *, ordered: bool = True) -> tuple[Any, ...]:
    hits = [(hit.provider.pk, hit.matched_price, round(hit.distance_miles or 0, 6)) for hit in results.hits]
    return (
        results.total,
        hits if ordered else sorted(hits),
        {facet: [(v.value, v.label, v.count) for v in values] for facet, values in results.facets.items()},
    )


def test_both_backends_answer_every_combination_alike(world, elasticsearch_settings):
    """Words x filters x sorts: identical hits, totals and facets from both backends."""
    rebuild_index()
    database, elasticsearch = DatabaseSearchBackend(), ElasticsearchSearchBackend()
    compared = 0
    for text, filters, sort in product(SWEEP_TEXTS, SWEEP_FILTERS, list(Sort)):
        if sort == Sort.DISTANCE and "near" not in filters:
            continue
        search = replace(ProviderSearch(text=text, sort=sort, page_size=50), **filters)
        # page_size 50 holds every match, so unordered comparisons still see the same listings.
        ordered = not (text and sort == Sort.RELEVANCE and ranks_text_by_statistics("database"))
        assert fingerprint(elasticsearch.search(search), ordered=ordered) == fingerprint(
            database.search(search), ordered=ordered
        ), search
        compared += 1
    assert compared > 60
