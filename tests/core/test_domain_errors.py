"""Every app's domain error extends the one base, so a view catches them in one way (decision 0043)."""

import pytest

from marketplace.accounts.services import AccountError, ActingForError, InvitationError
from marketplace.accreditation.services import AccreditationError
from marketplace.adverts.services import AdvertError
from marketplace.agreements.services import AgreementError
from marketplace.alerts.services import SavedSearchError
from marketplace.backups.services import BackupError
from marketplace.budgets.services import BudgetError
from marketplace.contingency.services import ContingencyError
from marketplace.core.errors import DomainError
from marketplace.engagement.services import EngagementError
from marketplace.insights.services import DigestError
from marketplace.monitoring.services import MonitoringError
from marketplace.payments.errors import PaymentsError
from marketplace.providers.services import ProviderError, ProviderFieldError
from marketplace.reviews.services import ReviewError

DOMAIN_ERRORS = [
    AccountError,
    ActingForError,
    InvitationError,
    AccreditationError,
    AdvertError,
    AgreementError,
    SavedSearchError,
    BackupError,
    BudgetError,
    ContingencyError,
    EngagementError,
    DigestError,
    MonitoringError,
    PaymentsError,
    ProviderError,
    ProviderFieldError,
    ReviewError,
]


@pytest.mark.parametrize("error_class", DOMAIN_ERRORS, ids=lambda error_class: error_class.__name__)
def test_every_domain_error_is_a_domain_error_with_its_message_and_field(error_class: type[DomainError]) -> None:
    error = error_class("Give a reason", field="reason")

    assert isinstance(error, DomainError)
    assert error.message == "Give a reason"
    assert str(error) == "Give a reason"
    assert error.field == "reason"


def test_a_domain_error_without_a_field_belongs_to_the_whole_form() -> None:
    assert MonitoringError("Not allowed").field is None


def test_a_payments_error_keeps_whether_stripe_was_unreachable() -> None:
    error = PaymentsError("Stripe did not answer", is_unreachable=True)

    assert isinstance(error, DomainError)
    assert error.is_unreachable
    assert error.field is None
