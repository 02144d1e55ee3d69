"""Fixtures for the monitoring tests: a provider with its own user, and visits at each stage."""

from collections.abc import Callable
from typing import Any

import pytest

from marketplace.monitoring import services
from marketplace.monitoring.models import DOMAIN_FIELDS, MonitoringVisit
from tests.factories import MonitoringVisitFactory, ProviderFactory, ProviderMembershipFactory, UserFactory


def ratings(*values: str) -> dict[str, str]:
    """Six domain ratings in the usual order; fewer values are padded with 'good'."""
    padded = [*values, *["good"] * (len(DOMAIN_FIELDS) - len(values))]
    return dict(zip(DOMAIN_FIELDS, padded, strict=True))


@pytest.fixture
def provider(db: None) -> Any:
    return ProviderFactory(name="Brightwater Home Care", slug="brightwater-home-care", kind="home_care_agency")


@pytest.fixture
def provider_user(provider: Any) -> Any:
    return ProviderMembershipFactory(provider=provider, user=UserFactory(email="manager@brightwater.example")).user


@pytest.fixture
def make_visit(commissioner_user: Any) -> Callable[..., MonitoringVisit]:
    """A visit to a provider at a stage: 'draft', 'finalised' or 'published', with the ratings given."""

    def make(*, provider: Any, stage: str = "published", values: tuple[str, ...] = (), **fields: Any) -> Any:
        visit = MonitoringVisitFactory(provider=provider, officer=commissioner_user, **{**ratings(*values), **fields})
        if stage in ("finalised", "published"):
            services.visit_finalise(visit=visit, by=commissioner_user, reason="As found on the day")
        if stage == "published":
            services.visit_publish(visit=visit, by=commissioner_user)
        visit.refresh_from_db()
        return visit

    return make
