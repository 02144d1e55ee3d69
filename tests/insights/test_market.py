"""The market view: supply against need by locality and service, and the rural gaps."""

import pytest

from marketplace.insights import market
from marketplace.places.models import Place
from marketplace.providers.models import Provider
from tests.factories import (
    ClientGroupFactory,
    DirectPaymentHolderFactory,
    LocalityFactory,
    PlaceFactory,
    ProviderFactory,
    ServiceTypeFactory,
)

pytestmark = pytest.mark.django_db

BASE_LATITUDE, BASE_LONGITUDE = 52.6, -1.1


def miles_north(miles: float) -> float:
    return BASE_LATITUDE + miles / market.MILES_PER_DEGREE_LATITUDE


def serving(localities, services, **fields):
    provider = ProviderFactory(services=services, **fields)
    provider.localities_served.set(localities)
    provider.save()  # a ParentalManyToManyField is written when its model is saved
    return provider


def test_haversine_distance_matches_a_known_one():
    # Leicester to Loughborough, about 9.9 miles as the crow flies.
    assert market.miles_between(52.6369, -1.1398, 52.7721, -1.2062) == pytest.approx(9.9, abs=0.2)
    assert market.miles_between(52.6, -1.1, 52.6, -1.1) == 0


def test_supply_and_need_count_each_locality_and_service(django_assert_num_queries):
    town = LocalityFactory(name="Ashford")
    rural = LocalityFactory(name="Wold", is_rural=True)
    care = ServiceTypeFactory(name="Personal care", sort_order=1)
    shopping = ServiceTypeFactory(name="Shopping", sort_order=2)
    serving([town, rural], [care, shopping], capacity_hours_per_week=20)
    serving([town], [care], capacity_hours_per_week=15)
    serving([town], [care], capacity_hours_per_week=None, capacity_places_per_day=12)
    # Not supply: not taking new clients, or not published.
    serving([rural], [care], is_taking_new_clients=False, capacity_hours_per_week=40)
    serving([rural], [care], status=Provider.Status.DRAFT, capacity_hours_per_week=40)
    DirectPaymentHolderFactory.create_batch(3, locality=town)
    DirectPaymentHolderFactory(locality=rural)
    DirectPaymentHolderFactory(locality=None)

    with django_assert_num_queries(10):
        view = market.market_supply()

    cells = {(cell.locality_name, cell.service_name): cell for cell in view.cells}
    assert len(cells) == 4  # every pair, zero or not
    town_care = cells[("Ashford", "Personal care")]
    # The provider serving both localities has 20 free hours in all: 10 in each, not 20 in each.
    assert (town_care.provider_count, town_care.hours_per_week, town_care.places_per_day) == (3, 25, 12)
    assert (town_care.holder_count, town_care.holders_per_provider) == (3, 1.0)
    assert cells[("Wold", "Personal care")].provider_count == 1
    assert cells[("Wold", "Shopping")].hours_per_week == 10
    assert cells[("Ashford", "Shopping")].provider_count == 1
    assert cells[("Wold", "Personal care")].holder_count == 1
    assert view.gaps == ()


def test_free_hours_add_up_to_what_providers_have_whatever_the_localities():
    """A known small world: the hours shown across localities total the providers' own free hours."""
    localities = [LocalityFactory(name=name) for name in ("Ashford", "Brockley", "Carrow")]
    care = ServiceTypeFactory(name="Personal care")
    serving(localities, [care], capacity_hours_per_week=30)
    serving(localities[:2], [care], capacity_hours_per_week=9)
    serving(localities[2:], [care], capacity_hours_per_week=4)

    view = market.market_supply()

    assert [cell.hours_per_week for cell in view.cells] == [14, 14, 14]  # 10 + 4.5 (rounded), 10 + 4.5, 10 + 4
    assert sum(cell.provider_count for cell in view.cells) == 6


def test_holders_by_primary_need_against_providers_supporting_it(django_assert_max_num_queries):
    from marketplace.accounts.models import DirectPaymentHolder

    town, wold = LocalityFactory(name="Ashford"), LocalityFactory(name="Wold", is_rural=True)
    older = ClientGroupFactory(name="Older people", slug="older-people")
    mental = ClientGroupFactory(name="Mental health", slug="mental-health")
    care = ServiceTypeFactory(name="Personal care")
    serving([town, wold], [care], capacity_hours_per_week=20, client_groups=[older])
    serving([town], [care], capacity_hours_per_week=8, client_groups=[older, mental])
    need = DirectPaymentHolder.PrimaryNeed
    DirectPaymentHolderFactory.create_batch(3, locality=town, primary_need=need.OLDER_PEOPLE)
    DirectPaymentHolderFactory.create_batch(2, locality=wold, primary_need=need.MENTAL_HEALTH)
    DirectPaymentHolderFactory(locality=wold, primary_need=need.OLDER_PEOPLE)

    with django_assert_max_num_queries(10):
        view = market.market_supply()

    cells = {(cell.locality_name, cell.need): cell for cell in view.needs}
    assert len(cells) == 8  # every locality and primary need, zero or not
    town_older = cells[("Ashford", "older-people")]
    assert (town_older.holder_count, town_older.provider_count, town_older.hours_per_week) == (3, 2, 18)
    assert cells[("Ashford", "mental-health")].provider_count == 1
    assert cells[("Ashford", "mental-health")].has_no_supply is False  # nobody there needs it
    assert [(cell.locality_name, cell.need) for cell in view.need_gaps] == [("Wold", "mental-health")]


def test_pairs_without_supply_are_the_gaps():
    town = LocalityFactory(name="Ashford")
    care = ServiceTypeFactory(name="Personal care")
    respite = ServiceTypeFactory(name="Respite")
    serving([town], [care])

    view = market.market_supply()
    assert [(cell.locality_name, cell.service_name) for cell in view.gaps] == [("Ashford", "Respite")]
    assert view.gaps[0].holders_per_provider is None
    only = market.market_supply(locality_ids=[town.pk], service_ids=[respite.pk])
    assert [cell.service_name for cell in only.cells] == ["Respite"]


def test_a_locality_with_under_half_the_countys_free_hours_per_holder_is_a_gap():
    """A known small world: 60 free hours for 20 holders in all (3 each); Wold has 4 for 10 (0.4 each)."""
    town, wold, empty = (
        LocalityFactory(name="Ashford"),
        LocalityFactory(name="Wold", is_rural=True),
        LocalityFactory(name="Nobody"),
    )
    care = ServiceTypeFactory(name="Personal care")
    serving([town], [care], capacity_hours_per_week=56)
    serving([wold], [care], capacity_hours_per_week=4)
    serving([empty], [care], capacity_hours_per_week=1)  # nobody lives there: never short
    DirectPaymentHolderFactory.create_batch(10, locality=town)
    DirectPaymentHolderFactory.create_batch(10, locality=wold)

    view = market.market_supply()

    assert [(cell.locality_name, cell.gap_text) for cell in view.gaps] == [
        ("Wold", "Under half the county's free capacity per holder")
    ]
    cells = {cell.locality_name: cell for cell in view.cells}
    assert cells["Ashford"].county_hours_per_holder == pytest.approx(61 / 20)
    assert not cells["Ashford"].is_gap
    # The same county seen one locality at a time still compares with the whole county.
    assert market.market_supply(locality_ids=[wold.pk]).gaps[0].locality_name == "Wold"
    assert market.market_supply(locality_ids=[town.pk]).gaps == ()


def test_day_places_are_compared_when_the_service_is_given_in_places():
    town, wold = LocalityFactory(name="Ashford"), LocalityFactory(name="Wold", is_rural=True)
    days = ServiceTypeFactory(name="Day opportunities")
    serving([town], [days], capacity_hours_per_week=None, capacity_places_per_day=30)
    serving([wold], [days], capacity_hours_per_week=None, capacity_places_per_day=1)
    DirectPaymentHolderFactory.create_batch(5, locality=town)
    DirectPaymentHolderFactory.create_batch(5, locality=wold)

    gaps = market.market_supply().gaps

    assert [(cell.locality_name, cell.has_short_supply) for cell in gaps] == [("Wold", True)]


def test_rural_gaps_are_towns_and_villages_with_no_assistant_offering_the_service_within_the_distance():
    care = ServiceTypeFactory(name="Personal care", slug="personal-care")
    other = ServiceTypeFactory(name="Shopping")
    near_town = PlaceFactory(name="Nearby", kind=Place.Kind.TOWN, latitude=BASE_LATITUDE, longitude=BASE_LONGITUDE)
    far_village = PlaceFactory(
        name="Faraway", kind=Place.Kind.VILLAGE, latitude=miles_north(12), longitude=BASE_LONGITUDE
    )
    edge_village = PlaceFactory(
        name="Edgeley", kind=Place.Kind.VILLAGE, latitude=miles_north(-4.6), longitude=BASE_LONGITUDE
    )
    PlaceFactory(name="WE1", kind=Place.Kind.DISTRICT, latitude=miles_north(30), longitude=BASE_LONGITUDE)
    ProviderFactory(services=[care], latitude=miles_north(0.2), longitude=BASE_LONGITUDE, name="Close PA")
    # Not counted: another service, an agency (not a personal assistant), an unpublished assistant.
    ProviderFactory(services=[other], latitude=miles_north(12), longitude=BASE_LONGITUDE)
    ProviderFactory(
        services=[care], kind=Provider.Kind.HOME_CARE_AGENCY, latitude=miles_north(12), longitude=BASE_LONGITUDE
    )
    ProviderFactory(
        services=[care], status=Provider.Status.SUSPENDED, latitude=miles_north(12), longitude=BASE_LONGITUDE
    )

    gaps = market.rural_gaps(service=care, miles=5)

    assert gaps.places_checked == 3
    assert gaps.providers_considered == 1
    assert [gap.name for gap in gaps.gaps] == ["Faraway"]
    assert gaps.gaps[0].nearest_miles == pytest.approx(11.8, abs=0.1)
    assert gaps.gaps[0].nearest_provider_name == "Close PA"
    assert gaps.gaps[0].place_id == far_village.pk
    assert near_town.pk not in {gap.place_id for gap in gaps.gaps}
    # Edgeley is 4.8 miles from the assistant: inside 5 miles, a gap at 4.
    assert edge_village.pk in {gap.place_id for gap in market.rural_gaps(service=care, miles=4).gaps}
    assert [gap.name for gap in market.rural_gaps(service=care, miles=15).gaps] == []


def test_assistants_sharing_a_location_are_each_counted_and_the_first_by_name_is_named_nearest():
    """Assistants are placed at their postcode, so many share a point: each counts, one name is given."""
    care = ServiceTypeFactory(name="Personal care")
    PlaceFactory(name="Faraway", kind=Place.Kind.VILLAGE, latitude=miles_north(12), longitude=BASE_LONGITUDE)
    for name in ("Zara PA", "Adam PA", "Mina PA"):
        ProviderFactory(services=[care], latitude=BASE_LATITUDE, longitude=BASE_LONGITUDE, name=name)
    ProviderFactory(services=[care], latitude=miles_north(-20), longitude=BASE_LONGITUDE, name="Aaron PA")

    gaps = market.rural_gaps(service=care, miles=5)

    assert gaps.providers_considered == 4
    assert [(gap.name, gap.nearest_provider_name) for gap in gaps.gaps] == [("Faraway", "Adam PA")]
    assert gaps.gaps[0].nearest_miles == pytest.approx(12, abs=0.1)


def test_rural_gaps_with_no_assistants_at_all_say_none_is_near():
    care = ServiceTypeFactory(name="Personal care")
    PlaceFactory(name="Lonely", kind=Place.Kind.VILLAGE)
    gaps = market.rural_gaps(service=care)
    assert [(gap.name, gap.nearest_miles) for gap in gaps.gaps] == [("Lonely", None)]
    assert gaps.gaps[0].nearest_miles_text == "none in the area"


def test_the_grid_finds_the_same_gaps_as_measuring_every_pair():
    """The bounded candidate search must agree with the brute-force answer, across cell edges."""
    care = ServiceTypeFactory(name="Personal care")
    for index in range(40):
        PlaceFactory(
            name=f"Village{index}",
            kind=Place.Kind.VILLAGE,
            latitude=BASE_LATITUDE + (index % 8) * 0.045,
            longitude=BASE_LONGITUDE + (index // 8) * 0.07,
        )
    assistants = [
        (BASE_LATITUDE + 0.02 + (index % 5) * 0.07, BASE_LONGITUDE + 0.03 + (index // 5) * 0.11) for index in range(9)
    ]
    for latitude, longitude in assistants:
        ProviderFactory(services=[care], latitude=latitude, longitude=longitude)

    for miles in (1, 2.5, 4):
        expected = {
            place.name
            for place in Place.objects.filter(kind=Place.Kind.VILLAGE)
            if all(market.miles_between(place.latitude, place.longitude, *point) > miles for point in assistants)
        }
        assert {gap.name for gap in market.rural_gaps(service=care, miles=miles).gaps} == expected


def test_rural_gaps_refuse_a_distance_of_nothing():
    with pytest.raises(ValueError, match="more than 0"):
        market.rural_gaps(service=ServiceTypeFactory(), miles=0)


def test_rural_gaps_at_county_scale_check_every_place_against_every_assistant():
    """About the demo county's size at scale 1: 60 towns and villages, 1,000 assistants offering the service.
    How long it takes is measured by `manage.py insights_timings`, not here."""
    care = ServiceTypeFactory(name="Personal care")
    Place.objects.bulk_create(
        Place(
            kind=Place.Kind.VILLAGE,
            name=f"Village {index}",
            lookup_key=f"VILLAGE{index}",
            latitude=BASE_LATITUDE + (index % 10) * 0.05,
            longitude=BASE_LONGITUDE + (index // 10) * 0.08,
        )
        for index in range(60)
    )
    providers = Provider.objects.bulk_create(
        Provider(
            kind=Provider.Kind.PERSONAL_ASSISTANT,
            status=Provider.Status.PUBLISHED,
            name=f"Assistant {index}",
            slug=f"assistant-{index}",
            summary="Support at home",
            latitude=BASE_LATITUDE + (index * 7 % 100) * 0.005,
            longitude=BASE_LONGITUDE + (index * 13 % 100) * 0.005,
        )
        for index in range(1000)
    )
    Provider.services.through.objects.bulk_create(
        Provider.services.through(provider_id=provider.pk, servicetype_id=care.pk) for provider in providers
    )

    gaps = market.rural_gaps(service=care, miles=5)

    assert (gaps.places_checked, gaps.providers_considered) == (60, 1000)
    assert {gap.name for gap in gaps.gaps} == {
        place.name
        for place in Place.objects.all()
        if all(
            market.miles_between(place.latitude, place.longitude, provider.latitude, provider.longitude) > 5
            for provider in providers
        )
    }


def _advert(holder, locality, services, status):
    from django.utils import timezone

    from marketplace.adverts.models import Advert

    advert = Advert.objects.create(
        holder=holder,
        status=status,
        title="A personal assistant for mornings",
        postcode_district="WE1",
        locality=locality,
        availability_mask=1,
        hours_per_week=10,
        hourly_rate_pence=1500,
        employment=Advert.Employment.SELF_EMPLOYED,
        created_at=timezone.now(),
    )
    advert.services.set(services)
    return advert


def _enquiry(holder, provider, service, sent_together, status):
    from datetime import date

    from marketplace.engagement.models import Enquiry

    return Enquiry.objects.create(
        holder=holder,
        provider=provider,
        service=service,
        hours_per_week=6,
        start_on=date(2026, 3, 2),
        rate_pence=1700,
        sent_together=sent_together,
        status=status,
    )


def test_measured_demand_counts_open_adverts_and_enquiries_nobody_took_up():
    import uuid

    from marketplace.adverts.models import Advert
    from marketplace.engagement.models import Enquiry

    town = LocalityFactory(name="Ashford")
    rural = LocalityFactory(name="Wold", is_rural=True)
    care = ServiceTypeFactory(name="Personal care", sort_order=1)
    respite = ServiceTypeFactory(name="Respite", sort_order=2)
    agency = serving([town], [care])
    other = serving([town], [care])
    in_town = DirectPaymentHolderFactory(locality=town)
    in_wold = DirectPaymentHolderFactory(locality=rural)

    _advert(in_wold, rural, [care, respite], Advert.Status.OPEN)  # one advert, two services
    _advert(in_wold, rural, [care], Advert.Status.CLOSED)  # closed: not demand
    _advert(in_town, town, [care], Advert.Status.DRAFT)  # not published: not demand
    unfilled, filled = uuid.uuid4(), uuid.uuid4()
    # One request to two providers that both declined or have not answered: one unfilled enquiry.
    _enquiry(in_wold, agency, care, unfilled, Enquiry.Status.DECLINED)
    _enquiry(in_wold, other, care, unfilled, Enquiry.Status.OPEN)
    # A request that one provider took up is not demand, whatever the others said.
    _enquiry(in_town, agency, care, filled, Enquiry.Status.ACCEPTED)
    _enquiry(in_town, other, care, filled, Enquiry.Status.OPEN)

    view = market.market_supply()

    cells = {(cell.locality_name, cell.service_name): cell for cell in view.cells}
    assert (cells[("Wold", "Personal care")].open_adverts, cells[("Wold", "Personal care")].unfilled_enquiries) == (
        1,
        1,
    )
    assert cells[("Wold", "Personal care")].demand == 2
    assert cells[("Wold", "Respite")].demand == 1
    assert cells[("Ashford", "Personal care")].demand == 0
    assert cells[("Ashford", "Respite")].demand == 0
    # Nobody in Wold is taking new clients for either: both are unmet demand; Ashford's gap has no demand.
    assert [(cell.locality_name, cell.service_name) for cell in view.unmet_demand] == [
        ("Wold", "Personal care"),
        ("Wold", "Respite"),
    ]
