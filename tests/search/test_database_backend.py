"""The database search backend: every filter, synonyms, facets, orderings and its query budget."""

from collections import Counter
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.directory import result_cards
from marketplace.providers.availability import Day, PartOfDay, WeeklyAvailability
from marketplace.providers.models import ListingText, Provider, ProviderPrice
from marketplace.providers.services import provider_set_accreditation
from search.alternatives import Alternative
from search.backends.database import (
    UNSHOWN_COLUMNS,
    DatabaseSearchBackend,
    page_listings,
    text_index_only,
    text_matches,
)
from search.query import Point, ProviderSearch, SearchResults, Sort, WorkerGender
from search.versioning import VersionMemo, listings_version
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

# Wendlebury, and places due north of it: one degree of latitude is about 69 miles.
WENDLEBURY = Point("Wendlebury", 52.60, -1.10)
MILES_NORTH = {miles: 52.60 + miles / 69.0 for miles in (0, 1, 2, 4, 8, 15, 30)}


def search(**kwargs: object) -> SearchResults:
    return DatabaseSearchBackend().search(ProviderSearch(**kwargs))  # type: ignore[arg-type]


def names(results: SearchResults) -> list[str]:
    return [hit.provider.name for hit in results.hits]


def found(**kwargs: object) -> set[str]:
    return set(names(search(page_size=100, **kwargs)))


# Filters --------------------------------------------------------------------------


def test_no_filters_returns_every_published_listing_and_counts_them():
    for index in range(3):
        ProviderFactory(name=f"Listed {index}")
    results = search()
    assert results.total == 3
    assert sorted(names(results)) == ["Listed 0", "Listed 1", "Listed 2"]
    assert results.backend == "database"


@pytest.mark.parametrize("status", [s for s in Provider.Status.values if s != Provider.Status.PUBLISHED])
def test_unpublished_listings_are_never_returned(status):
    care = ServiceTypeFactory(slug="personal-care", name="Personal care")
    ProviderFactory(name="Hidden Helper", status=status, services=[care], is_accredited=True)
    ProviderFactory(name="Shown Helper", services=[care])
    for query in (
        {},
        {"text": "hidden helper"},
        {"services": ("personal-care",)},
        {"is_accredited_only": True},
        {"near": WENDLEBURY},
    ):
        assert "Hidden Helper" not in found(**query)
    assert sum(value.count for value in search().facets["kinds"]) == 1


def test_text_matches_words_anywhere_in_the_listing():
    dementia = SpecialismFactory(name="Dementia", slug="dementia")
    ProviderFactory(name="Rosa Mendes", specialisms=[dementia])
    ProviderFactory(name="Tom Hughes", summary="Gardening and shopping trips")
    assert found(text="dementia") == {"Rosa Mendes"}
    assert found(text="gardening shopping") == {"Tom Hughes"}
    assert found(text="gardening dementia") == set()  # every word must match


def test_synonyms_pa_finds_personal_assistant():
    ProviderFactory(
        name="Harbour Micro Care",
        kind=Provider.Kind.MICRO_PROVIDER,
        summary="Our team works as your personal assistant.",
        description="",
    )
    ProviderFactory(name="Oak Day Centre", kind=Provider.Kind.DAY_SERVICE, summary="Lunch club.", description="")
    ProviderFactory(name="Jo Reed", kind=Provider.Kind.PERSONAL_ASSISTANT, summary="Help at home.", description="")
    assert found(text="PA") == {"Harbour Micro Care", "Jo Reed"}
    assert found(text="personal assistant") == {"Harbour Micro Care", "Jo Reed"}


def test_a_phrase_matches_its_words_side_by_side_and_in_order_only():
    """On PostgreSQL a two-word phrase is asked as the pair word the listing's words hold
    (decision 0050): it must find exactly what the phrase itself finds."""
    for name, summary in (
        ("Harbour Micro Care", "Your personal assistant at home."),
        ("Quay Micro Care", "Personal, assistant."),
        ("Mill Micro Care", "An assistant for personal care."),
        ("Brook Micro Care", "A personal care assistant."),
        ("Ash Micro Care", "Personal support; an assistant for shopping."),
    ):
        ProviderFactory(name=name, kind=Provider.Kind.MICRO_PROVIDER, summary=summary, description="")
    expected = {"Harbour Micro Care", "Quay Micro Care"}
    assert found(text="PA") == expected  # "PA" or "personal assistant"
    matches = text_matches("PA")
    assert matches is not None
    assert set(Provider.objects.filter(pk__in=matches).values_list("name", flat=True)) == expected
    if connection.vendor == "postgresql":
        phrase = SearchQuery("personal assistant", search_type="phrase", config="english")
        by_phrase = ListingText.objects.filter(search_vector=phrase).values_list("provider__name", flat=True)
        assert set(by_phrase) == expected
        assert "::tsquery" in str(matches.query)  # asked as the pair word, not the phrase


def test_synonyms_work_both_ways_for_respite_and_short_breaks():
    ProviderFactory(name="Seaside Stays", kind=Provider.Kind.OTHER, summary="Short breaks by the sea.")
    ProviderFactory(name="Town Respite", kind=Provider.Kind.OTHER, summary="Respite for carers.")
    ProviderFactory(name="Cleaner", kind=Provider.Kind.OTHER, summary="Housework.")
    assert found(text="respite") == {"Seaside Stays", "Town Respite"}
    assert found(text="short breaks") == {"Seaside Stays", "Town Respite"}


def test_kind_filter():
    ProviderFactory(name="A PA", kind=Provider.Kind.PERSONAL_ASSISTANT)
    ProviderFactory(name="A day service", kind=Provider.Kind.DAY_SERVICE)
    ProviderFactory(name="An agency", kind=Provider.Kind.HOME_CARE_AGENCY)
    assert found(kinds=(Provider.Kind.DAY_SERVICE,)) == {"A day service"}
    assert found(kinds=(Provider.Kind.DAY_SERVICE, Provider.Kind.HOME_CARE_AGENCY)) == {"A day service", "An agency"}


def test_taxonomy_filters_need_every_chosen_term():
    care = ServiceTypeFactory(slug="personal-care", name="Personal care")
    sitting = ServiceTypeFactory(slug="sitting", name="Sitting")
    older = ClientGroupFactory(slug="older-people", name="Older people")
    polish = LanguageFactory(slug="polish", name="Polish")
    autism = SpecialismFactory(slug="autism", name="Autism")
    ProviderFactory(name="Both", services=[care, sitting], client_groups=[older], languages=[polish])
    ProviderFactory(name="Care only", services=[care], specialisms=[autism])
    assert found(services=("personal-care",)) == {"Both", "Care only"}
    assert found(services=("personal-care", "sitting")) == {"Both"}
    assert found(client_groups=("older-people",)) == {"Both"}
    assert found(languages=("polish",)) == {"Both"}
    assert found(specialisms=("autism",)) == {"Care only"}
    assert found(services=("sitting",), specialisms=("autism",)) == set()


def test_worker_gender_filter():
    ProviderFactory(name="Women", has_female_workers=True, has_male_workers=False)
    ProviderFactory(name="Men", has_female_workers=False, has_male_workers=True)
    ProviderFactory(name="Mixed", has_female_workers=True, has_male_workers=True, has_non_binary_workers=True)
    assert found(worker_gender=WorkerGender.FEMALE) == {"Women", "Mixed"}
    assert found(worker_gender=WorkerGender.MALE) == {"Men", "Mixed"}
    assert found(worker_gender=WorkerGender.NON_BINARY) == {"Mixed"}


def test_days_and_times_filter():
    slots = WeeklyAvailability.from_slots
    ProviderFactory(name="Tue morning", availability_mask=slots([(Day.TUESDAY, PartOfDay.MORNING)]).mask)
    ProviderFactory(
        name="Tue and Thu",
        availability_mask=slots([(Day.TUESDAY, PartOfDay.EVENING), (Day.THURSDAY, PartOfDay.MORNING)]).mask,
    )
    ProviderFactory(name="Never", availability_mask=0)
    assert found(days=(Day.TUESDAY,)) == {"Tue morning", "Tue and Thu"}
    assert found(days=(Day.TUESDAY, Day.THURSDAY)) == {"Tue and Thu"}
    assert found(parts_of_day=(PartOfDay.MORNING,)) == {"Tue morning", "Tue and Thu"}
    assert found(days=(Day.TUESDAY,), parts_of_day=(PartOfDay.MORNING,)) == {"Tue morning"}
    assert found(days=(Day.SUNDAY,)) == set()


def test_price_filter_uses_the_lowest_hourly_price_or_the_chosen_services_price():
    care = ServiceTypeFactory(slug="personal-care", name="Personal care")
    sitting = ServiceTypeFactory(slug="sitting", name="Sitting")
    cheap_sitting = ProviderFactory(name="Cheap sitting, dear care", services=[care, sitting])
    ProviderPriceFactory(provider=cheap_sitting, service=care, amount=Decimal("25"))
    ProviderPriceFactory(provider=cheap_sitting, service=sitting, amount=Decimal("14"))
    cheap_care = ProviderFactory(name="Cheap care", services=[care])
    ProviderPriceFactory(provider=cheap_care, service=care, amount=Decimal("17.50"))
    day_rate = ProviderFactory(name="Only a day rate", services=[care])
    ProviderPriceFactory(provider=day_rate, service=care, unit=ProviderPrice.Unit.DAY, amount=Decimal("10"))
    ProviderFactory(name="No prices")
    assert found(max_hourly_price=Decimal("18")) == {"Cheap sitting, dear care", "Cheap care"}
    assert found(max_hourly_price=Decimal("18"), services=("personal-care",)) == {"Cheap care"}
    assert found(max_hourly_price=Decimal("17.50"), services=("personal-care",)) == {"Cheap care"}  # inclusive
    assert found(max_hourly_price=Decimal("13.99")) == set()


def test_taking_new_clients_and_accredited_filters():
    ProviderFactory(name="Open, accredited", is_taking_new_clients=True, is_accredited=True)
    ProviderFactory(name="Full, accredited", is_taking_new_clients=False, is_accredited=True)
    ProviderFactory(name="Open", is_taking_new_clients=True, is_accredited=False)
    assert found(is_taking_new_clients_only=True) == {"Open, accredited", "Open"}
    assert found(is_accredited_only=True) == {"Open, accredited", "Full, accredited"}
    assert found(is_accredited_only=True, is_taking_new_clients_only=True) == {"Open, accredited"}
    # Unaccredited listings are shown unless people ask for accredited only.
    assert "Open" in found()


def test_distance_filter_keeps_listings_within_the_radius_and_reports_their_distance():
    for miles in (1, 4, 8, 15):
        ProviderFactory(name=f"{miles} miles", latitude=MILES_NORTH[miles], longitude=-1.10)
    ProviderFactory(name="Nowhere", latitude=None, longitude=None)
    assert found(near=WENDLEBURY, radius_miles=10) == {"1 miles", "4 miles", "8 miles"}
    assert found(near=WENDLEBURY, radius_miles=3) == {"1 miles"}
    results = search(near=WENDLEBURY, radius_miles=20, sort=Sort.DISTANCE)
    assert [round(hit.distance_miles or 0) for hit in results.hits] == [1, 4, 8, 15]


def test_modified_after_filter():
    ProviderFactory(name="Old")
    recent: Provider = ProviderFactory.create(name="Recent")
    Provider.objects.filter(name="Old").update(updated_at=recent.updated_at.replace(year=2020))
    assert found(modified_after=recent.updated_at.replace(year=2024)) == {"Recent"}


# Facets ---------------------------------------------------------------------------


@pytest.fixture
def county():
    """A small mixed market to count facets over."""
    care = ServiceTypeFactory(slug="personal-care", name="Personal care", sort_order=1)
    sitting = ServiceTypeFactory(slug="sitting", name="Sitting", sort_order=2)
    older = ClientGroupFactory(slug="older-people", name="Older people")
    urdu = LanguageFactory(slug="urdu", name="Urdu")
    kinds = [Provider.Kind.PERSONAL_ASSISTANT, Provider.Kind.MICRO_PROVIDER, Provider.Kind.DAY_SERVICE]
    for index in range(12):
        ProviderFactory(
            name=f"Provider {index:02}",
            kind=kinds[index % 3],
            services=[care, sitting] if index % 2 else [care],
            client_groups=[older] if index % 4 == 0 else [],
            languages=[urdu] if index % 3 == 0 else [],
            has_female_workers=index % 2 == 0,
            has_male_workers=index % 3 == 0,
            is_accredited=index % 5 == 0,
            is_taking_new_clients=index % 4 != 3,
        )
    ProviderFactory(name="Draft", status=Provider.Status.DRAFT, services=[care], languages=[urdu])


@pytest.mark.usefixtures("county")
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"services": ("sitting",)},
        {"kinds": (Provider.Kind.MICRO_PROVIDER,)},
        {"worker_gender": WorkerGender.FEMALE, "is_taking_new_clients_only": True},
    ],
    ids=["everything", "sitting", "micro-providers", "women-taking-clients"],
)
def test_facet_counts_equal_the_matching_records(query):
    results = search(page_size=100, **query)
    matching = [hit.provider for hit in results.hits]
    assert results.total == len(matching)
    facets = {name: {value.value: value.count for value in values} for name, values in results.facets.items()}

    def count_terms(field: str) -> dict[str, int]:
        counter: Counter[str] = Counter()
        for provider in matching:
            counter.update(term.slug for term in getattr(provider, field).all())
        return dict(counter)

    assert facets["services"] == count_terms("services")
    assert facets["client_groups"] == count_terms("client_groups")
    assert facets["languages"] == count_terms("languages")
    # Gender of worker is one choice: each is counted as if it replaced the one chosen.
    any_gender = [hit.provider for hit in search(page_size=100, **(query | {"worker_gender": None})).hits]
    assert facets["worker_gender"] == {
        "female": sum(p.has_female_workers for p in any_gender),
        "male": sum(p.has_male_workers for p in any_gender),
        "non_binary": sum(p.has_non_binary_workers for p in any_gender),
    }
    assert facets["flags"] == {
        "accredited": sum(p.is_accredited for p in matching),
        "taking_new_clients": sum(p.is_taking_new_clients for p in matching),
    }


@pytest.mark.usefixtures("county")
def test_kind_counts_ignore_the_kind_filter_but_follow_the_others():
    everything = search()
    chosen = search(kinds=(Provider.Kind.MICRO_PROVIDER,))
    assert chosen.total == 4
    kind_counts = {value.value: value.count for value in chosen.facets["kinds"]}
    assert kind_counts == {value.value: value.count for value in everything.facets["kinds"]}
    assert kind_counts == {
        "personal_assistant": 4,
        "micro_provider": 4,
        "day_service": 4,
        "home_care_agency": 0,
        "other": 0,
    }
    sitting = search(kinds=(Provider.Kind.MICRO_PROVIDER,), services=("sitting",))
    assert {value.value: value.count for value in sitting.facets["kinds"]} == {
        "personal_assistant": 2,
        "micro_provider": 2,
        "day_service": 2,
        "home_care_agency": 0,
        "other": 0,
    }


@pytest.mark.usefixtures("county")
def test_facet_values_carry_labels_in_the_editors_order():
    services = search().facets["services"]
    assert [(value.value, value.label) for value in services] == [
        ("personal-care", "Personal care"),
        ("sitting", "Sitting"),
    ]


# Ordering -------------------------------------------------------------------------


def test_relevance_puts_accredited_then_fresh_availability_first():
    ProviderFactory(name="D stale, not accredited", availability_confirmed_on=days_ago(60))
    ProviderFactory(name="C fresh, not accredited", availability_confirmed_on=days_ago(2))
    ProviderFactory(name="B stale, accredited", is_accredited=True, availability_confirmed_on=days_ago(60))
    ProviderFactory(name="A fresh, accredited", is_accredited=True, availability_confirmed_on=days_ago(2))
    ProviderFactory(name="E never confirmed", availability_confirmed_on=None)
    assert names(search()) == [
        "A fresh, accredited",
        "B stale, accredited",
        "C fresh, not accredited",
        "D stale, not accredited",
        "E never confirmed",
    ]


def test_relevance_near_a_place_breaks_ties_by_distance():
    ProviderFactory(name="A far", latitude=MILES_NORTH[8], longitude=-1.10)
    ProviderFactory(name="B near", latitude=MILES_NORTH[1], longitude=-1.10)
    ProviderFactory(name="C far but accredited", latitude=MILES_NORTH[8], longitude=-1.10, is_accredited=True)
    assert names(search(near=WENDLEBURY)) == ["C far but accredited", "B near", "A far"]


def test_distance_sort_is_nearest_first_whatever_the_accreditation():
    ProviderFactory(name="Far, accredited", latitude=MILES_NORTH[8], longitude=-1.10, is_accredited=True)
    ProviderFactory(name="Near", latitude=MILES_NORTH[1], longitude=-1.10)
    ProviderFactory(name="Middle", latitude=MILES_NORTH[4], longitude=-1.10)
    assert names(search(near=WENDLEBURY, sort=Sort.DISTANCE)) == ["Near", "Middle", "Far, accredited"]


def test_price_sort_without_a_service_uses_the_lowest_hourly_price_and_puts_unpriced_last():
    care = ServiceTypeFactory(slug="personal-care", name="Personal care")
    sitting = ServiceTypeFactory(slug="sitting", name="Sitting")
    for name, care_price, sitting_price in (("Alpha", "20", "12"), ("Bravo", "16", "30"), ("Charlie", "18", None)):
        provider = ProviderFactory(name=name, services=[care, sitting], is_accredited=name == "Charlie")
        ProviderPriceFactory(provider=provider, service=care, amount=Decimal(care_price))
        if sitting_price:
            ProviderPriceFactory(provider=provider, service=sitting, amount=Decimal(sitting_price))
    ProviderFactory(name="Aardvark, no prices", is_accredited=True)
    results = search(sort=Sort.PRICE)
    assert names(results) == ["Alpha", "Bravo", "Charlie", "Aardvark, no prices"]
    assert [hit.matched_price for hit in results.hits] == [Decimal("12"), Decimal("16"), Decimal("18"), None]


def test_price_sort_with_a_service_uses_that_services_price():
    care = ServiceTypeFactory(slug="personal-care", name="Personal care")
    sitting = ServiceTypeFactory(slug="sitting", name="Sitting")
    for name, care_price, sitting_price in (("Alpha", "20", "12"), ("Bravo", "16", "30"), ("Charlie", "18", "9")):
        provider = ProviderFactory(name=name, services=[care, sitting])
        ProviderPriceFactory(provider=provider, service=care, amount=Decimal(care_price))
        ProviderPriceFactory(provider=provider, service=sitting, amount=Decimal(sitting_price))
    results = search(sort=Sort.PRICE, services=("personal-care",))
    assert names(results) == ["Bravo", "Charlie", "Alpha"]
    assert [hit.matched_price for hit in results.hits] == [Decimal("16"), Decimal("18"), Decimal("20")]


def test_text_relevance_ranks_a_name_match_first():
    ProviderFactory(name="Alder Care", summary="Support with meals.", is_accredited=True)
    ProviderFactory(name="Meals on Wheels Wendleshire", summary="Hot food delivered.")
    assert names(search(text="meals"))[0] == "Meals on Wheels Wendleshire"


def test_the_words_are_found_from_their_text_index_not_by_reading_every_listing():
    """A common word matches most listings, and PostgreSQL's planner would then read every
    listing's words rather than use their index, 5 to 10 times slower (decision 0050)."""
    for index in range(30):
        ProviderFactory(name=f"Carer {index:02}", summary="Personal care at home.")
    matches = text_matches("personal care")
    assert matches is not None
    sql, params = matches.query.sql_with_params()
    with text_index_only(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE providers_listingtext")  # the planner now knows nearly all match
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Bitmap Index Scan on providers_listingtext_search_vector_gin" in plan, plan
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            assert "VIRTUAL TABLE INDEX" in plan, plan  # SQLite's full-text table
    if connection.vendor == "postgresql":
        # Only for the words: what follows in the same transaction is planned as usual.
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_seqscan")
            assert cursor.fetchone()[0] == "on"
    assert len(search(text="personal care").hits) == 20


# Paging and the query budget ------------------------------------------------------


def test_pages_split_the_results_without_overlap():
    for index in range(7):
        ProviderFactory(name=f"Provider {index}")
    pages = [search(page=page, page_size=3) for page in (1, 2, 3)]
    assert [len(page.hits) for page in pages] == [3, 3, 1]
    all_names = [name for page in pages for name in names(page)]
    assert sorted(all_names) == [f"Provider {index}" for index in range(7)]
    assert pages[0].page_count == 3
    assert (pages[1].first_index, pages[1].last_index) == (4, 6)
    assert search(page=4, page_size=3).hits == []


def test_a_page_s_listings_are_read_as_the_orm_reads_them():
    care, help_at_home = ServiceTypeFactory(slug="personal-care"), ServiceTypeFactory(slug="domestic-help")
    rural = LocalityFactory(name="Oakmere", is_rural=True)
    town = ProviderFactory(name="Town provider", services=[care], lowest_hourly_price=Decimal("18.5"))
    village = ProviderFactory(name="Village provider", locality=rural, accredited_since=date(2026, 3, 1))
    hidden = ProviderFactory(name="Withdrawn provider", status=Provider.Status.WITHDRAWN, locality=rural)
    ProviderPriceFactory(provider=town, service=care, amount=Decimal("18.5"))
    ProviderPriceFactory(provider=town, service=help_at_home, amount=Decimal("20"))
    ProviderPriceFactory(provider=hidden, service=care, amount=Decimal("15"))
    ProviderPriceFactory(provider=village, service=care, amount=Decimal("30"), unit=ProviderPrice.Unit.DAY)
    ids = [town.pk, village.pk, hidden.pk]

    read = page_listings(ids)

    assert set(read) == set(ids)
    for listing in Provider.objects.filter(pk__in=ids).select_related("locality"):
        for field in Provider._meta.concrete_fields:
            if field.attname not in UNSHOWN_COLUMNS:
                value = getattr(read[listing.pk], field.attname)
                assert (value, type(value)) == (getattr(listing, field.attname), type(getattr(listing, field.attname)))
    # The columns not read are deferred, not empty: a reader that asks for one gets it from the database.
    assert read[town.pk].get_deferred_fields() == set(UNSHOWN_COLUMNS)
    assert read[town.pk].description == town.description != ""
    assert read[town.pk].locality is None
    locality = read[village.pk].locality
    assert (locality.pk, locality.name, locality.slug) == (rural.pk, "Oakmere", rural.slug)
    assert locality.is_rural is True
    # Each hour's price as the database keeps it, to the penny; a price a day is not an hour's.
    assert sorted(map(str, dict(read[town.pk].hourly_prices).values())) == ["18.50", "20.00"]
    assert read[village.pk].hourly_prices == []
    # The Elasticsearch backend's: a listing no longer published is left out, its prices with it.
    assert set(page_listings(ids, published_only=True)) == {town.pk, village.pk}
    assert page_listings([]) == {}


# How the statement reading a page's listings (search.backends.database._listings_read) names their table.
LISTING_READ = 'p."summary"'


def test_the_listings_a_page_showed_are_read_again_only_after_a_change():
    care = ServiceTypeFactory(slug="personal-care", name="Personal care")
    listings = [ProviderFactory(name=f"Care provider {index}", services=[care]) for index in range(3)]
    ProviderPriceFactory(provider=listings[0], service=care, amount=Decimal("17.50"))
    backend = DatabaseSearchBackend()
    version = listings_version()
    first = backend.search(ProviderSearch(), version=version)

    with CaptureQueriesContext(connection) as queries:
        again = backend.search(ProviderSearch(services=("personal-care",)), version=version)
    assert not [query for query in queries if LISTING_READ in query["sql"]]
    assert [hit.provider for hit in again.hits] == [hit.provider for hit in first.hits]
    assert again.hits[0].matched_price == Decimal("17.50")

    provider_set_accreditation(provider=listings[2], is_accredited=True, since=date(2026, 1, 5))

    with CaptureQueriesContext(connection) as queries:
        changed = backend.search(ProviderSearch(), version=listings_version())
    # Only the changed listing is read again: the change is logged as being to it (decision 0053).
    reads = [query["sql"] for query in queries if LISTING_READ in query["sql"]]
    assert len(reads) == 1
    assert f'p."id" IN ({listings[2].pk})' in reads[0]
    assert changed.hits[0].provider.name == "Care provider 2"
    assert changed.hits[0].provider.accredited_since == date(2026, 1, 5)


def test_a_result_is_shown_and_offered_as_an_alternative_without_reading_its_listing_again(
    django_assert_num_queries,
):
    # A page reads each listing without the columns no result shows (UNSHOWN_COLUMNS): whatever
    # its readers use must still be there, or each would read its listing again.
    listing = ProviderFactory(name="Willow Care", summary="Help at home", capacity_hours_per_week=20)
    results = search()
    hit = results.hits[0]
    with django_assert_num_queries(0):
        html = "".join(result_cards({"results": results, "paid_online": set()}, page_url="/directory/", hole="|"))
        capacity = Alternative(provider=hit.provider, distance_miles=None, services_matched=[]).capacity
    assert "Willow Care" in html
    assert "Help at home" in html
    assert f'value="{listing.uuid}"' in html
    assert capacity == "20 hours a week"


@pytest.mark.parametrize(
    "query",
    [
        ProviderSearch(),
        ProviderSearch(text="care", services=("personal-care",), near=WENDLEBURY, sort=Sort.DISTANCE),
        ProviderSearch(services=("personal-care",), max_hourly_price=Decimal("30"), sort=Sort.PRICE),
        ProviderSearch(text="care provider", languages=("english",)),
    ],
    ids=["plain", "text-service-distance", "price", "text"],
)
def test_a_search_runs_the_same_number_of_queries_whatever_the_page_size(query):
    care = ServiceTypeFactory(slug="personal-care", name="Personal care")
    english = LanguageFactory(slug="english", name="English")
    for index in range(60):
        provider = ProviderFactory(
            name=f"Care provider {index:02}",
            services=[care],
            languages=[english],
            latitude=52.60 + index / 1000,
            longitude=-1.10,
        )
        ProviderPriceFactory(provider=provider, service=care, amount=Decimal(15 + index % 10))
    backend = DatabaseSearchBackend()
    counts = {}
    for page_size in (5, 50):
        # The first search of a listings version in a worker also reads its bitmaps (search/bitmaps.py).
        VersionMemo.clear_all()
        for turn in ("first", "again"):
            with CaptureQueriesContext(connection) as queries:
                results = backend.search(replace(query, page_size=page_size))
                for hit in results.hits:  # what the results page and the alternatives read from each hit
                    str(hit.provider.locality)
            assert len(results.hits) == page_size
            counts[turn, page_size] = len(queries)
    assert counts["first", 5] == counts["first", 50], counts
    assert counts["again", 5] == counts["again", 50], counts
