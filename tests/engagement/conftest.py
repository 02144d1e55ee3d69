"""People, listings and links the engagement tests share.

Margaret Hollis holds a direct payment; David Hollis (family member) acts for
her with every right; Ruth (an advocate) may only see; Pat once acted for her
but the link has ended. Two providers with a team each, and the council's
£21.50 rate for personal care.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from wagtail.models import Site

from cms.models import CouncilSettings, ManagedServiceRate
from marketplace.accounts.models import RIGHT_FIELDS, ActingFor, DirectPaymentHolder, User, right_fields
from marketplace.accounts.services import account_email_mark_verified
from marketplace.engagement import services
from marketplace.engagement.models import Enquiry
from marketplace.providers.models import Provider, ProviderMembership
from tests.factories import (
    DirectPaymentHolderFactory,
    LocalityFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    ServiceTypeFactory,
    UserFactory,
)

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=timezone.get_default_timezone())
TODAY = date(2026, 3, 10)
TUESDAY_MORNING = 1 << (1 * 4 + 0)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


def verified_user(email: str, first_name: str, last_name: str) -> User:
    user: User = UserFactory.create(email=email, first_name=first_name, last_name=last_name)
    account_email_mark_verified(user=user)
    return user


@pytest.fixture
def holder(db: None) -> DirectPaymentHolder:
    user = verified_user("margaret@example.org", "Margaret", "Hollis")
    locality = LocalityFactory(name="Wendlebury", slug="wendlebury")
    return DirectPaymentHolderFactory(user=user, display_name="Margaret Hollis", locality=locality)


@pytest.fixture
def family(holder: DirectPaymentHolder) -> User:
    """David Hollis, who acts for Margaret with every right."""
    user = verified_user("david@example.org", "David", "Hollis")
    ActingFor.objects.create(
        agent=user,
        holder=holder,
        relationship=ActingFor.Relationship.FAMILY_MEMBER,
        started_on=TODAY,
        **right_fields(frozenset(RIGHT_FIELDS)),
    )
    return user


@pytest.fixture
def viewer(holder: DirectPaymentHolder) -> User:
    """Ruth, an advocate who may only see Margaret's support (no message right)."""
    user = verified_user("ruth@example.org", "Ruth", "Okafor")
    ActingFor.objects.create(
        agent=user, holder=holder, relationship=ActingFor.Relationship.ADVOCATE, started_on=TODAY, may_message=False
    )
    return user


@pytest.fixture
def former_helper(holder: DirectPaymentHolder) -> User:
    """Pat, whose link to Margaret has ended."""
    user = verified_user("pat@example.org", "Pat", "Green")
    ActingFor.objects.create(
        agent=user,
        holder=holder,
        relationship=ActingFor.Relationship.FAMILY_MEMBER,
        started_on=TODAY,
        ended_on=TODAY,
        **right_fields(frozenset(RIGHT_FIELDS)),
    )
    return user


@pytest.fixture
def stranger(db: None) -> User:
    return verified_user("stranger@example.org", "Sam", "Stranger")


@pytest.fixture
def personal_care(db: None) -> Any:
    return ServiceTypeFactory(name="Personal care", slug="personal-care", sort_order=1)


@pytest.fixture
def council_rate(db: None, personal_care: Any) -> Decimal:
    council = CouncilSettings.for_site(Site.objects.get(is_default_site=True))
    ManagedServiceRate.objects.create(settings=council, service=personal_care, unit="hour", amount=Decimal("21.50"))
    return Decimal("21.50")


@pytest.fixture
def provider(personal_care: Any) -> Provider:
    return ProviderFactory(name="Hetal Makwana", slug="hetal-makwana", services=[personal_care])


@pytest.fixture
def provider_owner(provider: Provider) -> User:
    user = verified_user("hetal@example.org", "Hetal", "Makwana")
    ProviderMembershipFactory(provider=provider, user=user, role=ProviderMembership.Role.OWNER)
    return user


@pytest.fixture
def provider_staff(provider: Provider) -> User:
    user = verified_user("staff@example.org", "Kiran", "Shah")
    ProviderMembershipFactory(provider=provider, user=user, role=ProviderMembership.Role.STAFF)
    return user


@pytest.fixture
def other_provider(personal_care: Any) -> Provider:
    return ProviderFactory(name="Rupal Lad", slug="rupal-lad", services=[personal_care])


@pytest.fixture
def other_provider_owner(other_provider: Provider) -> User:
    user = verified_user("rupal@example.org", "Rupal", "Lad")
    ProviderMembershipFactory(provider=other_provider, user=user, role=ProviderMembership.Role.OWNER)
    return user


def send_enquiry(
    holder: DirectPaymentHolder, providers: list[Provider], by: User, service: Any, **overrides: Any
) -> list[Enquiry]:
    values: dict[str, Any] = {
        "holder": holder,
        "providers": providers,
        "by": by,
        "service": service,
        "availability_mask": TUESDAY_MORNING,
        "hours_per_week": 6,
        "start_on": TODAY,
        "rate_pence": 2150,
        "message": "I need help getting up on Tuesday mornings.",
        "now": NOW,
        "today": TODAY,
    }
    values.update(overrides)
    return services.enquiry_send(**values)


@pytest.fixture
def enquiry(holder: DirectPaymentHolder, provider: Provider, provider_owner: User, personal_care: Any) -> Enquiry:
    return send_enquiry(holder, [provider], holder.user, personal_care)[0]
