"""'Can be paid online' on the public profile and in search results, at no extra query per result."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.payments.gateway import AccountSnapshot
from marketplace.payments.models import PaymentAccount
from marketplace.payments.services import payment_account_connect
from marketplace.providers.models import Provider
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

TAG = "Can be paid online"


@pytest.fixture(autouse=True)
def _directory(search_on_database: None, directory_page: Any, council: Any, settings: Any) -> None:
    settings.PAYMENTS_ENABLED = True


def payment_account(provider: Provider, *, ready: bool) -> PaymentAccount:
    now = timezone.now()
    return PaymentAccount.objects.create(
        provider=provider, stripe_account_id=f"acct_{provider.pk:08d}", can_be_paid_online=ready,
        charges_enabled=ready, payouts_enabled=ready, created_at=now, refreshed_at=now,
    )  # fmt: skip


def result_of(html: str, name: str) -> str:
    return html.split(name, 1)[1].split('class="app-result"', 1)[0]


def test_the_profile_says_so_only_when_stripe_says_the_account_is_ready(client: Client) -> None:
    ready, not_ready, none = ProviderFactory(), ProviderFactory(), ProviderFactory()
    payment_account(ready, ready=True)
    payment_account(not_ready, ready=False)

    assert TAG in client.get(f"/directory/{ready.slug}/").content.decode()
    assert TAG not in client.get(f"/directory/{not_ready.slug}/").content.decode()
    assert TAG not in client.get(f"/directory/{none.slug}/").content.decode()


def test_results_tag_only_providers_that_can_be_paid_online(client: Client) -> None:
    ready = ProviderFactory(name="Asha Patel")
    payment_account(ready, ready=True)
    payment_account(ProviderFactory(name="Ben Okafor"), ready=False)
    ProviderFactory(name="Cara Jones")

    html = client.get("/directory/").content.decode()

    assert TAG in result_of(html, "Asha Patel")
    assert TAG not in result_of(html, "Ben Okafor")
    assert TAG not in result_of(html, "Cara Jones")


def test_with_payments_switched_off_no_listing_says_so(client: Client, settings: Any) -> None:
    ready = ProviderFactory(name="Asha Patel")
    payment_account(ready, ready=True)
    settings.PAYMENTS_ENABLED = False

    assert TAG not in client.get("/directory/").content.decode()
    assert TAG not in client.get(f"/directory/{ready.slug}/").content.decode()


def test_the_results_page_runs_the_same_number_of_queries_for_2_or_12_results(client: Client) -> None:
    def queries_for_page() -> int:
        client.get("/directory/")  # warm caches (site, settings) first
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/directory/").status_code == 200
        return len(captured.captured_queries)

    for _ in range(2):
        payment_account(ProviderFactory(), ready=True)
    few = queries_for_page()
    for index in range(10):
        provider = ProviderFactory()
        if index % 2:
            payment_account(provider, ready=True)
    many = queries_for_page()

    assert few == many


def test_a_search_shows_an_account_made_ready_after_the_worker_kept_its_listing(client: Client) -> None:
    # Each worker reads which listings can be paid online once a listings version
    # (cms.directory.paid_online_memo): Stripe saying the account is ready makes a new version.
    provider = ProviderFactory(name="Asha Patel")

    def connect(*, ready: bool) -> None:
        status = "active" if ready else "inactive"
        snapshot = AccountSnapshot(
            account_id="acct_asha", charges_enabled=ready, payouts_enabled=ready, details_submitted=True,
            card_payments_status=status, transfers_status=status,
        )  # fmt: skip
        payment_account_connect(provider=provider, snapshot=snapshot)

    connect(ready=False)
    assert TAG not in result_of(client.get("/directory/").content.decode(), "Asha Patel")
    assert TAG not in result_of(client.get("/directory/?q=asha").content.decode(), "Asha Patel")

    connect(ready=True)

    assert TAG in result_of(client.get("/directory/?q=asha").content.decode(), "Asha Patel")
    assert TAG in result_of(client.get("/directory/").content.decode(), "Asha Patel")
