"""Every query parameter the ORUK document defines, tried on /services and /service_at_locations."""

import datetime
from typing import cast

import pytest
from django.utils import timezone

from marketplace.openreferral.taxonomies import CLIENT_GROUPS, PROVIDER_KINDS, SPECIALISMS, kind_term
from marketplace.providers.availability import Day, PartOfDay, WeeklyAvailability
from marketplace.providers.models import Provider, ProviderLocation
from tests.factories import ProviderFactory, ServiceTypeFactory, SpecialismFactory

pytestmark = pytest.mark.django_db


def names(client, query: str, endpoint: str = "services") -> set[str]:
    response = client.get(f"/openreferral/{endpoint}?{query}")
    assert response.status_code == 200, response.content
    contents = response.json()["contents"]
    if endpoint == "services":
        return {item["name"] for item in contents}
    return {item["service"]["name"] for item in contents}


def evening_pa(**kwargs) -> Provider:
    defaults = {
        "name": "Evening PA",
        "availability_mask": WeeklyAvailability.from_slots([(Day.FRIDAY, PartOfDay.EVENING)]).mask,
        "summary": "Evenings and weekends.",
        "description": "Companionship and help with cooking.",
    }
    return cast(Provider, ProviderFactory(**{**defaults, **kwargs}))


def test_search_matches_words_in_the_listing(client, day_service):
    evening_pa()

    assert names(client, "search=river") == {"Riverside Day Centre"}
    assert names(client, "search=cooking") == {"Evening PA"}


def test_taxonomy_term_id_narrows_to_listings_with_that_term(client, day_service):
    evening_pa(specialisms=[SpecialismFactory(name="Autism")])
    dementia = day_service.specialisms.get()
    personal_care = day_service.services.get(name="Personal care")

    assert names(client, f"taxonomy_term_id={dementia.uuid}") == {"Riverside Day Centre"}
    assert names(client, f"taxonomy_term_id={personal_care.uuid}") == {"Riverside Day Centre"}
    assert names(client, f"taxonomy_term_id={kind_term('personal_assistant').id}") == {"Evening PA"}


def test_taxonomy_id_narrows_to_listings_with_any_term_of_it(client, day_service):
    evening_pa()

    assert names(client, f"taxonomy_id={SPECIALISMS.id}") == {"Riverside Day Centre"}
    assert names(client, f"taxonomy_id={CLIENT_GROUPS.id}") == {"Riverside Day Centre"}
    assert names(client, f"taxonomy_id={PROVIDER_KINDS.id}") == {"Riverside Day Centre", "Evening PA"}


def test_unknown_taxonomy_ids_are_a_400(client, day_service):
    for name in ("taxonomy_id", "taxonomy_term_id"):
        response = client.get(f"/openreferral/services?{name}=3f7b145d-84af-42d7-8fae-eaca714b02b2")
        assert response.status_code == 400
        assert name in response.json()["errors"]


def test_ages_select_listings_whose_adult_age_range_overlaps(client, day_service):
    everyone = {"Riverside Day Centre"}

    assert names(client, "minimum_age=18") == everyone
    assert names(client, "minimum_age=70&maximum_age=90") == everyone
    assert names(client, "maximum_age=17") == set()
    assert names(client, "minimum_age=5&maximum_age=16") == set()


def test_day_matches_the_weekly_grid(client, day_service):
    evening_pa()

    assert names(client, "day=MO") == {"Riverside Day Centre"}
    assert names(client, "day=Friday") == {"Evening PA"}
    assert names(client, "day=TU") == set()


def test_start_and_end_time_select_parts_of_the_day_within_them(client, day_service):
    evening_pa()

    assert names(client, "start_time=08:00&end_time=12:00") == {"Riverside Day Centre"}
    assert names(client, "start_time=17:00") == {"Evening PA"}
    assert names(client, "day=FR&start_time=08:00&end_time=17:00") == set()
    assert names(client, "start_time=09:00&end_time=10:00") == set()  # no part of the day fits inside


def test_postcode_alone_selects_listings_whose_area_served_covers_it(client, day_service, wendle_places):
    evening_pa(latitude=53.5, longitude=-2.0, travel_radius_miles=1, postcode_districts_served="")

    assert names(client, "postcode=WE1 2AB") == {"Riverside Day Centre"}  # locality, district and radius
    assert names(client, "postcode=WE14 1AA") == {"Riverside Day Centre"}  # district WE14 is served
    assert names(client, "postcode=WE9 9ZZ") == set()


def test_postcode_with_proximity_selects_listings_within_that_many_metres(client, day_service, wendle_places):
    evening_pa(latitude=53.10, longitude=-1.10)  # about 55 km north

    assert names(client, "postcode=WE1 2AB&proximity=1000") == {"Riverside Day Centre"}
    assert names(client, "postcode=WE9 9ZZ&proximity=1000") == {"Evening PA"}
    assert names(client, "postcode=WE1 2AB&proximity=60000") == {"Riverside Day Centre", "Evening PA"}
    assert names(client, "postcode=WE1 2AB&proximity=1000", "service_at_locations") == {"Riverside Day Centre"}


def test_proximity_needs_a_postcode_and_unknown_postcodes_are_a_400(client, wendle_places):
    assert client.get("/openreferral/services?proximity=500").json()["errors"].keys() == {"proximity"}
    assert client.get("/openreferral/services?postcode=ZZ99 9ZZ").status_code == 400


def test_modified_after_lists_only_listings_changed_since(client, day_service):
    old = evening_pa()
    Provider.objects.filter(pk=old.pk).update(updated_at=timezone.now() - datetime.timedelta(days=3))
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat().replace("+00:00", "Z")

    assert names(client, f"modified_after={since}") == {"Riverside Day Centre"}
    assert names(client, "modified_after=2000-01-01T00:00:00Z") == {"Riverside Day Centre", "Evening PA"}
    assert names(client, f"modified_after={since}", "service_at_locations") == {"Riverside Day Centre"}


def test_paging_walks_every_listing_once_in_a_stable_order(client):
    created = {cast(Provider, ProviderFactory(name=f"Listing {number:02}")).name for number in range(7)}
    seen: list[str] = []
    for page in range(1, 5):
        body = client.get(f"/openreferral/services?page={page}&per_page=3").json()
        seen += [item["name"] for item in body["contents"]]
        assert body["page_number"] == page
        assert body["total_items"] == 7
        assert body["total_pages"] == 3
        assert body["first_page"] is (page == 1)
        assert body["last_page"] is (page >= 3)
        assert body["empty"] is (page > 3)

    assert sorted(seen) == sorted(created)
    assert len(seen) == len(set(seen))


def test_paging_applies_to_taxonomy_terms_too(client):
    for number in range(3):
        ServiceTypeFactory(name=f"Service {number}")

    body = client.get("/openreferral/taxonomy_terms?per_page=2&page=2").json()

    assert body["size"] == 2
    assert body["page_number"] == 2
    assert body["total_items"] == 3 + len(Provider.Kind)


def test_service_at_locations_lists_each_premises_of_matching_listings(client, day_service):
    ProviderLocation.objects.create(
        provider=day_service, name="Annexe", address_line_1="2 River Lane", town="Wendle", postcode="WE1 2AC"
    )
    evening_pa()

    body = client.get("/openreferral/service_at_locations").json()

    assert [item["location"]["name"] for item in body["contents"]] == ["Annexe", "Riverside Hall"]
    assert names(client, "day=FR", "service_at_locations") == set()


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("per_page=0", "per_page"),
        ("per_page=501", "per_page"),
        ("per_page=2.5", "per_page"),
        ("minimum_age=-1", "minimum_age"),
        ("maximum_age=NaN", "maximum_age"),
        ("minimum_age=30&maximum_age=20", "maximum_age"),
        ("day=Funday", "day"),
        ("start_time=25:00", "start_time"),
        ("end_time=noon", "end_time"),
        ("modified_after=yesterday", "modified_after"),
        ("taxonomy_term_id=not-a-uuid", "taxonomy_term_id"),
        ("proximity=-5&postcode=WE1 2AB", "proximity"),
        ("search=" + "x" * 101, "search"),
    ],
)
def test_bad_parameters_are_a_json_400_naming_the_parameter(client, wendle_places, query, parameter):
    response = client.get(f"/openreferral/services?{query}")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert parameter in response.json()["errors"]


@pytest.mark.parametrize(
    ("moment", "start", "expected"),
    [
        # Winter: UK time is GMT, so 17:00Z is 17:00 in the UK.
        (datetime.datetime(2027, 1, 12, 10, 0, tzinfo=datetime.UTC), "17:00:00Z", {"Evening PA"}),
        # Summer: UK time is BST, so 16:00Z is 17:00 in the UK and 17:00Z is 18:00 (after evening starts).
        (datetime.datetime(2027, 7, 13, 10, 0, tzinfo=datetime.UTC), "16:00:00Z", {"Evening PA"}),
        (datetime.datetime(2027, 7, 13, 10, 0, tzinfo=datetime.UTC), "17:00:00Z", set()),
        (datetime.datetime(2027, 7, 13, 10, 0, tzinfo=datetime.UTC), "17:00+01:00", {"Evening PA"}),
    ],
)
def test_times_with_a_zone_are_accepted_and_read_as_uk_time(client, day_service, moment, start, expected):
    import time_machine

    evening_pa()
    with time_machine.travel(moment, tick=False):
        assert names(client, f"start_time={start.replace('+', '%2B')}") == expected


def test_a_time_that_is_not_a_time_is_still_refused(client):
    response = client.get("/openreferral/services?start_time=25:00Z")
    assert response.status_code == 400
    assert response.json()["errors"] == {"start_time": ["start_time must be a time like 09:00."]}
