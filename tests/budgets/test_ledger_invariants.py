"""Ledger invariants under any sequence of movements (hypothesis).

Every transaction balances; each balance equals the sum of the movements
made; nothing written is ever changed; replaying the same import or the same
scheduled payments changes nothing.
"""

from datetime import date, timedelta

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from marketplace.budgets import selectors, services
from marketplace.budgets.models import LedgerTransaction, Posting
from tests.factories import AgreementFactory, DirectPaymentHolderFactory, UserFactory

from .conftest import issue_invoice, moment

TODAY = date(2026, 3, 10)
NOW = moment(TODAY)

amounts = st.integers(min_value=1, max_value=500_000)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("spend"), st.sampled_from(["direct_payment", "own_money"]), amounts),
        st.tuples(
            st.just("adjust"),
            st.sampled_from(["direct_payment", "own_money"]),
            st.integers(-500_000, 500_000).filter(bool),
        ),
        st.tuples(st.just("invoice"), amounts, st.integers(min_value=0, max_value=100)),
        st.tuples(st.just("payroll"), st.integers(min_value=1, max_value=3), amounts),
        st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=50)),
        st.tuples(st.just("schedule"), st.integers(min_value=0, max_value=120)),
    ),
    max_size=12,
)


class LedgerInvariants(TestCase):
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(operations)
    def test_any_sequence_of_movements_keeps_the_ledger_true(self, steps):
        holder = DirectPaymentHolderFactory()
        commissioner = UserFactory()
        agreement = AgreementFactory(holder=holder)
        services.budget_set(
            holder=holder,
            starts_on=TODAY - timedelta(days=120),
            council_payment_pence=90_000,
            contribution_pence=5_000,
            own_money_pence=2_000,
            by=None,
            now=NOW,
        )
        expected = {"direct_payment": 0, "own_money": 0}
        written: dict[int, tuple] = {}

        def remember() -> None:
            for row in Posting.objects.values_list("pk", "transaction_id", "account_id", "amount_pence"):
                assert written.setdefault(row[0], row) == row, "a posting was changed in place"

        for step in steps:
            kind = step[0]
            if kind == "spend":
                services.spending_record(
                    holder=holder,
                    kind="payroll",
                    fund=step[1],
                    amount_pence=step[2],
                    occurred_on=TODAY,
                    description="Wages",
                    by=None,
                    now=NOW,
                )
                expected[step[1]] -= step[2]
            elif kind == "adjust":
                services.adjustment_record(
                    holder=holder,
                    fund=step[1],
                    amount_pence=step[2],
                    reason="Test",
                    occurred_on=TODAY,
                    by=commissioner,
                    now=NOW,
                )
                expected[step[1]] += step[2]
            elif kind == "invoice":
                own = step[1] * step[2] // 100
                invoice = issue_invoice(agreement, total=step[1], own=own)
                services.invoice_payment_record(
                    invoice=invoice, by=None, route="bank_transfer", reference="R", paid_on=TODAY, now=NOW
                )
                expected["direct_payment"] -= step[1] - own
                expected["own_money"] -= own
            elif kind == "payroll":
                rows = "".join(
                    f"2026-03-0{n},Sam,{step[2] / 100:.2f},REF-{n}-{step[2]}\n" for n in range(1, step[1] + 1)
                )
                content = ("date,employee,amount,reference\n" + rows).encode()
                first = services.payroll_import(holder=holder, csv_bytes=content, by=None, now=NOW)
                before = Posting.objects.count()
                again = services.payroll_import(holder=holder, csv_bytes=content, by=None, now=NOW)
                assert again.created == 0
                assert Posting.objects.count() == before
                expected["direct_payment"] -= first.created * step[2]
            elif kind == "reverse":
                candidates = list(
                    LedgerTransaction.objects.filter(holder=holder, reversed_by__isnull=True)
                    .exclude(kind="reversal")
                    .order_by("pk")
                )
                if candidates:
                    record = candidates[step[1] % len(candidates)]
                    for posting in record.postings.select_related("account"):
                        if posting.account.kind in expected:
                            expected[posting.account.kind] -= posting.amount_pence
                    services.transaction_reverse(record=record, by=commissioner, reason="Mistake", now=NOW)
            else:
                day = TODAY - timedelta(days=step[1])
                services.scheduled_payments_post(today=day, now=NOW)
                before = Posting.objects.count()
                assert services.scheduled_payments_post(today=day, now=NOW) == 0  # replay: nothing new
                assert Posting.objects.count() == before
            remember()

        # Whatever the scheduled payments added, count them from the ledger's own source keys.
        for record in LedgerTransaction.objects.filter(kind__in=["council_payment", "contribution", "own_money_in"]):
            for posting in record.postings.select_related("account"):
                if posting.account.kind in expected:
                    expected[posting.account.kind] += posting.amount_pence

        for record in LedgerTransaction.objects.all():
            assert record.postings.aggregate(total=Sum("amount_pence"))["total"] == 0
        balances = selectors.holder_balances(holder)
        assert (balances.direct_payment, balances.own_money) == (expected["direct_payment"], expected["own_money"])
        statement = selectors.holder_statement(holder, start=TODAY - timedelta(days=400), end=TODAY)
        assert statement.closing == balances


@pytest.mark.django_db
def test_scheduled_payments_replayed_on_every_day_of_a_year_post_each_payment_once(site):
    holder = DirectPaymentHolderFactory()
    start = date(2027, 12, 30)
    services.budget_set(holder=holder, starts_on=start, council_payment_pence=80_000, by=None, now=moment(start))
    for offset in range(0, 366, 5):
        services.scheduled_payments_post(today=start + timedelta(days=offset), now=moment(start))
    services.scheduled_payments_post(today=start + timedelta(days=365), now=moment(start))
    assert LedgerTransaction.objects.filter(kind="council_payment").count() == 14  # days 0, 28, ..., 364
    assert selectors.holder_balances(holder).direct_payment == 14 * 80_000
