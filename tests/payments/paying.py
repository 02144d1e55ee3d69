"""A small world for the online-payment tests: Margaret (a holder), David (family with the money right),
Ruth (family without it), a day service that can be paid online, and invoices issued two days ago.

Invoices are issued relative to today because webhooks are processed at the real moment (the ledger
refuses a payment dated before the invoice): the tests pass on any day.
"""

import itertools
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from fakestripe.testing import FakeStripeProcess
from marketplace.accounts.models import RIGHT_FIELDS, ActingFor, DirectPaymentHolder, User, right_fields
from marketplace.accounts.services import account_email_mark_verified
from marketplace.agreements.models import Agreement, Invoice
from marketplace.payments.models import PaymentAccount
from marketplace.payments.services import payment_account_refresh, payment_account_start_onboarding
from marketplace.providers.models import Provider
from tests.factories import (
    AgreementFactory,
    DirectPaymentHolderFactory,
    InvoiceFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    UserFactory,
)

_numbers = itertools.count(1)
CARD_PAID = "4242424242424242"
CARD_DECLINED = "4000000000000002"


def verified_user(email: str) -> User:
    user: User = UserFactory.create(email=email)
    account_email_mark_verified(user=user)
    return user


def act_for(holder: DirectPaymentHolder, email: str, *, money: bool) -> User:
    agent = verified_user(email)
    rights = frozenset(RIGHT_FIELDS) if money else frozenset(set(RIGHT_FIELDS) - {"see_money"})
    ActingFor.objects.create(
        agent=agent,
        holder=holder,
        relationship=ActingFor.Relationship.FAMILY_MEMBER,
        started_on=timezone.localdate() - timedelta(days=400),
        **right_fields(rights),
    )
    return agent


def make_holder(name: str = "Margaret Hollis") -> DirectPaymentHolder:
    user = verified_user(f"{name.split()[0].lower()}-{next(_numbers)}@example.org")
    return DirectPaymentHolderFactory(user=user, display_name=name)


def onboarded_provider(
    fake: FakeStripeProcess, name: str = "Oakfield Day Centre", *, kind: str = Provider.Kind.DAY_SERVICE, **owner: Any
) -> tuple[Provider, User]:
    """A provider (a day service unless told) whose connected account Stripe says can be paid online, and its owner."""
    provider = ProviderFactory(kind=kind, name=name)
    user = ProviderMembershipFactory(provider=provider, **owner).user
    payment_account_start_onboarding(
        provider=provider, by=user, return_url="http://testserver/r/", refresh_url="http://testserver/f/"
    )
    account = PaymentAccount.objects.get(provider=provider)
    fake.helper("/_fake/onboarding", account=account.stripe_account_id)
    payment_account_refresh(account=account)
    return provider, user


def issue_invoice(agreement: Agreement, *, total: int, own: int = 0, transfer_group: str = "") -> Invoice:
    issued_on = timezone.localdate() - timedelta(days=2)
    return InvoiceFactory(
        agreement=agreement, total_pence=total, own_money_pence=own, issued_on=issued_on, transfer_group=transfer_group
    )


def agreement_with(holder: DirectPaymentHolder, provider: Provider) -> Agreement:
    return AgreementFactory(holder=holder, provider=provider)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
