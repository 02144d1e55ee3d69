"""Paying invoices online: the fee arithmetic, the Checkout session we ask for, one live payment per invoice,
paying and the ledger, Stripe unreachable then reachable, who may pay, and bad input.

Every Stripe call goes to a real fake Stripe process (tests/payments/conftest.py); nothing is mocked.
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from fakestripe.testing import FakeStripeProcess
from marketplace.agreements.models import Invoice
from marketplace.budgets.models import LedgerTransaction
from marketplace.core.models import OutboxEmail
from marketplace.payments import checkout, gateway
from marketplace.payments.models import Payment, PaymentAccount, PaymentItem, PaymentSettings
from marketplace.payments.selectors import payment_settings
from marketplace.payments.services import PaymentsError
from marketplace.payments.tasks import open_checkout_session, open_due_checkout_sessions
from tests.factories import CommissionerFactory, ProviderMembershipFactory

from .paying import (
    CARD_DECLINED,
    CARD_PAID,
    act_for,
    agreement_with,
    issue_invoice,
    make_holder,
    onboarded_provider,
    signed_in,
)

pytestmark = pytest.mark.django_db


# --- Fees in pence ---------------------------------------------------------------------------------


@given(amount=st.integers(min_value=0, max_value=10**9), basis_points=st.integers(min_value=0, max_value=10_000))
def test_a_share_is_rounded_half_up_and_never_more_than_the_amount(amount: int, basis_points: int) -> None:
    expected = (Decimal(amount) * basis_points / 10_000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    share = checkout.share_half_up(amount, basis_points)
    assert share == min(int(expected), amount)
    assert 0 <= share <= amount


@given(
    amount=st.integers(min_value=30, max_value=10**8),
    basis_points=st.integers(min_value=0, max_value=1000),
    provider_bears=st.booleans(),
)
def test_the_application_fee_never_exceeds_the_payment(amount: int, basis_points: int, provider_bears: bool) -> None:
    settings = PaymentSettings(
        platform_fee_basis_points=basis_points,
        stripe_fee_bearer="provider" if provider_bears else "council",
    )
    fees = checkout.fee_breakdown(amount_pence=amount, settings=settings)
    assert 0 <= fees.application_fee_pence <= amount
    assert fees.provider_receives_pence + fees.application_fee_pence == amount
    assert fees.application_fee_pence >= fees.platform_fee_pence or fees.application_fee_pence == amount


def test_known_fees() -> None:
    assert checkout.share_half_up(5000, 150) == 75
    assert checkout.share_half_up(4950, 1) == 0  # 0.495p
    assert checkout.share_half_up(5000, 1) == 1  # 0.5p rounds up
    assert checkout.stripe_card_fee(5000) == 95  # 1.5% + 20p, as the fake charges
    council_bears = checkout.fee_breakdown(
        amount_pence=5000, settings=PaymentSettings(platform_fee_basis_points=100, stripe_fee_bearer="council")
    )
    assert (council_bears.application_fee_pence, council_bears.provider_receives_pence) == (50, 4950)
    provider_bears = checkout.fee_breakdown(
        amount_pence=5000, settings=PaymentSettings(platform_fee_basis_points=100, stripe_fee_bearer="provider")
    )
    assert provider_bears.application_fee_pence == 50 + 95


# --- The world -------------------------------------------------------------------------------------


@pytest.fixture
def world(stripe_settings: FakeStripeProcess) -> dict[str, Any]:
    holder = make_holder()
    provider, owner = onboarded_provider(stripe_settings)
    agreement = agreement_with(holder, provider)
    return {
        "fake": stripe_settings,
        "holder": holder,
        "provider": provider,
        "owner": owner,
        "agreement": agreement,
        "family": act_for(holder, "david@example.org", money=True),
        "family_without_money": act_for(holder, "ruth@example.org", money=False),
        "first": issue_invoice(agreement, total=6_000, own=500),
        "second": issue_invoice(agreement, total=4_550),
    }


RETURN_URL = "http://testserver/payments/holder/h/payments/{payment}/"


def start_payment(world: dict[str, Any], *invoices: Invoice) -> Payment:
    chosen = invoices or (world["first"], world["second"])
    payment = checkout.payment_create(
        holder=world["holder"],
        invoice_uuids=[invoice.uuid for invoice in chosen],
        by=world["family"],
        return_url=RETURN_URL,
        now=timezone.now(),
    )
    return checkout.payment_session_open(payment=payment, now=timezone.now())


def session_at_stripe(fake: FakeStripeProcess, session_id: str) -> dict[str, Any]:
    session: dict[str, Any] = (
        fake.client().v1.checkout.sessions.retrieve(session_id, params={"expand": ["line_items"]}).to_dict()
    )
    return session


def paid_intent(world: dict[str, Any], payment: Payment) -> dict[str, Any]:
    """Pay the session with a test card and read its payment intent as Stripe made it from our parameters."""
    world["fake"].helper("/_fake/checkout/pay", session=payment.stripe_checkout_session_id, card=CARD_PAID)
    session = (
        world["fake"]
        .client()
        .v1.checkout.sessions.retrieve(payment.stripe_checkout_session_id, params={"expand": ["payment_intent"]})
    )
    intent: dict[str, Any] = session.to_dict()["payment_intent"]
    return intent


# --- The session we ask for ------------------------------------------------------------------------


def test_a_payment_is_a_destination_charge_with_a_line_per_invoice_and_the_councils_fee(
    world: dict[str, Any],
) -> None:
    settings = payment_settings()
    settings.platform_fee_basis_points = 125
    settings.save()

    payment = start_payment(world)

    assert payment.status == Payment.Status.OPEN
    assert payment.amount_pence == 10_550
    assert payment.application_fee_pence == 132  # 1.25% of £105.50 is 131.875p
    assert payment.idempotency_key == f"checkout-{payment.uuid}"
    assert payment.checkout_url.endswith(f"/hosted/checkout/{payment.stripe_checkout_session_id}")
    session = session_at_stripe(world["fake"], payment.stripe_checkout_session_id)
    assert session["mode"] == "payment"
    assert [(line["amount_total"], line["currency"]) for line in session["line_items"]["data"]] == [
        (6_000, "gbp"),
        (4_550, "gbp"),
    ]
    assert world["first"].number in session["line_items"]["data"][0]["description"]
    assert session["metadata"] == {"payment": str(payment.uuid)}
    assert session["success_url"] == RETURN_URL.replace("{payment}", str(payment.uuid)) + "?returned=paid"
    assert session["cancel_url"].endswith("?returned=cancelled")
    intent = paid_intent(world, payment)
    assert intent["transfer_data"]["destination"] == world["provider"].payment_account.stripe_account_id
    assert intent["application_fee_amount"] == 132
    assert not str(intent["transfer_group"] or "").startswith("pool")  # Stripe names a destination charge's own group
    assert intent["metadata"] == {"payment": str(payment.uuid)}
    assert intent["amount"] == 10_550


def test_a_pooled_share_is_a_charge_under_its_transfer_group_with_no_destination(world: dict[str, Any]) -> None:
    share = issue_invoice(world["agreement"], total=3_000, transfer_group="pool_abc_2026w10")

    payment = start_payment(world, share)

    intent = paid_intent(world, payment)
    assert intent["transfer_group"] == "pool_abc_2026w10"
    assert intent["transfer_data"] is None
    assert intent["application_fee_amount"] is None
    assert payment.transfer_group == "pool_abc_2026w10"


def test_a_pooled_share_and_an_individual_invoice_cannot_be_paid_together(world: dict[str, Any]) -> None:
    share = issue_invoice(world["agreement"], total=3_000, transfer_group="pool_abc_2026w10")
    with pytest.raises(PaymentsError, match="on its own"):
        start_payment(world, share, world["first"])
    assert not Payment.objects.exists()


def test_asking_stripe_again_for_the_same_payment_gives_the_same_session(world: dict[str, Any]) -> None:
    payment = start_payment(world)
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.QUEUED, stripe_checkout_session_id="")

    again = checkout.payment_session_open(payment=payment, now=timezone.now())

    assert again.stripe_checkout_session_id == payment.stripe_checkout_session_id


# --- One live payment per invoice ------------------------------------------------------------------


def test_an_invoice_cannot_be_in_two_live_payments(world: dict[str, Any]) -> None:
    start_payment(world)
    with pytest.raises(PaymentsError, match="already being paid"):
        start_payment(world, world["first"])
    assert Payment.objects.count() == 1


def test_the_database_itself_refuses_a_second_live_item_for_an_invoice(world: dict[str, Any]) -> None:
    payment = start_payment(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentItem.objects.create(payment=payment, invoice=world["first"], amount_pence=1)


def test_a_double_click_on_pay_makes_one_payment_and_sends_both_clicks_to_it(world: dict[str, Any]) -> None:
    client = signed_in(world["family"])
    url = reverse("payments:pay_start", args=[world["holder"].uuid])
    data = {"invoice": [str(world["first"].uuid), str(world["second"].uuid)]}

    first = client.post(url, data)
    second = client.post(url, data)

    payment = Payment.objects.get()
    assert first.status_code == 303
    assert first["Location"] == payment.checkout_url
    assert second.status_code == 302
    assert second["Location"] == reverse("payments:payment", args=[world["holder"].uuid, payment.uuid])
    assert PaymentItem.objects.filter(is_live=True).count() == 2


# --- Paying, and what Stripe says afterwards ----------------------------------------------------------


def pay(world: dict[str, Any], payment: Payment, card: str = CARD_PAID) -> dict[str, Any]:
    return world["fake"].helper("/_fake/checkout/pay", session=payment.stripe_checkout_session_id, card=card)


def test_paying_marks_each_invoice_paid_online_and_posts_it_to_the_ledger(world: dict[str, Any]) -> None:
    payment = start_payment(world)
    pay(world, payment)

    synced = checkout.payment_sync(payment=payment, now=timezone.now())

    assert synced.status == Payment.Status.SUCCEEDED
    assert synced.stripe_payment_intent_id.startswith("pi_")
    assert synced.stripe_charge_id.startswith("ch_")
    assert synced.funds_available_on is not None
    for invoice in (world["first"], world["second"]):
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID
        assert invoice.paid_route == Invoice.Route.ONLINE
        assert invoice.paid_reference == synced.stripe_payment_intent_id
        assert invoice.paid_by == world["family"]
    assert LedgerTransaction.objects.filter(kind="invoice_payment").count() == 2
    # Reading it again changes nothing.
    checkout.payment_sync(payment=synced, now=timezone.now())
    assert LedgerTransaction.objects.filter(kind="invoice_payment").count() == 2


def test_a_declined_card_leaves_the_payment_open_with_a_plain_message_and_nothing_in_the_ledger(
    world: dict[str, Any],
) -> None:
    payment = start_payment(world)
    answer = pay(world, payment, CARD_DECLINED)
    assert answer["error"]["code"] == "card_declined"

    synced = checkout.payment_sync(payment=payment, now=timezone.now())

    assert synced.status == Payment.Status.OPEN
    assert synced.failure_message == checkout.DECLINED_MESSAGE
    assert not LedgerTransaction.objects.exists()
    world["first"].refresh_from_db()
    assert world["first"].status == Invoice.Status.PAYABLE


def test_an_expired_session_frees_the_invoices_to_be_paid_again(world: dict[str, Any]) -> None:
    payment = start_payment(world)
    world["fake"].client().v1.checkout.sessions.expire(payment.stripe_checkout_session_id)

    synced = checkout.payment_sync(payment=payment, now=timezone.now())

    assert synced.status == Payment.Status.EXPIRED
    assert not PaymentItem.objects.filter(is_live=True).exists()
    assert not LedgerTransaction.objects.exists()
    again = start_payment(world)
    assert again.status == Payment.Status.OPEN


def test_a_pooled_share_calls_the_pooling_hook_once_after_the_commit(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    called: list[int] = []
    checkout.POOLED_PAYMENT_SUCCEEDED.append(called.append)
    try:
        share = issue_invoice(world["agreement"], total=3_000, transfer_group="pool_xyz")
        payment = start_payment(world, share)
        pay(world, payment)
        with django_capture_on_commit_callbacks(execute=True):
            checkout.payment_sync(payment=payment, now=timezone.now())
            checkout.payment_sync(payment=payment, now=timezone.now())
    finally:
        checkout.POOLED_PAYMENT_SUCCEEDED.remove(called.append)
    assert called == [payment.pk]


# --- Stripe unreachable ----------------------------------------------------------------------------


def test_with_stripe_down_the_payment_is_kept_and_the_person_told_then_a_retry_opens_it_and_emails_them(
    world: dict[str, Any], settings: Any
) -> None:
    reachable = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    client = signed_in(world["family"])
    response = client.post(
        reverse("payments:pay_start", args=[world["holder"].uuid]), {"invoice": [str(world["first"].uuid)]}
    )

    payment = Payment.objects.get()
    assert response.status_code == 303
    assert response["Location"] == reverse("payments:payment", args=[world["holder"].uuid, payment.uuid])
    assert payment.status == Payment.Status.QUEUED
    assert payment.attempts == 1
    assert payment.next_attempt_at is not None
    assert payment.next_attempt_at > timezone.now()
    page = client.get(response["Location"]).content.decode()
    assert "Your payment is saved." in page
    assert "Nothing has been taken from your card." in page
    assert "Continue to pay" not in page
    # The sweep leaves it alone until the attempt is due, and Stripe still down keeps it queued.
    assert checkout.payments_due_for_session(now=timezone.now()) == []
    assert checkout.payments_due_for_session(now=timezone.now() + timedelta(minutes=1)) == [payment.pk]
    open_checkout_session(payment.pk)
    payment.refresh_from_db()
    assert (payment.status, payment.attempts) == (Payment.Status.QUEUED, 2)

    settings.STRIPE_API_BASE = reachable
    assert open_checkout_session(payment.pk) == Payment.Status.OPEN
    payment.refresh_from_db()
    assert payment.checkout_url
    email = OutboxEmail.objects.get(to=world["family"].email)
    assert "is ready" in email.subject
    assert payment.return_url in email.body
    page = client.get(response["Location"]).content.decode()
    assert "Continue to pay" in page
    assert payment.checkout_url in page
    # Once open, further attempts change nothing.
    assert open_checkout_session(payment.pk) == Payment.Status.OPEN
    assert OutboxEmail.objects.filter(to=world["family"].email).count() == 1
    del mail.outbox[:]


def test_the_sweep_queues_every_due_payment(world: dict[str, Any], settings: Any) -> None:
    reachable = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    payment = checkout.payment_session_open(
        payment=checkout.payment_create(
            holder=world["holder"],
            invoice_uuids=[world["first"].uuid],
            by=world["family"],
            return_url=RETURN_URL,
            now=timezone.now() - timedelta(hours=2),
        ),
        now=timezone.now() - timedelta(hours=2),
    )
    assert payment.status == Payment.Status.QUEUED
    settings.STRIPE_API_BASE = reachable

    assert open_due_checkout_sessions() == 1

    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN


def test_stripe_refusing_the_session_fails_the_payment_and_frees_its_invoices(world: dict[str, Any]) -> None:
    PaymentAccount.objects.filter(provider=world["provider"]).update(stripe_account_id="acct_not_at_stripe")

    payment = start_payment(world, world["first"])

    assert payment.status == Payment.Status.FAILED
    assert "did not accept" in payment.failure_message
    assert not PaymentItem.objects.filter(is_live=True).exists()


# --- Cancelling a waiting payment ------------------------------------------------------------------


def cancel_url(world: dict[str, Any], payment: Payment) -> str:
    return reverse("payments:payment_cancel", args=[world["holder"].uuid, payment.uuid])


def test_cancelling_an_open_payment_closes_its_session_at_stripe_and_frees_the_invoices(world: dict[str, Any]) -> None:
    payment = start_payment(world)
    client = signed_in(world["family"])
    question = client.get(cancel_url(world, payment)).content.decode()
    assert "Cancel the payment of £105.50 to" in question
    assert "These are demo payments. No real money moves." in question

    response = client.post(cancel_url(world, payment))

    assert response.status_code == 302
    assert response["Location"] == reverse("payments:payment", args=[world["holder"].uuid, payment.uuid])
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert payment.failure_message == checkout.CANCELLED_MESSAGE
    assert session_at_stripe(world["fake"], payment.stripe_checkout_session_id)["status"] == "expired"
    assert not PaymentItem.objects.filter(is_live=True).exists()
    assert not LedgerTransaction.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "You cancelled this payment, so nothing was taken." in page
    assert "Continue to pay" not in page
    # Stripe's expired event, arriving late, changes nothing; the invoices can be paid again.
    assert checkout.payment_sync(payment=payment, now=timezone.now()).status == Payment.Status.CANCELLED
    assert start_payment(world).status == Payment.Status.OPEN
    # A settled payment offers no cancelling: the address goes back to the payment.
    assert client.get(cancel_url(world, payment)).status_code == 302


def test_cancelling_a_queued_payment_needs_no_stripe_and_a_session_made_meanwhile_is_closed(
    world: dict[str, Any], settings: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    reachable = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    payment = start_payment(world, world["first"])
    assert payment.status == Payment.Status.QUEUED

    assert signed_in(world["family"]).post(cancel_url(world, payment)).status_code == 302

    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert checkout.payments_due_for_session(now=timezone.now() + timedelta(days=1)) == []

    # A retry that was already asking Stripe when the person cancelled: its session is expired at once.
    racing = start_payment(world, world["second"])
    assert racing.status == Payment.Status.QUEUED
    settings.STRIPE_API_BASE = reachable
    made = gateway.create_checkout_session

    def cancelled_while_stripe_answers(**kwargs: Any) -> gateway.CheckoutSnapshot:
        snapshot = made(**kwargs)
        checkout.payment_cancel(payment=racing, now=timezone.now())
        return snapshot

    monkeypatch.setattr(gateway, "create_checkout_session", cancelled_while_stripe_answers)
    with django_capture_on_commit_callbacks(execute=True):
        answered = checkout.payment_session_open(payment=racing, now=timezone.now())
    monkeypatch.undo()
    assert answered.status == Payment.Status.CANCELLED
    sessions = world["fake"].client().v1.checkout.sessions.list(params={"limit": 100}).data
    assert {item.status for item in sessions if item.client_reference_id == str(racing.uuid)} == {"expired"}


def test_a_payment_made_before_the_cancel_is_kept_and_the_person_told(world: dict[str, Any]) -> None:
    payment = start_payment(world)
    pay(world, payment)

    with pytest.raises(PaymentsError, match="made before it could be cancelled"):
        checkout.payment_cancel(payment=payment, now=timezone.now())
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert LedgerTransaction.objects.filter(kind="invoice_payment").count() == 2


def test_stripe_down_while_cancelling_is_said_with_an_error_summary_and_nothing_changes(
    world: dict[str, Any], settings: Any
) -> None:
    payment = start_payment(world)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    response = signed_in(world["family"]).post(cancel_url(world, payment))

    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "the payment is not cancelled yet" in page
    assert 'href="#cancel-payment"' in page
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN
    assert PaymentItem.objects.filter(payment=payment, is_live=True).count() == 2


# --- Who may pay -----------------------------------------------------------------------------------


def test_who_may_see_the_pay_pages(world: dict[str, Any]) -> None:
    payment = start_payment(world, world["first"])
    holder = world["holder"]
    urls = [
        reverse("payments:pay_invoices", args=[holder.uuid]),
        reverse("payments:payment", args=[holder.uuid, payment.uuid]),
        reverse("payments:payment_cancel", args=[holder.uuid, payment.uuid]),
    ]
    _, other_owner = onboarded_provider(world["fake"], name="Another Provider")
    cases = [
        (holder.user, 200),
        (world["family"], 200),
        (world["family_without_money"], 404),
        (world["owner"], 404),
        (other_owner, 404),
        (CommissionerFactory(), 404),
    ]
    for user, expected in cases:
        client = signed_in(user)
        for url in urls:
            assert client.get(url).status_code == expected, (user.email, url)
        start = client.post(
            reverse("payments:pay_start", args=[holder.uuid]), {"invoice": [str(world["second"].uuid)]}
        )
        assert start.status_code == (303 if expected == 200 else 404), user.email
        Payment.objects.exclude(pk=payment.pk).delete()
    anonymous = Client()
    for url in urls:
        response = anonymous.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_another_holders_invoice_cannot_be_paid(world: dict[str, Any]) -> None:
    stranger = make_holder("Someone Else")
    theirs = issue_invoice(agreement_with(stranger, world["provider"]), total=2_000)
    response = signed_in(world["family"]).post(
        reverse("payments:pay_invoices", args=[world["holder"].uuid]), {"invoice": [str(theirs.uuid)]}
    )
    assert response.status_code == 200
    assert "Choose from the invoices listed" in response.content.decode()
    with pytest.raises(PaymentsError):
        start_payment(world, theirs)


# --- Bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose at least one invoice to pay"),
        ({"invoice": ["not-a-uuid"]}, "Choose from the invoices listed"),
        ({"invoice": ["<script>alert(1)</script>"]}, "Choose from the invoices listed"),
    ],
)
def test_bad_choices_are_answered_with_an_error_summary(world: dict[str, Any], data: Any, message: str) -> None:
    response = signed_in(world["family"]).post(reverse("payments:pay_invoices", args=[world["holder"].uuid]), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert message in page
    assert "<script>alert(1)</script>" not in page
    assert not Payment.objects.exists()


def test_invoices_of_two_providers_are_refused_and_the_choice_kept(world: dict[str, Any]) -> None:
    other, _ = onboarded_provider(world["fake"], name="Birch House")
    theirs = issue_invoice(agreement_with(world["holder"], other), total=2_000)
    response = signed_in(world["family"]).post(
        reverse("payments:pay_invoices", args=[world["holder"].uuid]),
        {"invoice": [str(world["first"].uuid), str(theirs.uuid)]},
    )
    page = response.content.decode()
    assert "Choose invoices from one provider" in page
    assert f'value="{world["first"].uuid}" checked' in page
    assert f'value="{theirs.uuid}" checked' in page


def test_the_confirmation_shows_the_total_the_fee_and_who_bears_stripes_fee(world: dict[str, Any]) -> None:
    response = signed_in(world["family"]).post(
        reverse("payments:pay_invoices", args=[world["holder"].uuid]),
        {"invoice": [str(world["first"].uuid), str(world["second"].uuid)]},
    )
    page = response.content.decode()
    assert "Check and pay" in page
    assert "£105.50" in page
    assert "Paid by the council" in page
    assert "These are demo payments. No real money moves." in page
    assert "Pay £105.50 with Stripe" in page
    assert not Payment.objects.exists()


def test_a_provider_that_cannot_be_paid_online_offers_no_box(world: dict[str, Any]) -> None:
    from tests.factories import ProviderFactory

    offline = ProviderFactory(name="Cash Only Care")
    invoice = issue_invoice(agreement_with(world["holder"], offline), total=2_500)
    page = (
        signed_in(world["family"]).get(reverse("payments:pay_invoices", args=[world["holder"].uuid])).content.decode()
    )
    assert f'value="{invoice.uuid}"' not in page
    assert f'value="{world["first"].uuid}"' in page
    assert "This provider cannot be paid online" in page


# --- What the provider sees ------------------------------------------------------------------------


def test_the_provider_sees_the_payment_and_when_the_money_should_arrive(world: dict[str, Any]) -> None:
    payment = start_payment(world)
    pay(world, payment)
    synced = checkout.payment_sync(payment=payment, now=timezone.now())
    page = signed_in(world["owner"]).get(reverse("payments:get_paid_online", args=[world["provider"].uuid]))
    html = page.content.decode()
    assert "Online payments to you" in html
    assert world["first"].number in html
    assert "£105.50" in html
    assert f"In your Stripe balance on {synced.funds_available_on:%-d %B %Y}" in html
    other_owner = ProviderMembershipFactory().user
    assert (
        signed_in(other_owner).get(reverse("payments:get_paid_online", args=[world["provider"].uuid])).status_code
        == 404
    )


# --- Fixed query counts ----------------------------------------------------------------------------


def count_queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # the first request of a test makes the site's settings rows
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_pages_run_the_same_number_of_queries_for_few_or_many_invoices_and_payments(world: dict[str, Any]) -> None:
    holder, family = world["holder"], world["family"]
    family_client, owner_client = signed_in(family), signed_in(world["owner"])
    pay_url = reverse("payments:pay_invoices", args=[holder.uuid])
    provider_url = reverse("payments:get_paid_online", args=[world["provider"].uuid])
    first_payment = start_payment(world, world["first"])
    payment_url = reverse("payments:payment", args=[holder.uuid, first_payment.uuid])
    Payment.objects.filter(pk=first_payment.pk).update(status=Payment.Status.EXPIRED)  # no Stripe read on the page
    small = (count_queries(family_client, pay_url), count_queries(owner_client, provider_url))
    small_payment = count_queries(family_client, payment_url)

    other, _ = onboarded_provider(world["fake"], name="Birch House")
    for _ in range(4):
        issue_invoice(world["agreement"], total=1_000)
        issue_invoice(agreement_with(holder, other), total=1_000)
    for invoice in Invoice.objects.filter(holder=holder, provider=world["provider"], payment_items__isnull=True)[:3]:
        extra = start_payment(world, invoice)
        Payment.objects.filter(pk=extra.pk).update(status=Payment.Status.SUCCEEDED)
    PaymentItem.objects.filter(payment=first_payment).update(is_live=False)
    big = (count_queries(family_client, pay_url), count_queries(owner_client, provider_url))

    assert big == small
    assert count_queries(family_client, payment_url) == small_payment


def test_the_money_page_offers_paying_online_to_those_who_may_pay_only(world: dict[str, Any]) -> None:
    url = reverse("budgets:money", args=[world["holder"].uuid])
    pay_url = reverse("payments:pay_invoices", args=[world["holder"].uuid])
    assert pay_url in signed_in(world["family"]).get(url).content.decode()
    commissioner_page = signed_in(CommissionerFactory()).get(url)
    assert commissioner_page.status_code == 200
    assert pay_url not in commissioner_page.content.decode()


def test_the_sweep_is_scheduled_every_minute() -> None:
    from celery import current_app
    from django.conf import settings as django_settings

    entry = django_settings.CELERY_BEAT_SCHEDULE["payments-open-due-checkout-sessions"]
    assert entry["task"] == "marketplace.payments.tasks.open_due_checkout_sessions"
    assert entry["task"] in current_app.tasks
    assert entry["schedule"] == 60.0


def snapshot_of(payment: Payment, **state: Any) -> gateway.CheckoutSnapshot:
    return gateway.CheckoutSnapshot(
        session_id=payment.stripe_checkout_session_id,
        url=payment.checkout_url,
        amount_total=payment.amount_pence,
        metadata={"payment": str(payment.uuid)},
        **state,
    )


def test_an_asynchronous_payment_still_processing_stays_open_and_one_that_failed_frees_the_invoices(
    world: dict[str, Any],
) -> None:
    """Card payments settle at once; Stripe's delayed methods complete the session unpaid first (the fake has
    none, so the session is given as Stripe would describe it)."""
    payment = start_payment(world)
    processing = snapshot_of(
        payment,
        status="complete",
        payment_status="unpaid",
        payment_intent_id="pi_x",
        payment_intent_status="processing",
    )
    assert checkout.payment_apply(payment=payment, snapshot=processing, now=timezone.now()).status == "open"

    failed = snapshot_of(
        payment,
        status="complete",
        payment_status="unpaid",
        payment_intent_id="pi_x",
        payment_intent_status="requires_payment_method",
        last_error="The bank refused the debit.",
    )
    applied = checkout.payment_apply(payment=payment, snapshot=failed, now=timezone.now())

    assert applied.status == Payment.Status.FAILED
    assert applied.failure_message == "The bank refused the debit."
    assert not PaymentItem.objects.filter(is_live=True).exists()
    assert not LedgerTransaction.objects.exists()
    # A late "paid" read after the failure changes nothing: a settled payment stays as it is.
    paid = snapshot_of(payment, status="complete", payment_status="paid", payment_intent_id="pi_x")
    assert checkout.payment_apply(payment=payment, snapshot=paid, now=timezone.now()).status == "failed"
    assert not LedgerTransaction.objects.exists()


def test_the_check_and_pay_page_runs_the_same_number_of_queries_for_one_or_five_invoices(
    world: dict[str, Any],
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(world["family"])
    url = reverse("payments:pay_invoices", args=[world["holder"].uuid])
    client.get(url)

    def post_count(invoices: list[Invoice]) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, {"invoice": [str(invoice.uuid) for invoice in invoices]})
        assert "Check and pay" in response.content.decode()
        return len(captured)

    post_count([world["first"]])  # the first makes the payment settings row
    one = post_count([world["first"]])
    more = [issue_invoice(world["agreement"], total=1_000) for _ in range(3)]
    assert post_count([world["first"], world["second"], *more]) == one


def test_the_service_refuses_what_is_not_an_invoice_id_in_words() -> None:
    holder = make_holder()
    with pytest.raises(PaymentsError, match="Choose from the invoices listed"):
        checkout.invoices_to_pay(holder=holder, invoice_uuids=["not-a-uuid"])
    with pytest.raises(PaymentsError, match="at least one"):
        checkout.invoices_to_pay(holder=holder, invoice_uuids=[])
