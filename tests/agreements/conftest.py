"""People, listings and an agreement the agreements tests share.

The engagement tests' people (tests/engagement/conftest.py): Margaret Hollis
holds a direct payment, David (family) acts for her with every right, Ruth may
only see; Hetal's listing answered Margaret's enquiry; Rupal is another
provider. Here also: Sue, a family member who may agree support but not see
money, and Tom, who may see money but not agree support.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from marketplace.accounts.models import ActingFor, DirectPaymentHolder, User
from marketplace.agreements import services
from marketplace.agreements.models import Agreement, TimesheetEntry
from marketplace.agreements.services import AgreementTerms
from tests.engagement import conftest as engagement
from tests.engagement.conftest import NOW, TODAY, TUESDAY_MORNING, verified_user

# The engagement tests' fixtures, shared here (pytest finds fixtures by the names in this module).
_fresh_cache = engagement._fresh_cache
enquiry = engagement.enquiry
family = engagement.family
holder = engagement.holder
other_provider = engagement.other_provider
other_provider_owner = engagement.other_provider_owner
personal_care = engagement.personal_care
provider = engagement.provider
provider_owner = engagement.provider_owner
stranger = engagement.stranger
viewer = engagement.viewer

START = date(2026, 3, 2)  # a Monday before TODAY (10 March 2026)


def terms(service: Any, **overrides: Any) -> AgreementTerms:
    values: dict[str, Any] = {
        "services": [service],
        "availability_mask": TUESDAY_MORNING,
        "unit": "hour",
        "units_per_week": Decimal("6"),
        "rate_pence": 1600,
        "start_on": START,
        "employment": Agreement.Employment.EMPLOYED,
        "notice_weeks": 4,
        "bank_holiday_rate_pence": 2400,
        "topup_pence": 100,
    }
    values.update(overrides)
    return AgreementTerms(**values)


@pytest.fixture
def proposed(
    holder: DirectPaymentHolder, provider: Any, provider_owner: User, enquiry: Any, personal_care: Any
) -> Agreement:
    """Margaret proposed it from her enquiry; Hetal has not accepted yet."""
    return services.agreement_propose(
        holder=holder,
        provider=provider,
        by=holder.user,
        side="holder",
        terms=terms(personal_care),
        now=NOW - timedelta(days=9),
        enquiry=enquiry,
    )


@pytest.fixture
def agreement(proposed: Agreement, provider_owner: User) -> Agreement:
    """Agreed by both: version 1 in force from 2 March 2026."""
    return services.agreement_accept(
        agreement=proposed, version_number=1, by=provider_owner, side="provider", now=NOW - timedelta(days=8)
    )


def record(
    agreement: Agreement, by: User, worked_on: date, quantity: str = "3", today: date | None = None
) -> TimesheetEntry:
    return services.timesheet_record(
        agreement=agreement,
        by=by,
        worked_on=worked_on,
        quantity=Decimal(quantity),
        today=today or TODAY,
        now=NOW,
    )


@pytest.fixture
def agree_only(holder: DirectPaymentHolder) -> User:
    """Sue: may agree support for Margaret, but not see her money."""
    user = verified_user("sue@example.org", "Sue", "Hollis")
    ActingFor.objects.create(
        agent=user,
        holder=holder,
        relationship=ActingFor.Relationship.FAMILY_MEMBER,
        started_on=TODAY,
        may_agree_support=True,
        may_see_money=False,
    )
    return user


@pytest.fixture
def money_only(holder: DirectPaymentHolder) -> User:
    """Tom: may see and manage Margaret's money, but not agree support."""
    user = verified_user("tom@example.org", "Tom", "Hollis")
    ActingFor.objects.create(
        agent=user,
        holder=holder,
        relationship=ActingFor.Relationship.MONEY_MANAGER,
        started_on=TODAY,
        may_agree_support=False,
        may_see_money=True,
    )
    return user


def moment(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=NOW.tzinfo)
