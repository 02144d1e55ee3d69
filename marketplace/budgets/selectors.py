"""Reads of the budget ledger: balances, commitments, the forecast and surplus, statements, county totals.

Each function runs a fixed number of queries whatever the number of rows.
Balances are always sums of postings; nothing here writes.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from wagtail.models import Site

from marketplace.accounts.models import DirectPaymentHolder
from marketplace.agreements.models import Agreement, Invoice
from marketplace.providers.models import Provider

from .models import HELD_KINDS, Account, BudgetSettings, LedgerTransaction, PersonalBudget, Posting
from .services import scheduled_movements

Kind = Account.Kind
SPENT_KINDS = (Kind.SPENT_DIRECT_PAYMENT, Kind.SPENT_OWN_MONEY)
COMMITMENT_WEEKS = 4


def budget_settings() -> BudgetSettings:
    site = Site.objects.filter(is_default_site=True).first()
    return BudgetSettings.for_site(site) if site else BudgetSettings()


@dataclass(frozen=True)
class Balances:
    direct_payment: int = 0
    own_money: int = 0

    @property
    def total(self) -> int:
        return self.direct_payment + self.own_money


def balances_for_holders(holder_ids: list[int] | None = None) -> dict[int, Balances]:
    """Each holder's balances (sums of postings to the two accounts they hold), in one query."""
    postings = Posting.objects.filter(account__kind__in=HELD_KINDS)
    if holder_ids is not None:
        postings = postings.filter(account__holder_id__in=holder_ids)
    sums: dict[int, dict[str, int]] = defaultdict(dict)
    for row in postings.values("account__holder_id", "account__kind").annotate(total=Sum("amount_pence")):
        sums[row["account__holder_id"]][row["account__kind"]] = int(row["total"] or 0)
    return {
        holder_id: Balances(by_kind.get(Kind.DIRECT_PAYMENT, 0), by_kind.get(Kind.OWN_MONEY, 0))
        for holder_id, by_kind in sums.items()
    }


def holder_balances(holder: DirectPaymentHolder) -> Balances:
    return balances_for_holders([holder.pk]).get(holder.pk, Balances())


def budget_on(budgets: list[PersonalBudget], day: date) -> PersonalBudget | None:
    """The budget in force on a day: the newest that has started."""
    started = [budget for budget in budgets if budget.starts_on <= day]
    return max(started, key=lambda budget: budget.starts_on) if started else None


def surplus_threshold_pence(budget: PersonalBudget | None, surplus_weeks: int) -> int | None:
    """The most the direct payment may hold before the council may take money back: N weeks of the budget."""
    if budget is None:
        return None
    return budget.budget_pence * surplus_weeks // 4


def round_pence(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Commitment:
    """What a live agreement costs a week under the version in force, split by who pays."""

    agreement_id: int
    provider_name: str
    starts_on: date
    ends_on: date | None
    weekly_council_pence: int
    weekly_own_pence: int
    unit: str
    units_per_week: Decimal
    rate_pence: int
    topup_pence: int

    @property
    def weekly_pence(self) -> int:
        return self.weekly_council_pence + self.weekly_own_pence

    def runs_in(self, start: date, end: date) -> bool:
        return self.starts_on <= end and (self.ends_on is None or self.ends_on >= start)


def holder_commitments(holder: DirectPaymentHolder) -> list[Commitment]:
    """Live agreements with the terms in force (one query)."""
    agreements = (
        Agreement.objects.filter(holder=holder, status=Agreement.Status.LIVE, in_force__isnull=False)
        .select_related("in_force", "provider")
        .order_by("pk")
    )
    found = []
    for agreement in agreements:
        version = agreement.in_force
        assert version is not None
        weekly = round_pence(version.units_per_week * version.rate_pence)
        own = min(weekly, round_pence(version.units_per_week * version.topup_pence))
        found.append(
            Commitment(
                agreement_id=agreement.pk,
                provider_name=agreement.provider.name,
                starts_on=version.start_on,
                ends_on=agreement.ended_on,
                weekly_council_pence=weekly - own,
                weekly_own_pence=own,
                unit=version.get_unit_display(),
                units_per_week=version.units_per_week,
                rate_pence=version.rate_pence,
                topup_pence=version.topup_pence,
            )
        )
    return found


@dataclass(frozen=True)
class ForecastWeek:
    number: int
    starts_on: date
    ends_on: date
    paid_in_direct_payment: int
    paid_in_own_money: int
    committed_council: int
    committed_own: int
    direct_payment: int  # balance at the end of the week
    own_money: int
    threshold: int | None

    @property
    def is_over_threshold(self) -> bool:
        return self.threshold is not None and self.direct_payment > self.threshold


@dataclass(frozen=True)
class Forecast:
    today: date
    balances: Balances
    budget: PersonalBudget | None
    surplus_weeks: int
    threshold: int | None
    committed_council: int  # the next 4 weeks
    committed_own: int
    commitments: list[Commitment]
    weeks: list[ForecastWeek] = field(default_factory=list)

    @property
    def committed_total(self) -> int:
        return self.committed_council + self.committed_own

    @property
    def is_over_threshold_now(self) -> bool:
        return self.threshold is not None and self.balances.direct_payment > self.threshold

    @property
    def first_week_over(self) -> ForecastWeek | None:
        return next((week for week in self.weeks if week.is_over_threshold), None)

    @property
    def surplus_warning(self) -> bool:
        return self.is_over_threshold_now or self.first_week_over is not None

    @property
    def surplus_above_threshold(self) -> int:
        """How much above the threshold: now, or in the first week it will be."""
        if self.threshold is None:
            return 0
        if self.is_over_threshold_now:
            return self.balances.direct_payment - self.threshold
        week = self.first_week_over
        return week.direct_payment - (week.threshold or 0) if week else 0

    @property
    def first_week_short(self) -> ForecastWeek | None:
        """The first week the direct payment or own money would go below nothing."""
        return next((week for week in self.weeks if week.direct_payment < 0 or week.own_money < 0), None)


def holder_forecast(
    holder: DirectPaymentHolder, *, today: date, weeks: int = 12, settings: BudgetSettings | None = None
) -> Forecast:
    """Balance now, plus scheduled payments in, less what live agreements commit, week by week.

    Week 1 is today and the six days after. A scheduled payment counts from
    today if it is not posted yet. Five queries whatever the size of the ledger.
    """
    settings = settings or budget_settings()
    balances = holder_balances(holder)
    budgets = list(PersonalBudget.objects.filter(holder=holder).order_by("starts_on"))
    commitments = holder_commitments(holder)
    horizon = today + timedelta(days=7 * weeks - 1)
    posted = set(
        LedgerTransaction.objects.filter(holder=holder, occurred_on__gte=today)
        .exclude(source_key="")
        .values_list("source_key", flat=True)
    )
    incoming: dict[date, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for index, scheduled in enumerate(budgets):
        last = budgets[index + 1].starts_on - timedelta(days=1) if index + 1 < len(budgets) else horizon
        for day in scheduled.payment_dates(start=today, end=min(last, horizon)):
            for _kind, _description, key, movements in scheduled_movements(scheduled, day):
                if key in posted:
                    continue
                direct, own = incoming[day]
                for account_kind, amount in movements:
                    if account_kind == Kind.DIRECT_PAYMENT:
                        direct += amount
                    elif account_kind == Kind.OWN_MONEY:
                        own += amount
                incoming[day] = (direct, own)

    direct_balance, own_balance = balances.direct_payment, balances.own_money
    rows = []
    committed_council = committed_own = 0
    for number in range(1, weeks + 1):
        start = today + timedelta(days=7 * (number - 1))
        end = start + timedelta(days=6)
        paid_direct = sum(incoming[day][0] for day in list(incoming) if start <= day <= end)
        paid_own = sum(incoming[day][1] for day in list(incoming) if start <= day <= end)
        council = sum(item.weekly_council_pence for item in commitments if item.runs_in(start, end))
        own = sum(item.weekly_own_pence for item in commitments if item.runs_in(start, end))
        if number <= COMMITMENT_WEEKS:
            committed_council += council
            committed_own += own
        direct_balance += paid_direct - council
        own_balance += paid_own - own
        rows.append(
            ForecastWeek(
                number=number,
                starts_on=start,
                ends_on=end,
                paid_in_direct_payment=paid_direct,
                paid_in_own_money=paid_own,
                committed_council=council,
                committed_own=own,
                direct_payment=direct_balance,
                own_money=own_balance,
                threshold=surplus_threshold_pence(budget_on(budgets, end), settings.surplus_weeks),
            )
        )
    budget = budget_on(budgets, today)
    return Forecast(
        today=today,
        balances=balances,
        budget=budget,
        surplus_weeks=settings.surplus_weeks,
        threshold=surplus_threshold_pence(budget, settings.surplus_weeks),
        committed_council=committed_council,
        committed_own=committed_own,
        commitments=commitments,
        weeks=rows,
    )


def payable_invoices(holder: DirectPaymentHolder) -> list[Invoice]:
    return list(
        Invoice.objects.filter(holder=holder, status=Invoice.Status.PAYABLE)
        .select_related("provider")
        .order_by("due_on", "pk")
    )


# --- Statements ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    occurred_on: date
    kind: str
    description: str
    reference: str
    direct_payment: int
    own_money: int
    direct_payment_balance: int
    own_money_balance: int
    transaction_uuid: str
    has_receipt: bool
    is_corrected: bool


@dataclass(frozen=True)
class Statement:
    holder: DirectPaymentHolder
    start: date
    end: date
    opening: Balances
    closing: Balances
    lines: list[StatementLine]

    @property
    def money_in(self) -> int:
        return sum(max(line.direct_payment, 0) + max(line.own_money, 0) for line in self.lines)

    @property
    def money_out(self) -> int:
        return sum(min(line.direct_payment, 0) + min(line.own_money, 0) for line in self.lines)


def holder_statement(holder: DirectPaymentHolder, *, start: date, end: date) -> Statement:
    """Every movement of the two held accounts from `start` to `end`, with running balances (three queries)."""
    held = Posting.objects.filter(account__holder=holder, account__kind__in=HELD_KINDS)
    opening_rows = (
        held.filter(transaction__occurred_on__lt=start).values("account__kind").annotate(total=Sum("amount_pence"))
    )
    opening_by_kind = {row["account__kind"]: int(row["total"] or 0) for row in opening_rows}
    opening = Balances(opening_by_kind.get(Kind.DIRECT_PAYMENT, 0), opening_by_kind.get(Kind.OWN_MONEY, 0))
    rows = (
        held.filter(transaction__occurred_on__gte=start, transaction__occurred_on__lte=end)
        .order_by("transaction__occurred_on", "transaction_id", "pk")
        .values(
            "transaction_id",
            "transaction__uuid",
            "transaction__occurred_on",
            "transaction__kind",
            "transaction__description",
            "transaction__reference",
            "transaction__receipt",
            "account__kind",
            "amount_pence",
        )
    )
    corrected = set(
        LedgerTransaction.objects.filter(
            holder=holder, reverses__isnull=False, reverses__occurred_on__gte=start, reverses__occurred_on__lte=end
        ).values_list("reverses_id", flat=True)
    )
    labels = dict(LedgerTransaction.Kind.choices)
    grouped: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = grouped.setdefault(row["transaction_id"], {**row, "direct": 0, "own": 0})
        if row["account__kind"] == Kind.DIRECT_PAYMENT:
            entry["direct"] += row["amount_pence"]
        else:
            entry["own"] += row["amount_pence"]
    direct, own = opening.direct_payment, opening.own_money
    lines = []
    for transaction_id, entry in grouped.items():
        direct += entry["direct"]
        own += entry["own"]
        lines.append(
            StatementLine(
                occurred_on=entry["transaction__occurred_on"],
                kind=labels.get(entry["transaction__kind"], entry["transaction__kind"]),
                description=entry["transaction__description"],
                reference=entry["transaction__reference"],
                direct_payment=entry["direct"],
                own_money=entry["own"],
                direct_payment_balance=direct,
                own_money_balance=own,
                transaction_uuid=str(entry["transaction__uuid"]),
                has_receipt=bool(entry["transaction__receipt"]),
                is_corrected=transaction_id in corrected,
            )
        )
    return Statement(holder=holder, start=start, end=end, opening=opening, closing=Balances(direct, own), lines=lines)


# --- The county, for commissioners ---------------------------------------------------------------

NOT_AN_AGREEMENT = {
    LedgerTransaction.Kind.PAYROLL: "Wages through a payroll service",
    LedgerTransaction.Kind.OFF_PLATFORM: "Other spending with a receipt",
    LedgerTransaction.Kind.REFUND: "Money back on online payments",
}
DIMENSIONS = {
    "service": "Service",
    "provider_kind": "Kind of provider",
    "locality": "Locality",
    "route": "How it was paid",
}


@dataclass(frozen=True)
class SpendingRow:
    category: str
    direct_payment_pence: int
    own_money_pence: int
    movements: int

    @property
    def total_pence(self) -> int:
        return self.direct_payment_pence + self.own_money_pence


def county_spending(*, start: date, end: date, dimension: str) -> list[SpendingRow]:
    """Spending (postings to the two spent accounts of every holder) grouped by service, kind of provider,
    locality or route (how invoices were paid: card, bank transfer, online...). Money back on an online
    payment counts against spending (and, by route, against "Paid online").

    A correction counts against what it corrects. An agreement with several
    services counts under the first by name. Two queries.
    """
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in Posting.objects.filter(
            account__kind__in=SPENT_KINDS, transaction__occurred_on__gte=start, transaction__occurred_on__lte=end
        ).values(
            "amount_pence",
            "account__kind",
            "transaction__kind",
            "transaction__holder__locality__name",
            "transaction__invoice__provider__kind",
            "transaction__invoice__agreement_id",
            "transaction__invoice__paid_route",
            "transaction__reverses__kind",
            "transaction__reverses__invoice__paid_route",
            "transaction__reverses__invoice__provider__kind",
            "transaction__reverses__invoice__agreement_id",
        )
    ]
    service_of: dict[int, str] = {}
    if dimension == "service":
        agreement_ids = {
            row["transaction__invoice__agreement_id"] or row["transaction__reverses__invoice__agreement_id"]
            for row in rows
        } - {None}
        for agreement_id, name in (
            Agreement.objects.filter(pk__in=agreement_ids)
            .order_by("pk", "in_force__services__name")
            .values_list("pk", "in_force__services__name")
        ):
            if agreement_id not in service_of:
                service_of[agreement_id] = name or "No service named"
    kind_labels = dict(Provider.Kind.choices)
    route_labels = dict(Invoice.Route.choices)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        original = (
            "transaction__reverses__"
            if row["transaction__kind"] == LedgerTransaction.Kind.REVERSAL
            else "transaction__"
        )
        kind = row[f"{original}kind"]
        if dimension == "locality":
            category = row["transaction__holder__locality__name"] or "No locality recorded"
        elif dimension == "route" and kind == LedgerTransaction.Kind.REFUND:
            # Money back only ever comes on a payment made online: it lessens that route.
            category = route_labels[Invoice.Route.ONLINE]
        elif dimension == "route" and kind == LedgerTransaction.Kind.INVOICE_PAYMENT:
            category = route_labels.get(row[f"{original}invoice__paid_route"], "Route not recorded")
        elif kind != LedgerTransaction.Kind.INVOICE_PAYMENT:
            category = NOT_AN_AGREEMENT.get(kind, "Other")
        elif dimension == "service":
            category = service_of.get(row[f"{original}invoice__agreement_id"], "No service named")
        else:
            category = kind_labels.get(row[f"{original}invoice__provider__kind"], "Other")
        bucket = totals[category]
        bucket[0 if row["account__kind"] == Kind.SPENT_DIRECT_PAYMENT else 1] += row["amount_pence"]
        bucket[2] += 1
    return sorted(
        (SpendingRow(category, direct, own, count) for category, (direct, own, count) in totals.items()),
        key=lambda row: (-row.total_pence, row.category),
    )


def ledger_spending_total(*, start: date, end: date) -> int:
    """The sum of every posting to a spent account in the period: what the report's rows must add up to."""
    return int(
        Posting.objects.filter(
            account__kind__in=SPENT_KINDS, transaction__occurred_on__gte=start, transaction__occurred_on__lte=end
        ).aggregate(total=Sum("amount_pence"))["total"]
        or 0
    )


@dataclass(frozen=True)
class HolderMoney:
    holder_id: int
    holder_uuid: str
    name: str
    locality: str
    budget_pence: int | None
    balances: Balances
    threshold: int | None
    overdue_invoices: int

    @property
    def is_over_threshold(self) -> bool:
        return self.threshold is not None and self.balances.direct_payment > self.threshold

    @property
    def above_threshold_pence(self) -> int:
        return self.balances.direct_payment - self.threshold if self.is_over_threshold and self.threshold else 0

    @property
    def flags(self) -> list[str]:
        found = []
        if self.is_over_threshold:
            found.append("Above the surplus threshold")
        if self.balances.direct_payment < 0:
            found.append("Direct payment overdrawn")
        if self.balances.own_money < 0:
            found.append("Own money overdrawn")
        if self.overdue_invoices:
            found.append(f"{self.overdue_invoices} invoice{'s' if self.overdue_invoices != 1 else ''} overdue")
        return found


def county_holders(
    *, today: date, settings: BudgetSettings | None = None, only_over: bool = False
) -> list[HolderMoney]:
    """Every holder with a budget: balances, threshold and flags (four queries)."""
    settings = settings or budget_settings()
    budgets: dict[int, list[PersonalBudget]] = defaultdict(list)
    for each in PersonalBudget.objects.order_by("starts_on"):
        budgets[each.holder_id].append(each)
    holders = (
        DirectPaymentHolder.objects.filter(pk__in=list(budgets))
        .select_related("locality")
        .annotate(
            overdue=Count("invoices", filter=Q(invoices__status=Invoice.Status.PAYABLE, invoices__due_on__lt=today))
        )
        .order_by("display_name", "pk")
    )
    balances = balances_for_holders(list(budgets))
    found = []
    for holder in holders:
        budget = budget_on(budgets[holder.pk], today)
        found.append(
            HolderMoney(
                holder_id=holder.pk,
                holder_uuid=str(holder.uuid),
                name=holder.display_name,
                locality=holder.locality.name if holder.locality else "",
                budget_pence=budget.budget_pence if budget else None,
                balances=balances.get(holder.pk, Balances()),
                threshold=surplus_threshold_pence(budget, settings.surplus_weeks),
                overdue_invoices=holder.overdue,
            )
        )
    if only_over:
        found = [row for row in found if row.is_over_threshold]
    return found


@dataclass(frozen=True)
class RateRow:
    category: str
    agreements: int
    hours_per_week: Decimal
    average_rate_pence: int
    managed_rate_pence: int

    @property
    def difference_pence(self) -> int:
        return self.average_rate_pence - self.managed_rate_pence


def county_hourly_rates(*, settings: BudgetSettings | None = None) -> list[RateRow]:
    """Average hourly rates of live agreements (weighted by hours a week) by kind of provider, and the managed rate."""
    settings = settings or budget_settings()
    sums: dict[str, list[Any]] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for units, rate, kind in Agreement.objects.filter(status=Agreement.Status.LIVE, in_force__unit="hour").values_list(
        "in_force__units_per_week", "in_force__rate_pence", "provider__kind"
    ):
        bucket = sums[kind]
        bucket[0] += 1
        bucket[1] += units
        bucket[2] += units * rate
    labels = dict(Provider.Kind.choices)
    rows = [
        RateRow(
            category=labels.get(kind, kind),
            agreements=count,
            hours_per_week=hours,
            average_rate_pence=round_pence(weighted / hours) if hours else 0,
            managed_rate_pence=settings.managed_service_hourly_rate_pence,
        )
        for kind, (count, hours, weighted) in sums.items()
    ]
    return sorted(rows, key=lambda row: row.category)


def county_unspent() -> Balances:
    """Money held across every holder: the sum of every held account's postings."""
    rows = (
        Posting.objects.filter(account__kind__in=HELD_KINDS)
        .values("account__kind")
        .annotate(total=Sum("amount_pence"))
    )
    by_kind = {row["account__kind"]: int(row["total"] or 0) for row in rows}
    return Balances(by_kind.get(Kind.DIRECT_PAYMENT, 0), by_kind.get(Kind.OWN_MONEY, 0))
