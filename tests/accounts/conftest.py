"""Fixtures for the account tests."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """allauth keeps sign-in counters in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()
