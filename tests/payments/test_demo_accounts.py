"""payments_demo_accounts: demo providers that can be paid online, made through the gateway on the fake only."""

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from fakestripe.testing import FakeStripeProcess
from marketplace.payments.models import Payment, PaymentAccount
from marketplace.providers.models import Provider
from tests.factories import DirectPaymentHolderFactory, ProviderFactory, ProviderMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_providers() -> list[Provider]:
    published = Provider.Status.PUBLISHED
    demo_pa = ProviderFactory(kind=Provider.Kind.PERSONAL_ASSISTANT, status=published)
    ProviderMembershipFactory(provider=demo_pa, user=UserFactory(email="pa@demo.example"))
    return [
        ProviderFactory(kind=Provider.Kind.DAY_SERVICE, status=published),
        ProviderFactory(kind=Provider.Kind.HOME_CARE_AGENCY, status=published),
        demo_pa,
    ]


def run() -> str:
    out = StringIO()
    call_command("payments_demo_accounts", stdout=out)
    return out.getvalue()


def test_a_day_service_and_an_agency_can_be_paid_online_and_the_demo_pa_is_left_to_onboard(
    stripe_settings: FakeStripeProcess, demo_providers: list[Provider]
) -> None:
    day_service, agency, demo_pa = demo_providers

    output = run()

    assert output.count("can be paid online") == 2
    ready = set(PaymentAccount.objects.filter(can_be_paid_online=True).values_list("provider", flat=True))
    assert ready == {day_service.pk, agency.pk}
    assert not PaymentAccount.objects.filter(provider=demo_pa).exists()


def test_running_again_keeps_the_same_accounts(
    stripe_settings: FakeStripeProcess, demo_providers: list[Provider]
) -> None:
    run()
    before = list(PaymentAccount.objects.values_list("stripe_account_id", flat=True).order_by("pk"))

    run()

    assert list(PaymentAccount.objects.values_list("stripe_account_id", flat=True).order_by("pk")) == before


def test_an_account_the_fake_has_forgotten_is_made_again(
    stripe_settings: FakeStripeProcess, demo_providers: list[Provider]
) -> None:
    run()
    PaymentAccount.objects.filter(provider=demo_providers[0]).update(stripe_account_id="acct_forgotten")

    run()

    account = PaymentAccount.objects.get(provider=demo_providers[0])
    assert account.stripe_account_id != "acct_forgotten"
    assert account.can_be_paid_online


def test_an_account_with_demo_payments_is_pointed_at_a_new_one_when_the_fake_forgot_it(
    stripe_settings: FakeStripeProcess, demo_providers: list[Provider]
) -> None:
    """A fresh fake (var/fakestripe removed) after someone paid: the paid row stays, with a working account."""
    run()
    account = PaymentAccount.objects.get(provider=demo_providers[0])
    now = timezone.now()
    paid = Payment.objects.create(
        holder=DirectPaymentHolderFactory(),
        provider=demo_providers[0],
        payment_account=account,
        status=Payment.Status.SUCCEEDED,
        amount_pence=5750,
        idempotency_key="demo-paid-before",
        created_at=now,
        updated_at=now,
    )
    PaymentAccount.objects.filter(pk=account.pk).update(stripe_account_id="acct_forgotten", can_be_paid_online=False)

    output = run()

    assert output.count("can be paid online") == 2
    again = PaymentAccount.objects.get(provider=demo_providers[0])
    assert again.pk == account.pk
    assert again.stripe_account_id not in ("acct_forgotten", "")
    assert again.can_be_paid_online
    paid.refresh_from_db()
    assert paid.payment_account_id == account.pk


def test_without_the_fake_running_it_records_nothing(stripe_down: None, demo_providers: list[Provider]) -> None:
    output = run()

    assert "did not answer" in output
    assert not PaymentAccount.objects.exists()


def test_it_refuses_the_real_stripe(settings: Any, demo_providers: list[Provider]) -> None:
    settings.STRIPE_API_BASE = "https://api.stripe.com"
    settings.PAYMENTS_ENABLED = True

    with pytest.raises(CommandError):
        run()
    assert not PaymentAccount.objects.exists()
