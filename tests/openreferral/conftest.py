import datetime
from typing import cast

import pytest
from django.core.cache import cache

from marketplace.places.models import Place
from marketplace.providers.availability import Day, PartOfDay, WeeklyAvailability
from marketplace.providers.models import Provider, ProviderLocation
from tests.factories import (
    ClientGroupFactory,
    LanguageFactory,
    LocalityFactory,
    PlaceFactory,
    ProviderFactory,
    ProviderPriceFactory,
    ServiceTypeFactory,
    SpecialismFactory,
)


@pytest.fixture(autouse=True)
def open_data_settings(settings):
    """No rate limit unless a test asks for one, and a fresh count for each test."""
    settings.OPENREFERRAL_RATE_LIMIT_PER_MINUTE = 0
    cache.clear()
    yield settings
    cache.clear()


@pytest.fixture
def day_service(db) -> Provider:
    """A published day service with everything the API maps: terms, prices, premises, areas, capacity."""
    north = LocalityFactory(name="North Wendle")
    personal_care = ServiceTypeFactory(name="Personal care")
    day_opportunities = ServiceTypeFactory(name="Day opportunities")
    provider = cast(
        Provider,
        ProviderFactory(
            kind=Provider.Kind.DAY_SERVICE,
            name="Riverside Day Centre",
            summary="Day opportunities by the river.",
            description="Activities, lunch and trips for older people and adults with a learning disability.",
            contact_name="Pat Riley",
            contact_email="hello@riverside.example.org",
            contact_phone="01632 960001",
            website="https://riverside.example.org/",
            has_consented_to_publish_contact=True,
            base_postcode="WE1 2AB",
            latitude=52.60,
            longitude=-1.10,
            locality=north,
            postcode_districts_served="WE1 WE14",
            travel_radius_miles=5,
            services=[personal_care, day_opportunities],
            client_groups=[ClientGroupFactory(name="Older people")],
            specialisms=[SpecialismFactory(name="Dementia")],
            languages=[LanguageFactory(name="Welsh", code="cy")],
            availability_mask=WeeklyAvailability.from_slots(
                [
                    (Day.MONDAY, PartOfDay.MORNING),
                    (Day.MONDAY, PartOfDay.AFTERNOON),
                    (Day.WEDNESDAY, PartOfDay.MORNING),
                ]
            ).mask,
            capacity_places_per_day=12,
            capacity_hours_per_week=40,
            is_accredited=True,
            accredited_since=datetime.date(2024, 3, 1),
            cqc_provider_id="1-000000001",
            cqc_location_id="1-000000002",
            cqc_rating=Provider.CqcRating.GOOD,
            cqc_rating_date=datetime.date(2023, 5, 1),
        ),
    )
    provider.localities_served.set([north])
    provider.save()
    ProviderPriceFactory(provider=provider, service=day_opportunities, unit="day", amount="55.00", includes="lunch")
    ProviderPriceFactory(provider=provider, service=personal_care, amount="19.50")
    ProviderLocation.objects.create(
        provider=provider,
        name="Riverside Hall",
        address_line_1="1 River Lane",
        address_line_2="Old Town",
        town="Wendle",
        postcode="WE1 2AB",
        latitude=52.601,
        longitude=-1.101,
        has_step_free_access=True,
        has_accessible_toilet=True,
    )
    provider.refresh_from_db()
    return provider


@pytest.fixture
def wendle_places(db) -> dict[str, Place]:
    north = LocalityFactory(name="North Wendle")
    south = LocalityFactory(name="South Wendle")
    return {
        "WE1 2AB": cast(
            Place,
            PlaceFactory(kind=Place.Kind.POSTCODE, name="WE1 2AB", latitude=52.60, longitude=-1.10, locality=north),
        ),
        "WE9 9ZZ": cast(
            Place,
            PlaceFactory(kind=Place.Kind.POSTCODE, name="WE9 9ZZ", latitude=53.10, longitude=-1.10, locality=south),
        ),
        "WE14 1AA": cast(
            Place,
            PlaceFactory(kind=Place.Kind.POSTCODE, name="WE14 1AA", latitude=53.30, longitude=-1.60, locality=south),
        ),
    }
