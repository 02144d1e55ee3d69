"""Fixtures for the adverts tests: a holder, people acting for them, and personal assistants."""

from datetime import UTC, date, datetime

import pytest

from marketplace.accounts.models import ActingFor
from marketplace.adverts.services import AdvertDetails, advert_publish, advert_save
from marketplace.places.models import Place
from marketplace.providers.availability import Day, PartOfDay, WeeklyAvailability
from marketplace.providers.models import Provider
from tests.factories import (
    DirectPaymentHolderFactory,
    LocalityFactory,
    PlaceFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    ServiceTypeFactory,
    UserFactory,
)

# A fixed day, so no test depends on the date it runs.
TODAY = date(2027, 3, 1)
NOW = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
MORNINGS = WeeklyAvailability.from_slots([(Day.MONDAY, PartOfDay.MORNING), (Day.THURSDAY, PartOfDay.MORNING)])
EVENINGS = WeeklyAvailability.from_slots([(Day.SATURDAY, PartOfDay.EVENING)])


@pytest.fixture
def wendlebury(db):
    return LocalityFactory(name="Wendlebury", slug="wendlebury")


@pytest.fixture
def district(wendlebury):
    return PlaceFactory(kind=Place.Kind.DISTRICT, name="WE1", lookup_key="WE1", locality=wendlebury)


@pytest.fixture
def far_district(db):
    return PlaceFactory(
        kind=Place.Kind.DISTRICT, name="WE9", lookup_key="WE9", locality=LocalityFactory(name="Farfield")
    )


@pytest.fixture
def personal_care(db):
    return ServiceTypeFactory(name="Personal care", slug="personal-care")


@pytest.fixture
def holder(db):
    return DirectPaymentHolderFactory(
        user=UserFactory(email="margaret@example.org", first_name="Margaret", last_name="Hollis"),
        display_name="Margaret Hollis",
    )


def _agent(holder, email: str, *, may_post_adverts: bool, relationship=ActingFor.Relationship.FAMILY_MEMBER):
    agent = UserFactory(email=email, first_name="David", last_name="Hollis")
    ActingFor.objects.create(
        agent=agent, holder=holder, relationship=relationship, started_on=TODAY, may_post_adverts=may_post_adverts
    )
    return agent


@pytest.fixture
def family_with_right(holder):
    return _agent(holder, "david@example.org", may_post_adverts=True)


@pytest.fixture
def family_without_right(holder):
    return _agent(holder, "susan@example.org", may_post_adverts=False)


@pytest.fixture
def pa_listing(db, personal_care):
    return ProviderFactory(
        name="Hetal Makwana",
        slug="hetal-makwana",
        services=[personal_care],
        availability_mask=MORNINGS.mask,
        postcode_districts_served="WE1 WE2",
    )


@pytest.fixture
def pa_user(pa_listing):
    user = UserFactory(email="hetal@example.org", first_name="Hetal", last_name="Makwana")
    ProviderMembershipFactory(provider=pa_listing, user=user)
    return user


@pytest.fixture
def other_pa_user(db, personal_care):
    listing = ProviderFactory(
        name="Rupal Lad", slug="rupal-lad", availability_mask=MORNINGS.mask, postcode_districts_served="WE1"
    )
    user = UserFactory(email="rupal@example.org")
    ProviderMembershipFactory(provider=listing, user=user)
    return user


@pytest.fixture
def agency_user(db):
    listing = ProviderFactory(
        name="Care Co",
        kind=Provider.Kind.HOME_CARE_AGENCY,
        availability_mask=MORNINGS.mask,
        postcode_districts_served="WE1",
    )
    user = UserFactory(email="agency@example.org")
    ProviderMembershipFactory(provider=listing, user=user)
    return user


def details(personal_care, **overrides) -> AdvertDetails:
    values = {
        "title": "Personal assistant for morning personal care",
        "services": [personal_care],
        "postcode_district": "WE1",
        "availability_mask": MORNINGS.mask,
        "hours_per_week": 10,
        "hourly_rate_pence": 1400,
        "employment": "employed",
    }
    values.update(overrides)
    return AdvertDetails(**values)


@pytest.fixture
def open_advert(holder, district, personal_care):
    advert = advert_save(by=holder.user, holder=holder, details=details(personal_care), now=NOW)
    return advert_publish(advert=advert, by=holder.user, today=TODAY, now=NOW)
