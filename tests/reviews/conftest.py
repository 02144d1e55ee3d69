"""People and an agreement the review and back-up tests share.

Margaret holds a direct payment and has a live agreement with Asha (a
personal assistant) with one approved timesheet entry. David acts for
Margaret with every right; Pat's link to her has ended. Asha's owner is on
her team; Other Care's owner is not. A stranger has no link to anyone.
"""

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from marketplace.accounts.models import RIGHT_FIELDS, ActingFor, DirectPaymentHolder, User, right_fields
from marketplace.accounts.services import account_email_mark_verified
from marketplace.agreements.models import Agreement
from marketplace.core.models import OutboxEmail
from marketplace.providers.models import Provider
from tests.factories import (
    AgreementFactory,
    DirectPaymentHolderFactory,
    LocalityFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    ServiceTypeFactory,
    TimesheetEntryFactory,
    UserFactory,
)

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=timezone.get_default_timezone())
TODAY = date(2026, 3, 10)


def verified_user(email: str, first_name: str = "", last_name: str = "") -> User:
    user: User = UserFactory.create(email=email, first_name=first_name, last_name=last_name)
    account_email_mark_verified(user=user)
    return user


@dataclass
class People:
    holder: DirectPaymentHolder
    family: User
    ended_agent: User
    provider: Provider
    owner: User
    other_provider: Provider
    other_owner: User
    stranger: User


@pytest.fixture(autouse=True)
def _fresh_cache() -> object:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(db: None) -> People:
    holder_user = verified_user("margaret@example.org", "Margaret", "Hollis")
    locality = LocalityFactory(name="Wendlebury", slug="wendlebury")
    holder = DirectPaymentHolderFactory(user=holder_user, display_name="Margaret Hollis", locality=locality)
    family = verified_user("david@example.org", "David", "Hollis")
    ActingFor.objects.create(
        agent=family,
        holder=holder,
        relationship=ActingFor.Relationship.FAMILY_MEMBER,
        started_on=date(2025, 1, 1),
        **right_fields(frozenset(RIGHT_FIELDS)),
    )
    ended_agent = verified_user("pat@example.org", "Pat", "Jones")
    ActingFor.objects.create(
        agent=ended_agent,
        holder=holder,
        relationship=ActingFor.Relationship.FAMILY_MEMBER,
        started_on=date(2024, 1, 1),
        ended_on=date(2025, 1, 1),
        **right_fields(frozenset(RIGHT_FIELDS)),
    )
    personal_care = ServiceTypeFactory(name="Personal care", slug="personal-care")
    provider = ProviderFactory(
        name="Asha Patel",
        kind=Provider.Kind.PERSONAL_ASSISTANT,
        status=Provider.Status.PUBLISHED,
        services=[personal_care],
    )
    owner = verified_user("asha@example.org", "Asha", "Patel")
    ProviderMembershipFactory(provider=provider, user=owner, role="owner")
    other_provider = ProviderFactory(name="Other Care", status=Provider.Status.PUBLISHED, services=[personal_care])
    other_owner = verified_user("other@example.org", "Olu", "Other")
    ProviderMembershipFactory(provider=other_provider, user=other_owner, role="owner")
    return People(
        holder=holder,
        family=family,
        ended_agent=ended_agent,
        provider=provider,
        owner=owner,
        other_provider=other_provider,
        other_owner=other_owner,
        stranger=verified_user("stranger@example.org", "Sam", "Stranger"),
    )


def make_agreement(holder: DirectPaymentHolder, provider: Provider, *, approved: bool = True) -> Agreement:
    agreement: Agreement = AgreementFactory(
        holder=holder, provider=provider, version__services=list(provider.services.all())
    )
    TimesheetEntryFactory(agreement=agreement, status="approved" if approved else "submitted")
    return agreement


@pytest.fixture
def agreement(people: People) -> Agreement:
    """Margaret's live agreement with Asha, with one approved timesheet entry."""
    return make_agreement(people.holder, people.provider)


def emails_to(address: str, subject_contains: str = "") -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(to=address, subject__contains=subject_contains))
