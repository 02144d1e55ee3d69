"""The commissioners' "Online payments" screens: who sees them, refunds through the form, totals, exports, queries."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fakestripe.testing import FakeStripeProcess
from marketplace.budgets.selectors import county_spending, ledger_spending_total
from marketplace.payments.models import Dispute, Payment, PaymentAccount, Payout, ReconciliationReport, Refund
from tests.factories import (
    CommissionerFactory,
    DirectPaymentHolderFactory,
    EditorFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    UserFactory,
)

from .money_back import connected_provider_account, paid_payment

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
_counter = iter(range(1, 1_000_000))


def account_row(name: str = "Hazel Homecare") -> PaymentAccount:
    number = next(_counter)
    return PaymentAccount.objects.create(
        provider=ProviderFactory(name=name),
        stripe_account_id=f"acct_row{number}",
        charges_enabled=True,
        payouts_enabled=True,
        can_be_paid_online=True,
        created_at=WHEN,
        refreshed_at=WHEN,
    )


def payment_row(account: PaymentAccount, *, amount: int = 5000, status: str = "succeeded", **extra: Any) -> Payment:
    """A payment row as the webhooks leave it, without Stripe (for the listings)."""
    number = next(_counter)
    fields: dict[str, Any] = {
        "holder": DirectPaymentHolderFactory(),
        "provider": account.provider,
        "payment_account": account,
        "status": status,
        "amount_pence": amount,
        "application_fee_pence": amount // 20,
        "idempotency_key": f"row-{number}",
        "stripe_payment_intent_id": f"pi_row{number}",
        "stripe_charge_id": f"ch_row{number}",
        "created_at": WHEN,
        "updated_at": WHEN,
        "succeeded_at": WHEN if status != "failed" else None,
    }
    fields.update(extra)
    return Payment.objects.create(**fields)


def many_rows(count: int) -> list[Payment]:
    account = account_row(f"Provider {next(_counter)}")
    made = []
    for number in range(count):
        payment = payment_row(account, amount=1000 + number, refunded_pence=number)
        Refund.objects.create(
            payment=payment, amount_pence=number + 1, reason="r", status="succeeded",
            stripe_refund_id=f"re_row{next(_counter)}", created_at=WHEN, updated_at=WHEN,
        )  # fmt: skip
        Dispute.objects.create(
            payment=payment, stripe_dispute_id=f"dp_row{next(_counter)}", amount_pence=10, status="needs_response",
            payment_status_before="succeeded", opened_at=WHEN, updated_at=WHEN,
        )  # fmt: skip
        Payout.objects.create(
            payment_account=account, stripe_payout_id=f"po_row{next(_counter)}", amount_pence=500, status="paid",
            arrival_date=date(2026, 3, 12), stripe_created_at=WHEN, updated_at=WHEN,
        )  # fmt: skip
        made.append(payment)
    return made


# --- Who may see and refund --------------------------------------------------------------------


def as_role(client: Client, role: str, payment: Payment) -> Client:
    if role == "commissioner":
        client.force_login(CommissionerFactory())
    elif role == "superuser":
        client.force_login(UserFactory(is_superuser=True, is_staff=True, multi_factor=True))
    elif role == "editor":
        client.force_login(EditorFactory())
    elif role == "provider":
        client.force_login(ProviderMembershipFactory(provider=payment.provider).user)
    elif role == "other_provider":
        client.force_login(ProviderMembershipFactory(provider=ProviderFactory()).user)
    elif role == "holder":
        client.force_login(payment.holder.user)
    return client


ROLES_ALLOWED = {"commissioner": True, "superuser": True}
ALL_ROLES = ["commissioner", "superuser", "editor", "provider", "other_provider", "holder", "signed_out"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_commissioners_and_superusers_see_the_payments_screens(client: Client, role: str) -> None:
    payment = payment_row(account_row("Secret Care Ltd"))
    report = ReconciliationReport.objects.create(
        day=date(2026, 3, 11), period_start=date(2026, 3, 10), period_end=date(2026, 3, 10), created_at=WHEN
    )
    as_role(client, role, payment)
    urls = [
        reverse("payments_admin:index"),
        reverse("payments_admin:payment", args=[payment.pk]),
        reverse("payments_admin:payouts"),
        reverse("payments_admin:providers") + "?start=2026-03-01&end=2026-03-31",
        reverse("payments_admin:reports"),
        reverse("payments_admin:report", args=[report.pk]),
    ]
    for url in urls:
        response = client.get(url)
        if ROLES_ALLOWED.get(role):
            assert response.status_code == 200, url
            assert "Online payments" in response.text or "Check against Stripe" in response.text
        else:
            assert response.status_code in (302, 403, 404), (url, response.status_code)
            assert "Secret Care Ltd" not in response.text

    refund = client.post(
        reverse("payments_admin:refund", args=[payment.pk]), {"amount": "1.00", "reason": "x", "token": "abc"}
    )
    if not ROLES_ALLOWED.get(role):
        assert refund.status_code in (302, 403, 404)
        assert not Refund.objects.exists()


def test_the_menu_shows_online_payments_to_commissioners_only(client: Client) -> None:
    client.force_login(CommissionerFactory())
    assert reverse("payments_admin:index") in client.get(reverse("wagtailadmin_home")).text
    client.force_login(EditorFactory())
    assert reverse("payments_admin:index") not in client.get(reverse("wagtailadmin_home")).text


# --- Refunding through the form ----------------------------------------------------------------


@pytest.fixture
def stripe_payment(stripe_settings: FakeStripeProcess) -> Payment:
    return paid_payment(account=connected_provider_account(stripe_settings, name="Rowan Care"), fee=300)


@pytest.fixture
def commissioner_client(client: Client) -> Client:
    client.force_login(CommissionerFactory())
    return client


def refund_url(payment: Payment) -> str:
    return reverse("payments_admin:refund", args=[payment.pk])


def test_a_commissioner_refunds_part_of_a_payment_through_the_form(
    stripe_payment: Payment, commissioner_client: Client
) -> None:
    page = commissioner_client.get(reverse("payments_admin:payment", args=[stripe_payment.pk]))
    assert "Up to £60.00 can be refunded" in page.text

    response = commissioner_client.post(
        refund_url(stripe_payment), {"amount": "£12.50", "reason": "Two visits missed", "token": "form1"}, follow=True
    )

    assert response.status_code == 200
    assert "£12.50 refunded to the card" in response.text
    assert "Two visits missed" in response.text
    stripe_payment.refresh_from_db()
    assert (stripe_payment.status, stripe_payment.refunded_pence) == (Payment.Status.PARTIALLY_REFUNDED, 1250)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("60.01", "no more than the £60.00 that can still be refunded"),
        ("0", "Enter an amount more than £0"),
        ("twelve", "Enter the amount in pounds and pence, like 45.50"),
        ("", "Enter the amount"),
        ("-3", "Enter an amount more than £0"),
        ("1.234", "Enter the amount in pounds and pence, like 45.50"),
    ],
)
def test_bad_amounts_are_answered_with_an_error_summary_keeping_what_was_typed(
    stripe_payment: Payment, commissioner_client: Client, typed: str, message: str
) -> None:
    response = commissioner_client.post(
        refund_url(stripe_payment), {"amount": typed, "reason": "Kept reason", "token": "bad1"}
    )

    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert message in response.text
    assert "Kept reason" in response.text
    assert f'value="{typed}"' in response.text or typed == ""
    stripe_payment.refresh_from_db()
    assert stripe_payment.refunded_pence == 0
    assert not Refund.objects.exists()


def test_a_missing_reason_is_an_error_too(stripe_payment: Payment, commissioner_client: Client) -> None:
    response = commissioner_client.post(refund_url(stripe_payment), {"amount": "5", "reason": "", "token": "t"})

    assert response.status_code == 400
    assert "Give the reason for the refund" in response.text


def test_when_stripe_is_unreachable_the_page_says_so_and_nothing_changes(
    stripe_payment: Payment, commissioner_client: Client, settings: Any
) -> None:
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    response = commissioner_client.post(refund_url(stripe_payment), {"amount": "5", "reason": "x", "token": "down"})

    assert response.status_code == 400
    assert "We could not reach our payment provider, Stripe. Nothing has changed." in response.text
    stripe_payment.refresh_from_db()
    assert stripe_payment.refunded_pence == 0
    assert not Refund.objects.exists()


def test_a_refunded_payment_shows_no_form_and_a_get_of_the_action_goes_back(
    stripe_payment: Payment, commissioner_client: Client
) -> None:
    Payment.objects.filter(pk=stripe_payment.pk).update(status=Payment.Status.REFUNDED)

    page = commissioner_client.get(reverse("payments_admin:payment", args=[stripe_payment.pk]))
    action = commissioner_client.get(refund_url(stripe_payment))

    assert "Refund this payment" not in page.text
    assert action.status_code == 302
    assert commissioner_client.get(reverse("payments_admin:payment", args=[999_999])).status_code == 404


# --- Totals, filters, exports and fixed queries -------------------------------------------------


def test_the_totals_are_the_sums_of_the_rows_listed_and_filters_choose_the_rows(commissioner_client: Client) -> None:
    account = account_row("Ash Support")
    paid = [
        payment_row(account, amount=amount, refunded_pence=refunded) for amount, refunded in ((5000, 0), (2500, 500))
    ]
    payment_row(account, amount=9999, status="failed")
    disputed = payment_row(account, amount=4000, status="disputed")
    Dispute.objects.create(
        payment=disputed, stripe_dispute_id="dp_t", amount_pence=4000, status="needs_response",
        payment_status_before="succeeded", opened_at=WHEN, updated_at=WHEN,
    )  # fmt: skip

    everything = commissioner_client.get(reverse("payments_admin:index"))
    failed = commissioner_client.get(reverse("payments_admin:index"), {"problem": "failed"})
    only_disputed = commissioner_client.get(reverse("payments_admin:index"), {"problem": "disputed"})

    charged = [*paid, disputed]
    assert 'data-total="count">4<' in everything.text
    assert f'data-total="amount">£{sum(p.amount_pence for p in charged) / 100:,.2f}<' in everything.text
    assert f'data-total="fees">£{sum(p.application_fee_pence for p in charged) / 100:,.2f}<' in everything.text
    assert 'data-total="refunded">£5.00<' in everything.text
    assert 'data-total="count">1<' in failed.text
    assert "99.99" in failed.text
    assert 'data-total="amount">£40.00<' in only_disputed.text


def test_the_csv_export_has_every_row_and_its_amounts_add_up_to_the_totals(commissioner_client: Client) -> None:
    rows = many_rows(3)

    response = commissioner_client.get(reverse("payments_admin:index"), {"export": "csv"})

    lines = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(lines) == 3
    assert sum(int(float(line["Amount (£)"]) * 100) for line in lines) == sum(p.amount_pence for p in rows)
    assert {line["Provider"] for line in lines} == {rows[0].provider.name}
    xlsx = commissioner_client.get(reverse("payments_admin:index"), {"export": "xlsx"})
    assert xlsx.status_code == 200
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"


def test_the_totals_by_provider_match_the_payments_and_payouts_of_the_period(commissioner_client: Client) -> None:
    rows = many_rows(3)
    payment_row(rows[0].payment_account, amount=777, created_at=WHEN - timedelta(days=40))  # before the period

    response = commissioner_client.get(
        reverse("payments_admin:providers"), {"start": "2026-03-01", "end": "2026-03-31", "export": "csv"}
    )

    (line,) = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert line["Provider"] == rows[0].provider.name
    assert line["Payments"] == "3"
    assert line["Paid (£)"] == f"{sum(p.amount_pence for p in rows) / 100:.2f}"
    assert line["Council fees (£)"] == f"{sum(p.application_fee_pence for p in rows) / 100:.2f}"
    assert line["Paid out (£)"] == "15.00"
    assert line["Disputed"] == "0"


def test_an_end_before_the_start_is_an_error_on_the_page(commissioner_client: Client) -> None:
    response = commissioner_client.get(
        reverse("payments_admin:providers"), {"start": "2026-03-31", "end": "2026-03-01"}
    )

    assert response.status_code == 200
    assert "The end date must be on or after the start date" in response.text


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("index", {}), ("payouts", {}), ("providers", {"start": "2026-03-01", "end": "2026-03-31"}), ("reports", {})],
)
def test_the_listings_run_a_fixed_number_of_queries(
    commissioner_client: Client, name: str, kwargs: dict[str, str]
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert commissioner_client.get(reverse(f"payments_admin:{name}"), kwargs).status_code == 200
        return len(captured)

    many_rows(2)
    ReconciliationReport.objects.create(
        day=date(2026, 3, 31), period_start=date(2026, 3, 30), period_end=date(2026, 3, 30), created_at=WHEN
    )
    small = queries()
    many_rows(12)
    for day in range(12):
        ReconciliationReport.objects.create(
            day=date(2026, 4, 1) + timedelta(days=day), period_start=date(2026, 3, 31), period_end=date(2026, 3, 31),
            created_at=WHEN,
        )  # fmt: skip

    assert queries() == small


def test_the_payment_page_runs_a_fixed_number_of_queries(commissioner_client: Client) -> None:
    def queries(payment: Payment) -> int:
        with CaptureQueriesContext(connection) as captured:
            commissioner_client.get(reverse("payments_admin:payment", args=[payment.pk]))
        return len(captured)

    (one,) = many_rows(1)
    small = queries(one)
    (other,) = many_rows(1)
    for number in range(8):
        Refund.objects.create(
            payment=other, amount_pence=1, reason="r", status="succeeded", stripe_refund_id=f"re_many{number}",
            created_at=WHEN, updated_at=WHEN,
        )  # fmt: skip

    assert queries(other) == small


def test_a_reconciliation_report_shows_each_difference(commissioner_client: Client) -> None:
    payment = payment_row(account_row("Elm Care"))
    report = ReconciliationReport.objects.create(
        day=date(2026, 3, 11), period_start=date(2026, 3, 10), period_end=date(2026, 3, 10), created_at=WHEN,
        difference_count=1,
        differences=[{"kind": "amount", "object": "ch_x", "payment": payment.pk, "provider": "Elm Care", "ours": 1,
                      "stripe": 2, "detail": "Amount charged"}],
    )  # fmt: skip

    response = commissioner_client.get(reverse("payments_admin:report", args=[report.pk]))

    assert "1 difference." in response.text
    assert "Amount charged" in response.text
    assert reverse("payments_admin:payment", args=[payment.pk]) in response.text


# --- The county spending report ----------------------------------------------------------------


def test_the_county_spending_report_counts_online_payments_as_a_route_less_their_refunds(
    stripe_payment: Payment, commissioner_client: Client
) -> None:
    from marketplace.payments.refunds import payment_refund

    payment_refund(
        payment=stripe_payment, amount_pence=1000, reason="Back", by=CommissionerFactory(), token="c",
        now=datetime(2026, 3, 12, 12, tzinfo=UTC),
    )  # fmt: skip

    rows = {
        row.category: row for row in county_spending(start=date(2026, 3, 1), end=date(2026, 3, 31), dimension="route")
    }

    assert rows["Paid online"].total_pence == 6000 - 1000
    assert rows["Paid online"].own_money_pence == 1000 - 167
    assert sum(row.total_pence for row in rows.values()) == ledger_spending_total(
        start=date(2026, 3, 1), end=date(2026, 3, 31)
    )
    page = commissioner_client.get(
        reverse("insights:direct_payment_spending"), {"group_by": "route", "start": "2026-03-01", "end": "2026-03-31"}
    )
    assert page.status_code == 200
    assert "Paid online" in page.text


# --- What the holder and the provider see --------------------------------------------------------


def test_the_holders_money_page_and_both_sides_invoice_pages_show_the_money_back(
    stripe_payment: Payment, client: Client
) -> None:
    from marketplace.accounts.services import account_email_mark_verified
    from marketplace.payments.refunds import payment_refund

    payment_refund(payment=stripe_payment, amount_pence=1250, reason="Missed", by=CommissionerFactory(), token="h")
    invoice = stripe_payment.items.get().invoice
    holder_user = stripe_payment.holder.user
    account_email_mark_verified(user=holder_user)
    provider_user = ProviderMembershipFactory(provider=stripe_payment.provider).user
    account_email_mark_verified(user=provider_user)

    client.force_login(holder_user)
    money = client.get(reverse("budgets:money", args=[stripe_payment.holder.uuid]))
    statement = client.get(reverse("budgets:statement", args=[stripe_payment.holder.uuid]))
    as_holder = client.get(reverse("agreements:invoice", args=[invoice.uuid]))
    client.force_login(provider_user)
    as_provider = client.get(reverse("agreements:invoice", args=[invoice.uuid]))

    assert money.status_code == 200
    assert "Refund from Rowan Care" in money.text + statement.text
    for page in (as_holder, as_provider):
        assert page.status_code == 200
        assert "Refunded to the card: £12.50" in page.text
        assert "Paid" in page.text
