"""Connected accounts with controller properties, and onboarding through an account link's hosted page."""

import pytest
import stripe

from fakestripe.testing import FakeStripeProcess
from tests.fakestripe.conftest import CONNECT_PATH, CONNECT_SECRET, create_account
from tests.fakestripe.receiver import WebhookReceiver


def _link(client: stripe.StripeClient, account_id: str) -> stripe.AccountLink:
    return client.v1.account_links.create(
        params={
            "account": account_id,
            "type": "account_onboarding",
            "refresh_url": "http://127.0.0.1:8000/payments/onboarding/again/",
            "return_url": "http://127.0.0.1:8000/payments/onboarding/back/",
        }
    )


def test_a_new_account_keeps_its_controller_and_cannot_take_payments_until_onboarded(
    client: stripe.StripeClient,
) -> None:
    account = create_account(client, metadata={"provider": "42"})

    assert account.id.startswith("acct_")
    assert account.controller.fees.payer == "application"
    assert account.controller.losses.payments == "application"
    assert account.controller.stripe_dashboard.type == "express"
    assert account.controller.requirement_collection == "stripe"
    assert account.type == "express"
    assert account.charges_enabled is False
    assert account.payouts_enabled is False
    assert "external_account" in account.requirements.currently_due
    assert account.capabilities.to_dict() == {"card_payments": "inactive", "transfers": "inactive"}
    assert account.metadata.to_dict() == {"provider": "42"}


def test_finishing_onboarding_on_the_hosted_page_enables_the_account_and_tells_the_connect_endpoint(
    client: stripe.StripeClient, fake_stripe: FakeStripeProcess, receiver: WebhookReceiver
) -> None:
    account = create_account(client)
    link = _link(client, account.id)

    shown = fake_stripe.page(link.url)
    assert shown.status == 200
    assert "Set up payments" in shown.text
    assert "external_account" in shown.text
    finished = fake_stripe.page(link.url, {"action": "finish"})

    assert finished.status == 303
    assert finished.location == "http://127.0.0.1:8000/payments/onboarding/back/"
    account = client.v1.accounts.retrieve(account.id)
    assert account.charges_enabled is True
    assert account.payouts_enabled is True
    assert account.details_submitted is True
    assert account.requirements.currently_due == []
    assert account.capabilities.to_dict() == {"card_payments": "active", "transfers": "active"}
    updated = receiver.wait_for(
        CONNECT_PATH, CONNECT_SECRET, lambda event: event.type == "account.updated" and event.account == account.id
    )
    assert updated.data.object["charges_enabled"] is True
    assert updated.data.previous_attributes["charges_enabled"] is False
    capability = receiver.wait_for(
        CONNECT_PATH,
        CONNECT_SECRET,
        lambda event: (
            event.type == "capability.updated"
            and event.account == account.id
            and event.data.object["id"] == "transfers"
        ),
    )
    assert capability.data.object["status"] == "active"


def test_leaving_onboarding_early_keeps_the_bank_details_due(
    client: stripe.StripeClient, fake_stripe: FakeStripeProcess
) -> None:
    account = create_account(client)
    link = _link(client, account.id)

    left = fake_stripe.page(link.url, {"action": "leave"})

    assert left.location == "http://127.0.0.1:8000/payments/onboarding/back/"
    account = client.v1.accounts.retrieve(account.id)
    assert account.charges_enabled is False
    assert account.requirements.currently_due == ["external_account", "tos_acceptance.date", "tos_acceptance.ip"]


def test_a_used_or_expired_link_sends_the_person_to_the_refresh_url(
    client: stripe.StripeClient, fake_stripe: FakeStripeProcess
) -> None:
    account = create_account(client)
    used = _link(client, account.id)
    fake_stripe.page(used.url, {"action": "leave"})
    expired = _link(client, account.id)
    fake_stripe.helper("/_fake/advance_time", seconds=301)

    assert fake_stripe.page(used.url).location == "http://127.0.0.1:8000/payments/onboarding/again/"
    assert fake_stripe.page(expired.url).location == "http://127.0.0.1:8000/payments/onboarding/again/"


def test_accounts_are_updated_listed_and_their_capabilities_read(client: stripe.StripeClient) -> None:
    account = create_account(client)

    updated = client.v1.accounts.update(
        account.id, params={"metadata": {"provider": "7"}, "business_profile": {"name": "Sam's support"}}
    )
    listed = client.v1.accounts.list(params={"created": {"gte": account.created}, "limit": 100})
    capability = client.v1.accounts.capabilities.retrieve(account.id, "card_payments")

    assert updated.metadata.to_dict() == {"provider": "7"}
    assert updated.business_profile.name == "Sam's support"
    assert account.id in [item.id for item in listed.data]
    assert capability.status == "inactive"
    assert capability.account == account.id


def test_a_legacy_type_and_controller_together_are_refused(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.accounts.create(params={"type": "express", "controller": {"fees": {"payer": "application"}}})

    assert refused.value.http_status == 400
    assert refused.value.param == "type"


def test_the_global_client_works_through_stripe_api_base(
    fake_stripe: FakeStripeProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stripe, "api_base", fake_stripe.base_url)
    monkeypatch.setattr(stripe, "api_key", "sk_test_global_style")

    account = stripe.Account.create(capabilities={"transfers": {"requested": True}})

    assert stripe.Account.retrieve(account.id).capabilities.transfers == "inactive"
