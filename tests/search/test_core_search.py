from decimal import Decimal

import pytest
from django.http import QueryDict

from marketplace.providers.availability import Day, PartOfDay, WeeklyAvailability
from search.api import search_providers
from search.filters import ProviderSearchFilterSet
from search.query import Point, ProviderSearch, Sort
from tests.factories import LanguageFactory, PlaceFactory, ProviderFactory, ProviderPriceFactory, ServiceTypeFactory

pytestmark = pytest.mark.django_db


def test_search_narrows_by_service_language_availability_and_sorts_by_distance():
    care = ServiceTypeFactory(name="Personal care", slug="personal-care")
    gujarati = LanguageFactory(name="Gujarati", slug="gujarati")
    tuesday_morning = WeeklyAvailability.from_slots([(Day.TUESDAY, PartOfDay.MORNING)]).mask
    near = ProviderFactory(
        name="Near",
        services=[care],
        languages=[gujarati],
        availability_mask=tuesday_morning,
        latitude=52.61,
        longitude=-1.1,
    )
    far = ProviderFactory(
        name="Far",
        services=[care],
        languages=[gujarati],
        availability_mask=tuesday_morning,
        latitude=52.70,
        longitude=-1.1,
    )
    ProviderFactory(name="No Gujarati", services=[care], availability_mask=tuesday_morning)
    ProviderFactory(
        name="Wrong day",
        services=[care],
        languages=[gujarati],
        availability_mask=WeeklyAvailability.from_slots([(Day.MONDAY, PartOfDay.MORNING)]).mask,
    )
    ProviderPriceFactory(provider=near, service=care, amount=Decimal("18"))
    results = search_providers(
        ProviderSearch(
            services=("personal-care",),
            languages=("gujarati",),
            days=(Day.TUESDAY,),
            parts_of_day=(PartOfDay.MORNING,),
            near=Point("Town", 52.6, -1.1),
            sort=Sort.DISTANCE,
        )
    )
    assert [hit.provider.name for hit in results.hits] == ["Near", "Far"]
    assert results.hits[0].distance_miles == pytest.approx(0.69, abs=0.05)
    assert results.hits[0].matched_price == Decimal("18")
    assert {f.value: f.count for f in results.facets["languages"]} == {"gujarati": 2}
    assert far.pk != near.pk


def test_filterset_reports_unknown_town_and_bad_price():
    PlaceFactory(name="Wendlebury")
    filterset = ProviderSearchFilterSet(QueryDict("near=Atlantis&max_price=-3&day=funday"))
    assert not filterset.form.is_valid()
    errors = filterset.form.errors
    assert "could not find a town" in errors["near"][0]
    assert "more than £0" in errors["max_price"][0]
    assert "Choose a day" in errors["day"][0]
