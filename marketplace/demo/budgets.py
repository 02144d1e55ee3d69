"""Personal budgets and a year of ledgers for the demo county.

Called from `builder.demo_county_build` after the agreements' demo, with the
planner's `today` and `now` (never the real clock). It gives:

- Margaret Hollis (dp-holder@demo.example; David, family@demo.example, has
  the money right) a budget of £1,300 every 4 weeks (£1,240 from the council
  and a £60 contribution) plus £40 of her own money for top-ups, a year of
  payments in, spending with receipts, and a balance that the forecast shows
  passing the surplus threshold, so the warning appears; her employer duties
  checklist with the insurance due for renewal;
- a sample of other holders a budget and a year of ledgers: most spend about
  what they get, a few are near or over the surplus threshold, and a couple
  run short;
- every paid invoice the agreements' demo made posted to the ledger (there
  may be none), and wages through a payroll service for holders who employ
  a personal assistant.

The scheduled payments carry the same source keys the daily job uses, so
running `budgets_daily` afterwards posts nothing twice. Rows are written in
bulk; every transaction's postings sum to zero, as the services write them.
"""

import io
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from PIL import Image

from marketplace.accounts.models import DirectPaymentHolder
from marketplace.agreements.models import Agreement, Invoice
from marketplace.budgets.models import (
    PAYMENT_CYCLE_DAYS,
    Account,
    EmployerDuty,
    EmployerDutyEvidence,
    LedgerTransaction,
    PersonalBudget,
    Posting,
)
from marketplace.budgets.services import paid_invoices_post, scheduled_movements
from marketplace.core.storage import private_storage

Kind = Account.Kind
DEMO_HOLDER_EMAIL = "dp-holder@demo.example"
SAMPLE_HOLDERS = 150
LEDGER_DAYS = 364
OTHER_SPENDING = (
    "Day centre session",
    "Swimming and gym sessions",
    "Taxi to the day centre",
    "Art class",
    "Gardening help",
    "Short break at a respite centre",
)


@dataclass
class PendingTransaction:
    record: LedgerTransaction
    movements: list[tuple[str, int]] = field(default_factory=list)


def budgets_demo_clear() -> None:
    """Remove every ledger, budget and employer duty (before holders and invoices are removed)."""
    Posting.objects.all().delete()
    LedgerTransaction.objects.filter(reverses__isnull=False).delete()
    LedgerTransaction.objects.all().delete()
    Account.objects.all().delete()
    PersonalBudget.objects.all().delete()
    EmployerDutyEvidence.objects.all().delete()
    EmployerDuty.objects.all().delete()


def _png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def build_budgets_demo(*, seed: int, today: date, now: datetime) -> dict[str, int]:
    rng = random.Random(seed + 1200)
    margaret = DirectPaymentHolder.objects.filter(user__email=DEMO_HOLDER_EMAIL).first()
    with_agreements = set(Agreement.objects.values_list("holder_id", flat=True))
    others = list(
        DirectPaymentHolder.objects.exclude(user__email=DEMO_HOLDER_EMAIL).order_by("pk").values_list("pk", flat=True)
    )
    sample = set(rng.sample(others, min(SAMPLE_HOLDERS, len(others)))) | with_agreements
    holders = list(
        DirectPaymentHolder.objects.filter(pk__in=sample | ({margaret.pk} if margaret else set())).order_by("pk")
    )
    start = today - timedelta(days=LEDGER_DAYS)

    # Budgets and accounts.
    budgets: dict[int, PersonalBudget] = {}
    spend_share: dict[int, float] = {}
    for holder in holders:
        if margaret and holder.pk == margaret.pk:
            council, contribution, own, share = 124_000, 6_000, 4_000, 0.86
        else:
            council = rng.choice([64_000, 86_000, 112_000, 148_000, 196_000, 260_000])
            contribution = rng.choice([0, 0, 0, 2_000, 4_500, 9_000])
            own = rng.choice([0, 0, 0, 0, 3_000, 6_000])
            share = rng.choices([0.99, 0.95, 0.82, 0.74, 1.08], weights=[50, 25, 10, 7, 4])[0]
        budgets[holder.pk] = PersonalBudget(
            holder=holder,
            starts_on=start + timedelta(days=rng.randint(0, PAYMENT_CYCLE_DAYS - 1)),
            council_payment_pence=council,
            contribution_pence=contribution,
            own_money_pence=own,
            created_at=now - timedelta(days=LEDGER_DAYS + 7),
        )
        spend_share[holder.pk] = share
    PersonalBudget.objects.bulk_create(budgets.values())
    Account.objects.bulk_create(
        [Account(holder=holder, kind=kind) for holder in holders for kind in Kind.values], ignore_conflicts=True
    )
    accounts = {(account.holder_id, account.kind): account for account in Account.objects.filter(holder__in=holders)}

    # Invoices the agreements' demo paid (there may be none yet), in the ledger first.
    invoices_posted = paid_invoices_post(now=now)
    invoiced: dict[tuple[int, int], int] = defaultdict(int)
    for holder_id, paid_on, council_pence in Invoice.objects.filter(status=Invoice.Status.PAID).values_list(
        "holder_id", "paid_on", "council_pence"
    ):
        budget = budgets.get(holder_id)
        if budget and paid_on and paid_on >= budget.starts_on:
            invoiced[(holder_id, (paid_on - budget.starts_on).days // PAYMENT_CYCLE_DAYS)] += council_pence
    # Wages through a payroll service, for employed personal assistants who are not paid by invoice:
    # one way of paying each person, never both.
    payroll_paid = Agreement.objects.filter(status="live", in_force__employment="employed", invoices__isnull=True)
    employers = set(payroll_paid.values_list("holder_id", flat=True))
    employees = dict(payroll_paid.order_by("pk").values_list("holder_id", "provider__name"))

    receipt_name = private_storage().save("budgets/receipts/demo-receipt.png", ContentFile(_png_bytes()))
    pending: list[PendingTransaction] = []

    def add(
        holder: DirectPaymentHolder,
        kind: str,
        day: date,
        description: str,
        movements: list[tuple[str, int]],
        **extra: Any,
    ) -> None:
        pending.append(
            PendingTransaction(
                LedgerTransaction(
                    holder=holder, kind=kind, occurred_on=day, description=description, recorded_at=now, **extra
                ),
                movements,
            )
        )

    for holder in holders:
        budget = budgets[holder.pk]
        for cycle, day in enumerate(budget.payment_dates(start=budget.starts_on, end=today)):
            for kind, description, key, movements in scheduled_movements(budget, day):
                add(holder, kind, day, description, movements, source_key=key)
            # Spending over the next 4 weeks (up to today): what invoices did not already spend.
            target = round(budget.budget_pence * spend_share[holder.pk]) - invoiced[(holder.pk, cycle)]
            if holder.pk in employers:
                for week in (6, 20):
                    paid_on = day + timedelta(days=week)
                    amount = max(target // 2, 0)
                    if paid_on <= today and amount:
                        add(
                            holder,
                            LedgerTransaction.Kind.PAYROLL,
                            paid_on,
                            f"Wages for {employees[holder.pk]}",
                            [(Kind.DIRECT_PAYMENT, -amount), (Kind.SPENT_DIRECT_PAYMENT, amount)],
                            reference=f"PAYROLL-{paid_on:%Y%m%d}",
                        )
                target -= 2 * max(target // 2, 0)
            pieces = rng.randint(2, 4)
            for piece in range(pieces):
                paid_on = day + timedelta(days=3 + piece * 7 + rng.randint(0, 3))
                amount = target // pieces
                if paid_on > today or amount <= 0:
                    continue
                add(
                    holder,
                    LedgerTransaction.Kind.OFF_PLATFORM,
                    paid_on,
                    rng.choice(OTHER_SPENDING),
                    [(Kind.DIRECT_PAYMENT, -amount), (Kind.SPENT_DIRECT_PAYMENT, amount)],
                    receipt=receipt_name,
                    receipt_name="receipt.png",
                    receipt_content_type="image/png",
                )
            if budget.own_money_pence and cycle % 2 == 0 and day + timedelta(days=10) <= today:
                extra = budget.own_money_pence * 3 // 2
                add(
                    holder,
                    LedgerTransaction.Kind.OFF_PLATFORM,
                    day + timedelta(days=10),
                    "Extra hours at the weekend",
                    [(Kind.OWN_MONEY, -extra), (Kind.SPENT_OWN_MONEY, extra)],
                    receipt=receipt_name,
                    receipt_name="receipt.png",
                    receipt_content_type="image/png",
                )

    created = LedgerTransaction.objects.bulk_create([item.record for item in pending], batch_size=500)
    postings = []
    for item, record in zip(pending, created, strict=True):
        assert sum(amount for _, amount in item.movements) == 0
        postings += [
            Posting(transaction=record, account=accounts[(record.holder_id, account_kind)], amount_pence=amount)
            for account_kind, amount in item.movements
            if amount
        ]
    Posting.objects.bulk_create(postings, batch_size=1000)

    duties = 0
    for holder in holders:
        if holder.pk not in employers and not (margaret and holder.pk == margaret.pk):
            continue
        status: dict[str, str] = {
            "insurance": "done",
            "paye": "done",
            "contract": "done",
            "right_to_work": "done",
            "dbs": "in_progress",
        }
        EmployerDuty.objects.bulk_create(
            [
                EmployerDuty(
                    holder=holder,
                    item=item,
                    status=status.get(item, "to_do"),
                    renews_on=today + timedelta(days=21) if item == EmployerDuty.Item.INSURANCE else None,
                    note="Policy with a specialist PA employer insurer" if item == EmployerDuty.Item.INSURANCE else "",
                    updated_at=now - timedelta(days=40),
                )
                for item in EmployerDuty.Item.values
            ]
        )
        duties += 1
    return {
        "holders": len(holders),
        "transactions": len(created),
        "invoices_posted": invoices_posted,
        "employer_checklists": duties,
    }
