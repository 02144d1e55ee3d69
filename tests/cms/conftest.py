"""Fixtures for the public site's pages."""

from decimal import Decimal
from typing import Any

import pytest
from wagtail.models import Site

from cms.models import CouncilSettings, DirectoryPage, HomePage, ManagedServiceRate
from tests.factories import ServiceTypeFactory


@pytest.fixture
def home_page(db: None) -> HomePage:
    """The home page the cms migrations create."""
    return HomePage.objects.get()


@pytest.fixture
def directory_page(db: None) -> DirectoryPage:
    """The directory page the cms migrations create, at /directory/."""
    return DirectoryPage.objects.get()


@pytest.fixture
def council(site: Site) -> CouncilSettings:
    settings = CouncilSettings.for_site(site)
    settings.council_name = "Wendleshire County Council"
    settings.service_name = "Find care and support"
    settings.contact_phone = "01632 960000"
    settings.contact_email = "directpayments@wendleshire.example"
    settings.save()
    return settings


@pytest.fixture
def personal_care(db: None) -> Any:
    return ServiceTypeFactory(name="Personal care", slug="personal-care")


@pytest.fixture
def managed_personal_care_rate(council: CouncilSettings, personal_care: Any) -> Decimal:
    """The council pays £19.00 an hour for personal care it arranges itself."""
    # Through the model: the cluster's related manager would only hold it in memory until save().
    ManagedServiceRate.objects.create(settings=council, service=personal_care, unit="hour", amount=Decimal("19.00"))
    return Decimal("19.00")
