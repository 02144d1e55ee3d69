"""Fixtures for the account tests."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from marketplace.accounts.models import User
from marketplace.accounts.services import account_email_mark_verified
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """allauth keeps sign-in counters and used authenticator codes in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person(db: None) -> User:
    """Someone with an account whose email address is confirmed."""
    user: User = UserFactory.create(email="asha.patel@example.org", first_name="Asha", last_name="Patel")
    account_email_mark_verified(user=user)
    return user
