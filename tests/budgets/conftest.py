"""A small world for the budget tests: Margaret (a holder) with a budget, David (family, every right),
Ruth (family, every right but money), a live agreement with a PA, and a helper that issues invoices.

Dates are passed, never read from the clock: TODAY is a fixed day and tests that move it pass their own.
"""

import io
from datetime import date, datetime, time
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from marketplace.accounts.models import RIGHT_FIELDS, ActingFor, DirectPaymentHolder, User, right_fields
from marketplace.accounts.services import account_email_mark_verified
from marketplace.agreements.models import Agreement, Invoice
from marketplace.budgets.services import budget_set
from tests.factories import AgreementFactory, DirectPaymentHolderFactory, InvoiceFactory, LocalityFactory, UserFactory

TODAY = date(2026, 3, 10)
NOW = timezone.make_aware(datetime.combine(TODAY, time(10, 0)))


def moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def verified_user(email: str) -> User:
    user: User = UserFactory.create(email=email)
    account_email_mark_verified(user=user)
    return user


def act_for(holder: DirectPaymentHolder, email: str, *, money: bool, started_on: date = date(2025, 1, 1)) -> User:
    agent = verified_user(email)
    rights = frozenset(RIGHT_FIELDS) if money else frozenset(set(RIGHT_FIELDS) - {"see_money"})
    ActingFor.objects.create(
        agent=agent,
        holder=holder,
        relationship=ActingFor.Relationship.FAMILY_MEMBER,
        started_on=started_on,
        **right_fields(rights),
    )
    return agent


def issue_invoice(agreement: Agreement, *, total: int, own: int = 0, issued_on: date = TODAY) -> Invoice:
    return InvoiceFactory(agreement=agreement, total_pence=total, own_money_pence=own, issued_on=issued_on)


def png_upload(name: str = "receipt.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def holder(db: None) -> DirectPaymentHolder:
    user = verified_user("margaret@example.org")
    return DirectPaymentHolderFactory(
        user=user, display_name="Margaret Hollis", locality=LocalityFactory(name="Wendlebury")
    )


@pytest.fixture
def budget(holder: DirectPaymentHolder) -> Any:
    """£1,000 from the council and £100 contribution every 4 weeks from 2026-01-06; £40 own money for top-ups."""
    return budget_set(
        holder=holder,
        starts_on=date(2026, 1, 6),
        council_payment_pence=100_000,
        contribution_pence=10_000,
        own_money_pence=4_000,
        by=None,
        now=NOW,
    )


@pytest.fixture
def family(holder: DirectPaymentHolder) -> User:
    return act_for(holder, "david@example.org", money=True)


@pytest.fixture
def family_without_money(holder: DirectPaymentHolder) -> User:
    return act_for(holder, "ruth@example.org", money=False)


@pytest.fixture
def agreement(holder: DirectPaymentHolder) -> Agreement:
    """Ten hours a week at £15 with a £1 an hour top-up, from 2026-01-05."""
    return AgreementFactory(holder=holder, version__rate_pence=1500, version__topup_pence=100)
