"""The provider's "Get paid online" page: onboarding states, Stripe's return and refresh, who may see it."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fakestripe.testing import FakeStripeProcess
from marketplace.accounts.models import User
from marketplace.payments.models import PaymentAccount
from marketplace.providers.models import Provider, ProviderMembership
from tests.factories import DirectPaymentHolderFactory, ProviderFactory, ProviderMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider() -> Provider:
    return ProviderFactory(kind=Provider.Kind.PERSONAL_ASSISTANT, name="Asha Patel")


@pytest.fixture
def owner(provider: Provider) -> User:
    return ProviderMembershipFactory(provider=provider).user


def page_url(provider: Provider) -> str:
    return reverse("payments:get_paid_online", args=[provider.uuid])


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def start(client: Client, provider: Provider) -> str:
    response = client.post(page_url(provider))
    assert response.status_code == 302
    return str(response["Location"])


def test_before_starting_the_page_explains_and_offers_to_set_up(
    stripe_settings: FakeStripeProcess, provider: Provider, owner: User
) -> None:
    html = signed_in(owner).get(page_url(provider)).content.decode()

    assert "Not started" in html
    assert "Set up online payments with Stripe" in html
    assert "you are paid through their payroll, not online" in html
    assert "These are demo payments. No real money moves." in html


def test_starting_makes_one_account_and_sends_the_provider_to_stripe(
    stripe_settings: FakeStripeProcess, provider: Provider, owner: User
) -> None:
    client = signed_in(owner)
    first = start(client, provider)
    second = start(client, provider)

    assert first.startswith(stripe_settings.base_url)
    assert second.startswith(stripe_settings.base_url)
    assert first != second  # a fresh single-use link each time
    assert PaymentAccount.objects.filter(provider=provider).count() == 1
    account = PaymentAccount.objects.get(provider=provider)
    controller = stripe_settings.client().v1.accounts.retrieve(account.stripe_account_id).to_dict()["controller"]
    assert controller["stripe_dashboard"]["type"] == "express"


def test_finishing_onboarding_and_coming_back_shows_can_be_paid_online(
    stripe_settings: FakeStripeProcess, provider: Provider, owner: User
) -> None:
    client = signed_in(owner)
    finished = stripe_settings.page(start(client, provider), {"action": "finish"})
    back = reverse("payments:onboarding_return", args=[provider.uuid])
    assert finished.location == "http://testserver" + back

    html = client.get(back, follow=True).content.decode()

    assert "Can be paid online" in html
    assert "Stripe has everything it needs" in html
    assert PaymentAccount.objects.get(provider=provider).can_be_paid_online


def test_leaving_early_shows_in_plain_words_what_stripe_still_needs(
    stripe_settings: FakeStripeProcess, provider: Provider, owner: User
) -> None:
    client = signed_in(owner)
    stripe_settings.page(start(client, provider), {"action": "leave"})

    html = client.get(reverse("payments:onboarding_return", args=[provider.uuid]), follow=True).content.decode()

    assert "Not finished" in html
    assert "What Stripe still needs from you" in html
    assert "Your bank account details, so the money can be paid to you" in html
    assert "terms of service" in html
    assert "external_account" not in html
    assert "Continue with Stripe" in html
    assert not PaymentAccount.objects.get(provider=provider).can_be_paid_online


def test_a_used_link_goes_to_refresh_which_makes_a_new_link(
    stripe_settings: FakeStripeProcess, provider: Provider, owner: User
) -> None:
    client = signed_in(owner)
    link = start(client, provider)
    stripe_settings.page(link, {"action": "leave"})
    refresh = reverse("payments:onboarding_refresh", args=[provider.uuid])
    assert stripe_settings.page(link).location == "http://testserver" + refresh

    again = client.get(refresh)

    assert again.status_code == 302
    assert again["Location"].startswith(stripe_settings.base_url)
    assert again["Location"] != link
    assert "Finish onboarding" in stripe_settings.page(again["Location"]).text


def test_stripe_unreachable_says_so_plainly_and_saves_nothing(
    stripe_down: None, provider: Provider, owner: User
) -> None:
    response = signed_in(owner).post(page_url(provider))

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "We could not reach our payment provider, Stripe. Nothing has changed." in html
    assert not PaymentAccount.objects.exists()


def test_stripe_unreachable_on_return_keeps_the_page_working(
    stripe_settings: FakeStripeProcess, provider: Provider, owner: User, settings: Any
) -> None:
    client = signed_in(owner)
    start(client, provider)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    html = client.get(reverse("payments:onboarding_return", args=[provider.uuid]), follow=True).content.decode()

    assert "We could not reach our payment provider" in html
    assert "may not show your latest details yet" in html


def test_a_kind_that_cannot_join_is_told_so(stripe_settings: FakeStripeProcess) -> None:
    other = ProviderFactory(kind=Provider.Kind.OTHER)
    client = signed_in(ProviderMembershipFactory(provider=other).user)

    assert "cannot take payments online" in client.get(page_url(other)).content.decode()
    response = client.post(page_url(other))
    assert response.status_code == 200
    assert "Online payments are for personal assistants" in response.content.decode()
    assert not PaymentAccount.objects.exists()


@pytest.mark.parametrize("name", ["get_paid_online", "onboarding_return", "onboarding_refresh"])
@pytest.mark.parametrize("role", ["another_providers_user", "direct_payment_holder", "commissioner"])
def test_only_the_providers_own_users_reach_its_payment_pages(
    stripe_settings: FakeStripeProcess, provider: Provider, name: str, role: str, commissioner_user: User
) -> None:
    user = {
        "another_providers_user": lambda: ProviderMembershipFactory().user,
        "direct_payment_holder": lambda: DirectPaymentHolderFactory().user,
        "commissioner": lambda: commissioner_user,
    }[role]()
    client = signed_in(user)
    url = reverse(f"payments:{name}", args=[provider.uuid])

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not PaymentAccount.objects.exists()


@pytest.mark.parametrize("name", ["get_paid_online", "onboarding_return", "onboarding_refresh"])
def test_signed_out_visitors_are_asked_to_sign_in(
    stripe_settings: FakeStripeProcess, provider: Provider, name: str
) -> None:
    response = Client().get(reverse(f"payments:{name}", args=[provider.uuid]))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_staff_members_of_the_provider_may_set_up_payments(
    stripe_settings: FakeStripeProcess, provider: Provider
) -> None:
    staff = ProviderMembershipFactory(provider=provider, role=ProviderMembership.Role.STAFF).user

    assert signed_in(staff).get(page_url(provider)).status_code == 200


def test_with_payments_switched_off_the_pages_are_not_found(
    stripe_settings: FakeStripeProcess, provider: Provider, owner: User, settings: Any
) -> None:
    settings.PAYMENTS_ENABLED = False

    assert signed_in(owner).get(page_url(provider)).status_code == 404


def test_against_the_real_stripe_the_demo_notice_is_not_shown(provider: Provider, owner: User, settings: Any) -> None:
    settings.STRIPE_API_BASE = "https://api.stripe.com"
    settings.PAYMENTS_ENABLED = True

    html = signed_in(owner).get(page_url(provider)).content.decode()

    assert "demo payments" not in html


def test_the_page_lets_its_form_go_on_to_stripes_onboarding_and_nowhere_else(
    stripe_settings: FakeStripeProcess, provider: Provider, owner: User
) -> None:
    policy = signed_in(owner).get(page_url(provider))["Content-Security-Policy"]

    form_action = next(part for part in policy.split(";") if "form-action" in part).split()
    assert form_action == ["form-action", "'self'", stripe_settings.base_url]
