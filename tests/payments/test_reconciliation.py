"""The nightly check against Stripe: counts, totals and each difference, once per day, commissioners told."""

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from fakestripe.testing import FakeStripeProcess
from marketplace.core.models import OutboxEmail
from marketplace.payments import gateway
from marketplace.payments.errors import PaymentsError
from marketplace.payments.models import Payment, PaymentAccount, ReconciliationReport
from marketplace.payments.reconciliation import reconciliation_run
from marketplace.payments.refunds import payment_refund
from marketplace.payments.tasks import reconcile_payments_nightly
from tests.factories import CommissionerFactory

from .money_back import connected_provider_account, paid_payment

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def quiet_fake(stripe_settings: FakeStripeProcess) -> Iterator[FakeStripeProcess]:
    """The shared fake emptied, its clock at the next noon UTC (far from any midnight here), emptied again after."""
    stripe_settings.helper("/_fake/reset")
    now = time.time()
    stripe_settings.helper("/_fake/advance_time", seconds=int(86400 - (now % 86400) + 43200))
    yield stripe_settings
    stripe_settings.helper("/_fake/reset")


@pytest.fixture
def account(quiet_fake: FakeStripeProcess) -> PaymentAccount:
    return connected_provider_account(quiet_fake, name="Birch House")


def night_after(payment: Payment) -> date:
    assert payment.succeeded_at is not None
    return timezone.localdate(payment.succeeded_at) + timedelta(days=1)


def test_when_everything_agrees_the_report_has_counts_totals_and_no_differences(account: PaymentAccount) -> None:
    first = paid_payment(account=account, invoices=((6000, 1000),))
    paid_payment(account=account, invoices=((2500, 0),))
    payment_refund(
        payment=first, amount_pence=700, reason="Late", by=CommissionerFactory(), token="r1", now=first.succeeded_at
    )

    report = reconciliation_run(today=night_after(first))

    assert report.is_clean, report.differences
    assert (report.our_payments, report.our_payments_pence) == (2, 8500)
    assert (report.stripe_charges, report.stripe_charges_pence) == (2, 8500)
    assert (report.our_refunds, report.our_refunds_pence) == (1, 700)
    assert (report.stripe_refunds, report.stripe_refunds_pence) == (1, 700)
    assert report.commissioners_told_at is None
    assert not OutboxEmail.objects.filter(subject__startswith="Online payments").exists()


def test_each_kind_of_difference_is_reported_and_commissioners_are_told_once(account: PaymentAccount) -> None:
    CommissionerFactory(email="commissioner@example.org")
    agreeing = paid_payment(account=account)
    changed_amount = paid_payment(account=account, invoices=((4000, 0),))
    Payment.objects.filter(pk=changed_amount.pk).update(amount_pence=4100)
    failed_here = paid_payment(account=account, invoices=((3000, 0),))
    Payment.objects.filter(pk=failed_here.pk).update(status=Payment.Status.FAILED)
    ghost = paid_payment(account=account, invoices=((1000, 0),))
    ghost_charge = ghost.stripe_charge_id  # Stripe has it; we lose it below
    Payment.objects.filter(pk=ghost.pk).update(stripe_charge_id="ch_nowhere", stripe_payment_intent_id="pi_nowhere")
    stranger = gateway.client().v1.payment_intents.create(
        params={"amount": 999, "currency": "gbp", "payment_method": "pm_card_visa", "confirm": True}
    )
    unrecorded = gateway.create_refund(
        charge_id=agreeing.stripe_charge_id, amount_pence=100, idempotency_key="dash", metadata={}
    )

    report = reconciliation_run(today=night_after(agreeing))
    again = reconciliation_run(today=night_after(agreeing))

    found = {(item["kind"], item["object"], item["detail"]) for item in report.differences}
    assert found == {
        ("amount", changed_amount.stripe_charge_id, "Amount charged"),
        ("status", failed_here.stripe_charge_id, "Paid or not"),
        ("missing_stripe", "ch_nowhere", "A payment Stripe has no charge for"),
        ("missing_ours", str(stranger.latest_charge), "A charge we have no payment for"),
        ("missing_ours", ghost_charge, "A charge we have no payment for"),
        ("missing_ours", unrecorded.refund_id, "A refund we have no record of"),
        ("amount", agreeing.stripe_charge_id, "Amount refunded"),
    }
    assert report.difference_count == 7
    assert again.pk == report.pk
    assert ReconciliationReport.objects.count() == 1
    emails = OutboxEmail.objects.filter(subject__startswith="Online payments")
    assert emails.count() == 1
    assert "7 differences" in emails.get().subject


def test_every_page_of_stripes_lists_is_read(account: PaymentAccount, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gateway, "LIST_PAGE_SIZE", 2)
    payments = [paid_payment(account=account, invoices=((1000 + number, 0),)) for number in range(5)]

    report = reconciliation_run(today=night_after(payments[0]))

    assert report.is_clean, report.differences
    assert (report.stripe_charges, report.stripe_charges_pence) == (5, 5010)


def test_while_stripe_is_unreachable_no_report_is_kept_and_the_task_retries(
    account: PaymentAccount, settings: Any
) -> None:
    payment = paid_payment(account=account)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    with pytest.raises(PaymentsError) as refused:
        reconciliation_run(today=night_after(payment))

    assert refused.value.is_unreachable
    assert not ReconciliationReport.objects.exists()


def test_the_nightly_task_is_scheduled_and_reports_on_the_day_it_is_given(account: PaymentAccount) -> None:
    payment = paid_payment(account=account)
    schedule = django_settings.CELERY_BEAT_SCHEDULE["payments-reconcile-nightly"]
    assert schedule["task"] == "marketplace.payments.tasks.reconcile_payments_nightly"

    differences = reconcile_payments_nightly.delay(night_after(payment).isoformat()).get()

    assert differences == 0
    assert ReconciliationReport.objects.get().period_start == timezone.localdate(payment.succeeded_at)


def test_the_period_is_the_day_before_whatever_the_day(account: PaymentAccount) -> None:
    leap_day_night = date(2028, 3, 1)

    report = reconciliation_run(today=leap_day_night, now=datetime(2028, 3, 1, 3, 40, tzinfo=UTC))

    assert (report.period_start, report.period_end) == (date(2028, 2, 29), date(2028, 2, 29))
    assert report.is_clean
    assert report.our_payments == 0
