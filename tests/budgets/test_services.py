"""The ledger's services: payments in, invoices paid, spending, payroll, adjustments and corrections."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum

from marketplace.agreements.models import Invoice
from marketplace.budgets import selectors, services
from marketplace.budgets.models import Account, LedgerTransaction, Posting

from .conftest import NOW, TODAY, issue_invoice, moment, png_upload

pytestmark = pytest.mark.django_db


def test_scheduled_payments_are_posted_every_4_weeks_up_to_today_and_only_once(holder, budget):
    posted = services.scheduled_payments_post(today=TODAY, now=NOW)
    # 6 Jan, 3 Feb, 3 Mar: three payment days, each with the council payment, contribution and own money.
    assert posted == 9
    assert services.scheduled_payments_post(today=TODAY, now=NOW) == 0
    days = sorted(set(LedgerTransaction.objects.filter(kind="council_payment").values_list("occurred_on", flat=True)))
    assert days == [date(2026, 1, 6), date(2026, 2, 3), date(2026, 3, 3)]
    assert selectors.holder_balances(holder) == selectors.Balances(3 * 110_000, 3 * 4_000)


def test_a_later_budget_replaces_the_earlier_from_its_start(holder, budget):
    services.budget_set(holder=holder, starts_on=date(2026, 2, 17), council_payment_pence=50_000, by=None, now=NOW)
    services.scheduled_payments_post(today=TODAY, now=NOW)
    council = LedgerTransaction.objects.filter(kind="council_payment").order_by("occurred_on")
    assert [(row.occurred_on, row.postings.get(account__kind="direct_payment").amount_pence) for row in council] == [
        (date(2026, 1, 6), 100_000),
        (date(2026, 2, 3), 100_000),
        (date(2026, 2, 17), 50_000),
    ]


def test_paying_an_invoice_takes_the_top_up_from_own_money_and_the_rest_from_the_direct_payment(
    holder, budget, agreement, family
):
    services.scheduled_payments_post(today=TODAY, now=NOW)
    before = selectors.holder_balances(holder)
    invoice = issue_invoice(agreement, total=6_000, own=400)
    record = services.invoice_payment_record(
        invoice=invoice, by=family, route="prepaid_card", reference="CARD-1", paid_on=TODAY, now=NOW
    )
    after = selectors.holder_balances(holder)
    assert after.direct_payment == before.direct_payment - 5_600
    assert after.own_money == before.own_money - 400
    spent = dict(record.postings.filter(amount_pence__gt=0).values_list("account__kind", "amount_pence"))
    assert spent == {"spent_direct_payment": 5_600, "spent_own_money": 400}
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_reference, invoice.paid_by) == ("paid", "CARD-1", family)


def test_recording_the_same_payment_twice_records_it_once(holder, budget, agreement, family):
    invoice = issue_invoice(agreement, total=6_000)
    services.invoice_payment_record(
        invoice=invoice, by=family, route="bank_transfer", reference="A", paid_on=TODAY, now=NOW
    )
    with pytest.raises(services.BudgetError, match="already paid"):
        services.invoice_payment_record(
            invoice=invoice, by=family, route="bank_transfer", reference="A", paid_on=TODAY, now=NOW
        )
    assert LedgerTransaction.objects.filter(kind="invoice_payment").count() == 1


def test_a_payment_date_in_the_future_is_refused(agreement, family):
    invoice = issue_invoice(agreement, total=6_000)
    with pytest.raises(services.BudgetError) as raised:
        services.invoice_payment_record(
            invoice=invoice,
            by=family,
            route="bank_transfer",
            reference="A",
            paid_on=TODAY + timedelta(days=1),
            now=NOW,
        )
    assert raised.value.field == "paid_on"
    assert Invoice.objects.get(pk=invoice.pk).status == "payable"


def test_paid_invoices_are_posted_by_the_sweep_once_and_it_works_when_there_are_none(holder, agreement):
    assert services.paid_invoices_post(now=NOW) == 0
    invoice = issue_invoice(agreement, total=3_000, own=200)
    Invoice.objects.filter(pk=invoice.pk).update(status="paid", paid_on=TODAY, paid_at=NOW, paid_route="bank_transfer")
    assert services.paid_invoices_post(now=NOW) == 1
    assert services.paid_invoices_post(now=NOW) == 0
    assert selectors.holder_balances(holder) == selectors.Balances(-2_800, -200)


def test_off_platform_spending_needs_a_real_receipt(holder, budget, family):
    with pytest.raises(services.BudgetError, match="Upload the receipt"):
        services.spending_record(
            holder=holder,
            kind="off_platform",
            fund="direct_payment",
            amount_pence=2_500,
            occurred_on=TODAY,
            description="Day centre",
            by=family,
            now=NOW,
        )
    fake = SimpleUploadedFile("receipt.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    with pytest.raises(services.BudgetError) as raised:
        services.spending_record(
            holder=holder,
            kind="off_platform",
            fund="direct_payment",
            amount_pence=2_500,
            occurred_on=TODAY,
            description="Day centre",
            receipt=fake,
            by=family,
            now=NOW,
        )
    assert raised.value.field == "receipt"
    record = services.spending_record(
        holder=holder,
        kind="off_platform",
        fund="own_money",
        amount_pence=2_500,
        occurred_on=TODAY,
        description="Day centre",
        receipt=png_upload(),
        by=family,
        now=NOW,
    )
    assert record.receipt.name.startswith("budgets/receipts/")
    assert "Margaret" not in record.receipt.name
    assert record.receipt_content_type == "image/png"
    assert selectors.holder_balances(holder).own_money == -2_500


PAYROLL_CSV = (
    b"date,employee,amount,reference\n"
    b"2026-02-27,Sam Patel,412.50,PAY-0227\n"
    b"2026-03-06,Sam Patel,\xc2\xa3398.00,PAY-0306\n"
)


def test_replaying_the_same_payroll_import_changes_nothing(holder, budget, family):
    first = services.payroll_import(holder=holder, csv_bytes=PAYROLL_CSV, by=family, now=NOW)
    assert (first.created, first.already_imported) == (2, 0)
    rows_before = list(Posting.objects.order_by("pk").values_list("pk", "amount_pence"))
    again = services.payroll_import(holder=holder, csv_bytes=PAYROLL_CSV, by=family, now=NOW)
    assert (again.created, again.already_imported) == (0, 2)
    assert list(Posting.objects.order_by("pk").values_list("pk", "amount_pence")) == rows_before
    assert selectors.holder_balances(holder).direct_payment == -(41_250 + 39_800)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,pay\nSam,1\n", "name the columns"),
        (b"date,employee,amount\n2026-02-31,Sam,10\n", "Row 2: the date"),
        (b"date,employee,amount\n2026-02-27,Sam,ten\n", "Row 2: the amount"),
        (b"date,employee,amount\n2026-02-27,Sam,10.001\n", "Row 2: the amount"),
        (b"date,employee,amount\n2027-02-27,Sam,10\n", "in the future"),
        (b"date,employee,amount\n", "no wages"),
        (b"\xff\xfe\x00", "UTF-8"),
    ],
)
def test_a_bad_payroll_file_records_nothing_and_says_why(holder, family, content, message):
    with pytest.raises(services.BudgetError, match=message):
        services.payroll_import(holder=holder, csv_bytes=content, by=family, now=NOW)
    assert not LedgerTransaction.objects.exists()


def test_a_commissioner_adjustment_needs_a_reason_and_balances(holder, budget, commissioner_user):
    with pytest.raises(services.BudgetError, match="reason"):
        services.adjustment_record(
            holder=holder,
            fund="direct_payment",
            amount_pence=-5_000,
            reason=" ",
            occurred_on=TODAY,
            by=commissioner_user,
            now=NOW,
        )
    record = services.adjustment_record(
        holder=holder,
        fund="direct_payment",
        amount_pence=-5_000,
        reason="Surplus recovered",
        occurred_on=TODAY,
        by=commissioner_user,
        now=NOW,
    )
    assert dict(record.postings.values_list("account__kind", "amount_pence")) == {
        "direct_payment": -5_000,
        "council": 5_000,
    }


def test_a_correction_reverses_every_posting_once_and_edits_nothing(
    holder, budget, agreement, family, commissioner_user
):
    invoice = issue_invoice(agreement, total=6_000, own=400)
    original = services.invoice_payment_record(
        invoice=invoice, by=family, route="bank_transfer", reference="A", paid_on=TODAY, now=NOW
    )
    snapshot = list(original.postings.values_list("account_id", "amount_pence"))
    correction = services.transaction_reverse(
        record=original, by=commissioner_user, reason="Paid twice by mistake", now=NOW
    )
    assert sorted(correction.postings.values_list("account_id", "amount_pence")) == sorted(
        (account, -amount) for account, amount in snapshot
    )
    assert list(original.postings.values_list("account_id", "amount_pence")) == snapshot
    assert selectors.holder_balances(holder) == selectors.Balances(0, 0)
    with pytest.raises(services.BudgetError, match="already been corrected"):
        services.transaction_reverse(record=original, by=commissioner_user, reason="Again", now=NOW)
    with pytest.raises(services.BudgetError, match="cannot itself be reversed"):
        services.transaction_reverse(record=correction, by=commissioner_user, reason="Undo", now=NOW)


def test_an_unbalanced_transaction_cannot_be_written(holder):
    with pytest.raises(ValueError, match="sum to zero"):
        services._post(
            holder=holder,
            kind="adjustment",
            occurred_on=TODAY,
            description="x",
            movements=[(Account.Kind.DIRECT_PAYMENT, 100), (Account.Kind.COUNCIL, -99)],
            by=None,
            now=NOW,
        )
    assert not LedgerTransaction.objects.exists()


def test_insurance_reminder_is_sent_once_per_renewal_date(holder, family, family_without_money, site):
    from marketplace.budgets.models import EmployerDuty
    from marketplace.core.models import OutboxEmail

    duties = services.employer_duties_ensure(holder=holder, now=NOW)
    insurance = next(duty for duty in duties if duty.item == "insurance")
    services.employer_duty_update(
        duty=insurance, status="done", note="", renews_on=TODAY + timedelta(days=45), by=family, now=NOW
    )
    assert services.insurance_reminders_send(today=TODAY) == 0
    assert services.insurance_reminders_send(today=TODAY + timedelta(days=16)) == 1
    assert services.insurance_reminders_send(today=TODAY + timedelta(days=17)) == 0
    assert set(OutboxEmail.objects.values_list("to", flat=True)) == {"margaret@example.org", "david@example.org"}
    services.employer_duty_update(
        duty=EmployerDuty.objects.get(pk=insurance.pk),
        status="done",
        note="",
        renews_on=TODAY + timedelta(days=400),
        by=family,
        now=NOW,
    )
    assert services.insurance_reminders_send(today=TODAY + timedelta(days=380)) == 1


def test_a_ledger_total_is_the_sum_of_movements(holder, budget):
    services.scheduled_payments_post(today=TODAY, now=NOW)
    total = Posting.objects.filter(
        account__holder=holder, account__kind__in=["direct_payment", "own_money"]
    ).aggregate(total=Sum("amount_pence"))["total"]
    assert selectors.holder_balances(holder).total == total
    assert moment(TODAY) == NOW
