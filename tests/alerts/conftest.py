from datetime import UTC, datetime

import pytest

from tests.factories import DirectPaymentHolderFactory, ProviderFactory, ServiceTypeFactory, UserFactory

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def personal_care(db):
    return ServiceTypeFactory(name="Personal care", slug="personal-care")


@pytest.fixture
def owner(db):
    holder = DirectPaymentHolderFactory(user=UserFactory(email="margaret@example.org"), display_name="Margaret Hollis")
    return holder.user


@pytest.fixture
def busy_pa(personal_care):
    """Offers personal care but is not taking new clients."""
    return ProviderFactory(
        name="Hetal Makwana", slug="hetal-makwana", services=[personal_care], is_taking_new_clients=False
    )


@pytest.fixture
def free_pa(personal_care):
    return ProviderFactory(name="Rupal Lad", slug="rupal-lad", services=[personal_care], is_taking_new_clients=True)
