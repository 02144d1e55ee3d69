"""Alternatives for the people a flagged provider supports, through the directory's search interface."""

from typing import Any

import pytest

from marketplace.contingency.models import Level, Scope
from marketplace.contingency.selectors import alternatives_for
from marketplace.contingency.services import contingency_signal
from marketplace.providers.models import Provider
from tests.factories import ContingencyFlagFactory, PlaceFactory, ProviderFactory, ServiceTypeFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_on_database")]

# The flagged provider sits at (52.60, -1.10); 0.1 degrees of latitude is about 6.9 miles.
HERE = {"latitude": 52.6, "longitude": -1.1}


@pytest.fixture
def home_care(db: None) -> Any:
    return ServiceTypeFactory.create(name="Home care")


@pytest.fixture
def flagged(home_care: Any) -> Any:
    return ContingencyFlagFactory.create(
        provider=ProviderFactory.create(name="Flagged Care", services=[home_care], **HERE)
    )


def names(flag: Any, **kwargs: Any) -> list[str]:
    return [alternative.provider.name for alternative in alternatives_for(flag=flag, **kwargs)]


def test_nearest_first_with_distance_and_capacity(flagged: Any, home_care: Any) -> None:
    ProviderFactory.create(
        name="Further Care", services=[home_care], latitude=52.7, longitude=-1.1, capacity_hours_per_week=80
    )
    ProviderFactory.create(
        name="Nearer Care", services=[home_care], latitude=52.61, longitude=-1.1, capacity_places_per_day=12
    )

    alternatives = alternatives_for(flag=flagged)

    assert [alternative.provider.name for alternative in alternatives] == ["Nearer Care", "Further Care"]
    assert alternatives[0].distance_miles == pytest.approx(0.69, abs=0.05)
    assert alternatives[0].capacity == "12 places a day"
    assert alternatives[1].capacity == "80 hours a week"


def test_only_providers_offering_the_same_services(flagged: Any) -> None:
    ProviderFactory.create(name="Gardening Only", services=[ServiceTypeFactory.create(name="Gardening")], **HERE)

    assert names(flagged) == []


def test_only_those_taking_new_clients_and_published(flagged: Any, home_care: Any) -> None:
    ProviderFactory.create(name="Full Up", services=[home_care], is_taking_new_clients=False, **HERE)
    ProviderFactory.create(name="Draft Care", services=[home_care], status=Provider.Status.DRAFT, **HERE)
    ProviderFactory.create(name="Open Care", services=[home_care], **HERE)

    assert names(flagged) == ["Open Care"]


def test_too_far_away_is_left_out(flagged: Any, home_care: Any) -> None:
    ProviderFactory.create(name="Far Away Care", services=[home_care], latitude=53.2, longitude=-1.1)

    assert names(flagged) == []


def test_providers_flagged_at_risk_or_above_are_left_out_but_watch_is_not(flagged: Any, home_care: Any) -> None:
    at_risk = ProviderFactory.create(name="Also At Risk", services=[home_care], **HERE)
    watched = ProviderFactory.create(name="Only Watched", services=[home_care], **HERE)
    contingency_signal(provider=at_risk, signal="cqc_inadequate", detail="Inadequate")
    contingency_signal(provider=watched, signal="overdue_accounts", detail="Accounts late")

    assert names(flagged) == ["Only Watched"]
    assert watched.contingency_flags.get().level == Level.WATCH


def test_the_flagged_provider_itself_is_never_an_alternative(flagged: Any) -> None:
    assert flagged.provider.name not in names(flagged)


def test_more_services_in_common_come_first(home_care: Any) -> None:
    day_care = ServiceTypeFactory.create(name="Day opportunities")
    flag = ContingencyFlagFactory.create(provider=ProviderFactory.create(services=[home_care, day_care], **HERE))
    ProviderFactory.create(name="Home Care Only", services=[home_care], latitude=52.601, longitude=-1.1)
    ProviderFactory.create(name="Both Services", services=[home_care, day_care], latitude=52.65, longitude=-1.1)

    alternatives = alternatives_for(flag=flag)

    assert [alternative.provider.name for alternative in alternatives] == ["Both Services", "Home Care Only"]
    assert sorted(alternatives[0].services_matched) == ["Day opportunities", "Home care"]


def test_a_service_scoped_flag_looks_for_that_service_only(home_care: Any) -> None:
    day_care = ServiceTypeFactory.create(name="Day opportunities")
    flag = ContingencyFlagFactory.create(
        provider=ProviderFactory.create(services=[home_care, day_care], **HERE),
        scope=Scope.SERVICE,
        scope_service=day_care,
    )
    ProviderFactory.create(name="Home Care Only", services=[home_care], **HERE)
    ProviderFactory.create(name="Day Centre", services=[day_care], **HERE)

    assert names(flag) == ["Day Centre"]


def test_the_limit_is_kept(flagged: Any, home_care: Any) -> None:
    for number in range(5):
        ProviderFactory.create(name=f"Care {number}", services=[home_care], **HERE)

    assert len(names(flagged, limit=3)) == 3


def test_without_coordinates_the_base_postcode_places_the_provider(home_care: Any) -> None:
    PlaceFactory.create(name="WE1 1AA", kind="postcode", **HERE)
    flag = ContingencyFlagFactory.create(
        provider=ProviderFactory.create(services=[home_care], base_postcode="WE1 1AA", latitude=None, longitude=None)
    )
    ProviderFactory.create(name="Close By", services=[home_care], latitude=52.61, longitude=-1.1)

    alternatives = alternatives_for(flag=flag)

    assert [alternative.provider.name for alternative in alternatives] == ["Close By"]
    assert alternatives[0].distance_miles is not None
