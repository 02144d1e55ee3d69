"""Records the dashboard counts, built through the models (the monitoring app owns its own factories)."""

import datetime
from typing import Any

import pytest
from django.utils import timezone

from marketplace.accreditation.models import Accreditation
from marketplace.monitoring.models import Arrangement, ArrangementMembership, MonitoringVisit
from marketplace.providers.models import Provider
from tests.factories import ProviderFactory

TODAY = datetime.date(2026, 3, 16)


@pytest.fixture
def today() -> datetime.date:
    return TODAY


def moment(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def accreditation(provider: Provider, status: str, *, applied_on: datetime.date | None = None) -> Accreditation:
    return Accreditation.objects.create(
        provider=provider, status=status, applied_at=moment(applied_on) if applied_on else None
    )


def arrangement(**fields: Any) -> Arrangement:
    defaults: dict[str, Any] = {
        "name": "Home care framework",
        "slug": f"framework-{Arrangement.objects.count() + 1}",
        "kind": Arrangement.Kind.FRAMEWORK,
        "starts_on": TODAY - datetime.timedelta(days=800),
        "monitoring_frequency_months": 12,
    }
    return Arrangement.objects.create(**(defaults | fields))


def member(provider: Provider, on: Arrangement, *, since: datetime.date) -> ArrangementMembership:
    return ArrangementMembership.objects.create(arrangement=on, provider=provider, start_on=since)


def decided_visit(provider: Provider, *, visited_on: datetime.date, overall: str, status: str = "finalised") -> Any:
    return MonitoringVisit.objects.create(
        provider=provider,
        visit_type=MonitoringVisit.VisitType.ANNOUNCED,
        visited_on=visited_on,
        status=status,
        overall_rating=overall,
    )


@pytest.fixture
def provider() -> Provider:
    return ProviderFactory()
