"""Every write to the budget ledger and the employer duties.

The ledger is append-only: each function here adds one `LedgerTransaction`
with postings that sum to zero, and nothing changes a row once written (a
mistake is put right with `transaction_reverse`). Movements that come from
something else (a scheduled payment, a paid invoice, a payroll row) carry a
source key, unique per holder, so posting the same thing again does nothing.
"""

import csv
import hashlib
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.accounts.selectors import holder_email_addresses
from marketplace.agreements.models import Invoice
from marketplace.agreements.services import AgreementError, mark_invoice_paid
from marketplace.core.errors import DomainError
from marketplace.core.notifications import email_send
from marketplace.core.uploads import DetectedType, UploadError, check_upload

from .models import (
    Account,
    BudgetSettings,
    EmployerDuty,
    EmployerDutyEvidence,
    LedgerTransaction,
    PersonalBudget,
    Posting,
)

Kind = Account.Kind
MAX_AMOUNT_PENCE = 10_000_000  # £100,000: more than any one movement on a personal budget
FUND_ACCOUNTS = {
    "direct_payment": (Kind.DIRECT_PAYMENT, Kind.SPENT_DIRECT_PAYMENT),
    "own_money": (Kind.OWN_MONEY, Kind.SPENT_OWN_MONEY),
}
FUND_CHOICES = [("direct_payment", "The direct payment"), ("own_money", "Your own money")]


class BudgetError(DomainError):
    """Something the ledger rules do not allow; the message is for people."""


# --- Accounts and the one way to post ------------------------------------------------------------


def holder_accounts(*, holder: DirectPaymentHolder) -> dict[str, Account]:
    """The holder's six accounts, made the first time they are needed."""
    accounts = {account.kind: account for account in Account.objects.filter(holder=holder)}
    missing = [Account(holder=holder, kind=kind) for kind in Kind.values if kind not in accounts]
    if missing:
        Account.objects.bulk_create(missing, ignore_conflicts=True)
        accounts = {account.kind: account for account in Account.objects.filter(holder=holder)}
    return accounts


def _post(
    *,
    holder: DirectPaymentHolder,
    kind: str,
    occurred_on: date,
    description: str,
    movements: Iterable[tuple[str, int]],
    by: User | None,
    now: datetime,
    reference: str = "",
    reason: str = "",
    source_key: str = "",
    invoice: Invoice | None = None,
    reverses: LedgerTransaction | None = None,
) -> LedgerTransaction:
    """Write one balanced transaction. Zero movements are left out; the rest must sum to zero."""
    lines = [(account_kind, int(amount)) for account_kind, amount in movements if int(amount) != 0]
    if not lines:
        raise BudgetError("There is no amount to record.", field="amount")
    if sum(amount for _, amount in lines) != 0:
        raise ValueError(f"Postings must sum to zero: {lines}")
    accounts = holder_accounts(holder=holder)
    record = LedgerTransaction.objects.create(
        holder=holder,
        kind=kind,
        occurred_on=occurred_on,
        description=description[:200],
        reference=reference.strip()[:100],
        reason=reason.strip(),
        source_key=source_key,
        invoice=invoice,
        reverses=reverses,
        recorded_at=now,
        recorded_by=by,
    )
    Posting.objects.bulk_create(
        [
            Posting(transaction=record, account=accounts[account_kind], amount_pence=amount)
            for account_kind, amount in lines
        ]
    )
    return record


def _check_amount(amount_pence: int, *, allow_negative: bool = False) -> int:
    if not isinstance(amount_pence, int):
        raise BudgetError("Enter the amount in pounds and pence, like 45.50.", field="amount")
    if amount_pence == 0 or (amount_pence < 0 and not allow_negative):
        raise BudgetError("Enter an amount more than £0.", field="amount")
    if abs(amount_pence) > MAX_AMOUNT_PENCE:
        raise BudgetError("Enter an amount of £100,000 or less.", field="amount")
    return amount_pence


# --- The budget and its payments in --------------------------------------------------------------


@transaction.atomic
def budget_set(
    *,
    holder: DirectPaymentHolder,
    starts_on: date,
    council_payment_pence: int,
    contribution_pence: int = 0,
    own_money_pence: int = 0,
    by: User | None,
    now: datetime,
) -> PersonalBudget:
    """Give a holder a budget from a date (a later start replaces the earlier budget from that day)."""
    for value in (council_payment_pence, contribution_pence, own_money_pence):
        if value < 0 or value > MAX_AMOUNT_PENCE:
            raise BudgetError("Enter amounts between £0 and £100,000.")
    if PersonalBudget.objects.filter(holder=holder, starts_on=starts_on).exists():
        raise BudgetError("This person already has a budget from that date.", field="starts_on")
    holder_accounts(holder=holder)
    return PersonalBudget.objects.create(
        holder=holder,
        starts_on=starts_on,
        council_payment_pence=council_payment_pence,
        contribution_pence=contribution_pence,
        own_money_pence=own_money_pence,
        created_at=now,
        created_by=by,
    )


def _budget_periods(budgets: list[PersonalBudget]) -> list[tuple[PersonalBudget, date | None]]:
    """Each budget with the day before the next one starts (None for the newest)."""
    ordered = sorted(budgets, key=lambda budget: budget.starts_on)
    return [
        (budget, ordered[index + 1].starts_on - timedelta(days=1) if index + 1 < len(ordered) else None)
        for index, budget in enumerate(ordered)
    ]


def scheduled_movements(budget: PersonalBudget, day: date) -> list[tuple[str, str, str, list[tuple[Any, int]]]]:
    """(kind, description, source key, movements) for what a budget pays in on one payment day."""
    found: list[tuple[str, str, str, list[tuple[Any, int]]]] = []
    if budget.council_payment_pence:
        found.append(
            (
                LedgerTransaction.Kind.COUNCIL_PAYMENT,
                "Payment from the council",
                f"council:{budget.pk}:{day.isoformat()}",
                [(Kind.DIRECT_PAYMENT, budget.council_payment_pence), (Kind.COUNCIL, -budget.council_payment_pence)],
            )
        )
    if budget.contribution_pence:
        found.append(
            (
                LedgerTransaction.Kind.CONTRIBUTION,
                "Your assessed contribution",
                f"contribution:{budget.pk}:{day.isoformat()}",
                [(Kind.DIRECT_PAYMENT, budget.contribution_pence), (Kind.PERSON, -budget.contribution_pence)],
            )
        )
    if budget.own_money_pence:
        found.append(
            (
                LedgerTransaction.Kind.OWN_MONEY_IN,
                "Own money added for top-ups",
                f"own:{budget.pk}:{day.isoformat()}",
                [(Kind.OWN_MONEY, budget.own_money_pence), (Kind.PERSON, -budget.own_money_pence)],
            )
        )
    return found


@transaction.atomic
def scheduled_payments_post(
    *, today: date, now: datetime | None = None, holder: DirectPaymentHolder | None = None
) -> int:
    """Post every scheduled payment due on or before `today` that is not posted yet; returns how many.

    Run daily (and safe to run any number of times): each payment has a
    source key, so one already posted is skipped.
    """
    now = now or timezone.now()
    budgets = PersonalBudget.objects.select_related("holder").order_by("holder_id", "starts_on")
    if holder is not None:
        budgets = budgets.filter(holder=holder)
    by_holder: dict[int, list[PersonalBudget]] = {}
    for budget in budgets:
        by_holder.setdefault(budget.holder_id, []).append(budget)
    posted_keys = set(
        LedgerTransaction.objects.filter(
            holder_id__in=list(by_holder), kind__in=["council_payment", "contribution", "own_money_in"]
        )
        .exclude(source_key="")
        .values_list("holder_id", "source_key")
    )
    count = 0
    for holder_id, holder_budgets in by_holder.items():
        for budget, last_day in _budget_periods(holder_budgets):
            end = min(today, last_day) if last_day else today
            for day in budget.payment_dates(start=budget.starts_on, end=end):
                for kind, description, key, movements in scheduled_movements(budget, day):
                    if (holder_id, key) in posted_keys:
                        continue
                    _post(
                        holder=budget.holder,
                        kind=kind,
                        occurred_on=day,
                        description=description,
                        movements=movements,
                        by=None,
                        now=now,
                        source_key=key,
                    )
                    posted_keys.add((holder_id, key))
                    count += 1
    return count


# --- Paying out ----------------------------------------------------------------------------------


def _invoice_movements(invoice: Invoice) -> list[tuple[str, int]]:
    """The council's part from the direct payment, the top-up from own money: never the other way round."""
    return [
        (Kind.DIRECT_PAYMENT, -invoice.council_pence),
        (Kind.SPENT_DIRECT_PAYMENT, invoice.council_pence),
        (Kind.OWN_MONEY, -invoice.own_money_pence),
        (Kind.SPENT_OWN_MONEY, invoice.own_money_pence),
    ]


def _invoice_description(invoice: Invoice) -> str:
    return f"Invoice {invoice.number} from {invoice.provider.name}"[:200]


@transaction.atomic
def invoice_payment_record(
    *, invoice: Invoice, by: User | None, route: str, reference: str, paid_on: date, now: datetime
) -> LedgerTransaction:
    """Record that an invoice was paid by another route, and post it, in one transaction.

    The invoice is marked paid by the agreements service (which locks it, so a
    second submit of the same payment is refused and records nothing).
    """
    if paid_on > timezone.localdate(now):
        raise BudgetError("The payment date must be today or in the past.", field="paid_on")
    try:
        paid = mark_invoice_paid(invoice=invoice, by=by, route=route, reference=reference, paid_on=paid_on, now=now)
    except AgreementError as error:
        raise BudgetError(str(error), field=error.field) from error
    return _post(
        holder=paid.holder,
        kind=LedgerTransaction.Kind.INVOICE_PAYMENT,
        occurred_on=paid_on,
        description=_invoice_description(paid),
        movements=_invoice_movements(paid),
        by=by,
        now=now,
        reference=paid.paid_reference or paid.number,
        source_key=f"invoice:{paid.uuid}",
        invoice=paid,
    )


@transaction.atomic
def paid_invoices_post(*, now: datetime | None = None) -> int:
    """Post every paid invoice the ledger does not have yet (paid elsewhere, or in the demo); returns how many."""
    now = now or timezone.now()
    unposted = (
        Invoice.objects.filter(status=Invoice.Status.PAID, ledger_transaction__isnull=True)
        .select_related("holder", "provider")
        .order_by("paid_on", "pk")
    )
    count = 0
    for invoice in unposted:
        _post(
            holder=invoice.holder,
            kind=LedgerTransaction.Kind.INVOICE_PAYMENT,
            occurred_on=invoice.paid_on or timezone.localdate(invoice.paid_at or now),
            description=_invoice_description(invoice),
            movements=_invoice_movements(invoice),
            by=invoice.paid_by,
            now=now,
            reference=invoice.paid_reference or invoice.number,
            source_key=f"invoice:{invoice.uuid}",
            invoice=invoice,
        )
        count += 1
    return count


def refund_split(
    *, council_pence: int, own_money_pence: int, returned_before_pence: int, amount_pence: int
) -> tuple[int, int]:
    """(to the direct payment, to own money) for `amount_pence` more money back on invoices of these parts.

    The direct payment's share of everything returned so far is rounded down,
    and this refund's share is the difference between that share after it and
    before it: however a payment is refunded in parts, every penny goes back to
    one fund or the other, and a full refund returns exactly what each paid.
    """
    total = council_pence + own_money_pence
    if amount_pence <= 0 or returned_before_pence < 0 or returned_before_pence + amount_pence > total:
        raise BudgetError("The money back must be more than £0 and no more than was paid.", field="amount")
    after = returned_before_pence + amount_pence
    direct = after * council_pence // total - returned_before_pence * council_pence // total
    return direct, amount_pence - direct


@transaction.atomic
def money_back_record(
    *,
    holder: DirectPaymentHolder,
    council_pence: int,
    own_money_pence: int,
    returned_before_pence: int,
    amount_pence: int,
    description: str,
    reference: str,
    reason: str,
    source_key: str,
    occurred_on: date,
    by: User | None,
    now: datetime,
) -> LedgerTransaction:
    """Money back on paid invoices (a refund, a lost card dispute): returned from spending to each fund.

    In the proportion the invoices were paid from the direct payment and own
    money (`refund_split`). The source key (unique per holder) makes a second
    call for the same refund return the first transaction.
    """
    existing = LedgerTransaction.objects.filter(holder=holder, source_key=source_key).first()
    if existing is not None:
        return existing
    direct, own = refund_split(
        council_pence=council_pence,
        own_money_pence=own_money_pence,
        returned_before_pence=returned_before_pence,
        amount_pence=amount_pence,
    )
    return _post(
        holder=holder,
        kind=LedgerTransaction.Kind.REFUND,
        occurred_on=occurred_on,
        description=description,
        movements=[
            (Kind.DIRECT_PAYMENT, direct),
            (Kind.SPENT_DIRECT_PAYMENT, -direct),
            (Kind.OWN_MONEY, own),
            (Kind.SPENT_OWN_MONEY, -own),
        ],
        by=by,
        now=now,
        reference=reference,
        reason=reason,
        source_key=source_key,
    )


def _checked_upload(upload: Any, *, field: str) -> DetectedType:
    """The one upload check every stored file passes (by content, size, and the virus scan when configured)."""
    try:
        return check_upload(upload)
    except UploadError as error:
        raise BudgetError(str(error), field=field) from error


@transaction.atomic
def spending_record(
    *,
    holder: DirectPaymentHolder,
    kind: str,
    fund: str,
    amount_pence: int,
    occurred_on: date,
    description: str,
    reference: str = "",
    receipt: Any = None,
    by: User | None,
    now: datetime,
    source_key: str = "",
) -> LedgerTransaction:
    """Record spending paid outside the platform (with a receipt) or wages paid through a payroll service."""
    if kind not in (LedgerTransaction.Kind.OFF_PLATFORM, LedgerTransaction.Kind.PAYROLL):
        raise ValueError(f"Not a kind of spending: {kind}")
    if fund not in FUND_ACCOUNTS:
        raise BudgetError("Choose which money paid for it.", field="fund")
    _check_amount(amount_pence)
    if occurred_on > timezone.localdate(now):
        raise BudgetError("The date must be today or in the past.", field="occurred_on")
    if not description.strip():
        raise BudgetError("Say what the money was spent on.", field="description")
    detected = _checked_upload(receipt, field="receipt") if receipt is not None else None
    if kind == LedgerTransaction.Kind.OFF_PLATFORM and detected is None:
        raise BudgetError("Upload the receipt.", field="receipt")
    held, spent = FUND_ACCOUNTS[fund]
    record = _post(
        holder=holder,
        kind=kind,
        occurred_on=occurred_on,
        description=description.strip(),
        movements=[(held, -amount_pence), (spent, amount_pence)],
        by=by,
        now=now,
        reference=reference,
        source_key=source_key,
    )
    if detected is not None:
        record.receipt_name = os.path.basename(getattr(receipt, "name", "") or "receipt")[:200] or "receipt"
        record.receipt_content_type = detected.content_type
        # The stored name comes from receipt_path: random, saying nothing of the person.
        record.receipt.save(f"receipt.{detected.extension}", File(receipt), save=False)
        record.save(update_fields=["receipt", "receipt_name", "receipt_content_type"])
    return record


@dataclass
class ImportResult:
    created: int = 0
    already_imported: int = 0
    errors: list[str] = field(default_factory=list)


PAYROLL_COLUMNS = ("date", "employee", "amount", "reference")
MAX_IMPORT_ROWS = 2000


def parse_pounds(text: str) -> int:
    """'£1,234.50' or '1234.5' as pence; ValueError when it is not an amount."""
    cleaned = text.strip().replace("£", "").replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(text) from error
    if not value.is_finite() or value != value.quantize(Decimal("0.01")) or abs(value) > MAX_AMOUNT_PENCE:
        raise ValueError(text)
    return int(value * 100)


@transaction.atomic
def payroll_import(*, holder: DirectPaymentHolder, csv_bytes: bytes, by: User | None, now: datetime) -> ImportResult:
    """Record wages from a payroll service's CSV (date, employee, amount, reference), all rows or none.

    Each row's source key is its reference (or, without one, a digest of the
    row), so importing the same file again records nothing new.
    """
    result = ImportResult()
    try:
        text = csv_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BudgetError("The file must be a CSV saved as UTF-8 text.", field="file") from None
    reader = csv.DictReader(io.StringIO(text))
    headings = [name.strip().lower() for name in (reader.fieldnames or [])]
    if not set(PAYROLL_COLUMNS[:3]) <= set(headings):
        raise BudgetError("The first row must name the columns: date, employee, amount and reference.", field="file")
    reader.fieldnames = headings
    rows: list[tuple[date, str, int, str, str]] = []
    today = timezone.localdate(now)
    for line, row in enumerate(reader, start=2):
        if line > MAX_IMPORT_ROWS + 1:
            raise BudgetError(f"A file can have up to {MAX_IMPORT_ROWS} rows.", field="file")
        values = {name: (row.get(name) or "").strip() for name in PAYROLL_COLUMNS}
        if not any(values.values()):
            continue
        try:
            paid_on = date.fromisoformat(values["date"])
        except ValueError:
            result.errors.append(f"Row {line}: the date must be like 2026-03-31")
            continue
        if paid_on > today:
            result.errors.append(f"Row {line}: the date is in the future")
        try:
            amount = parse_pounds(values["amount"])
        except ValueError:
            result.errors.append(f"Row {line}: the amount must be in pounds, like 412.50")
            continue
        if amount <= 0:
            result.errors.append(f"Row {line}: the amount must be more than £0")
        if not values["employee"]:
            result.errors.append(f"Row {line}: name the employee")
        key_source = values["reference"] or "|".join(values[name] for name in PAYROLL_COLUMNS)
        key = "payroll:" + hashlib.sha256(key_source.encode()).hexdigest()[:40]
        rows.append((paid_on, values["employee"][:120], amount, values["reference"][:100], key))
    if result.errors:
        raise BudgetError("; ".join(result.errors[:10]), field="file")
    if not rows:
        raise BudgetError("The file has no wages in it.", field="file")
    existing = set(
        LedgerTransaction.objects.filter(holder=holder, source_key__in=[row[4] for row in rows]).values_list(
            "source_key", flat=True
        )
    )
    for paid_on, employee, amount, reference, key in rows:
        if key in existing:
            result.already_imported += 1
            continue
        spending_record(
            holder=holder,
            kind=LedgerTransaction.Kind.PAYROLL,
            fund="direct_payment",
            amount_pence=amount,
            occurred_on=paid_on,
            description=f"Wages for {employee}",
            reference=reference,
            by=by,
            now=now,
            source_key=key,
        )
        existing.add(key)
        result.created += 1
    return result


# --- Commissioners' adjustments and corrections ---------------------------------------------------


@transaction.atomic
def adjustment_record(
    *,
    holder: DirectPaymentHolder,
    fund: str,
    amount_pence: int,
    reason: str,
    occurred_on: date,
    by: User,
    now: datetime,
) -> LedgerTransaction:
    """A commissioner's adjustment with a reason: positive adds to the fund (from the council), negative takes back."""
    if fund not in FUND_ACCOUNTS:
        raise BudgetError("Choose which money to adjust.", field="fund")
    _check_amount(amount_pence, allow_negative=True)
    if not reason.strip():
        raise BudgetError("Give the reason for the adjustment.", field="reason")
    held, _spent = FUND_ACCOUNTS[fund]
    source = Kind.COUNCIL if fund == "direct_payment" else Kind.PERSON
    return _post(
        holder=holder,
        kind=LedgerTransaction.Kind.ADJUSTMENT,
        occurred_on=occurred_on,
        description="Adjustment by the council" if amount_pence > 0 else "Money taken back by the council",
        movements=[(held, amount_pence), (source, -amount_pence)],
        by=by,
        now=now,
        reason=reason,
    )


@transaction.atomic
def transaction_reverse(
    *, record: LedgerTransaction, by: User | None, reason: str, now: datetime
) -> LedgerTransaction:
    """Put a mistake right: a new transaction with every posting negated, pointing at the one it corrects."""
    locked = LedgerTransaction.objects.select_for_update().get(pk=record.pk)
    if locked.kind == LedgerTransaction.Kind.REVERSAL:
        raise BudgetError("A correction cannot itself be reversed; record the movement again instead.")
    if LedgerTransaction.objects.filter(reverses=locked).exists():
        raise BudgetError("This movement has already been corrected.")
    if not reason.strip():
        raise BudgetError("Give the reason for the correction.", field="reason")
    postings = list(locked.postings.select_related("account"))
    try:
        return _post(
            holder=locked.holder,
            kind=LedgerTransaction.Kind.REVERSAL,
            occurred_on=timezone.localdate(now),
            description=f"Correction of: {locked.description}",
            movements=[(posting.account.kind, -posting.amount_pence) for posting in postings],
            by=by,
            now=now,
            reason=reason,
            reverses=locked,
        )
    except IntegrityError as error:  # two corrections at once: the one-to-one keeps one
        raise BudgetError("This movement has already been corrected.") from error


# --- Employer duties -----------------------------------------------------------------------------


def holder_employs_a_personal_assistant(holder: DirectPaymentHolder) -> bool:
    return holder.agreements.filter(status="live", in_force__employment="employed").exists()


@transaction.atomic
def employer_duties_ensure(*, holder: DirectPaymentHolder, now: datetime) -> list[EmployerDuty]:
    """The holder's checklist, one row per duty, made the first time it is needed."""
    have = {duty.item for duty in EmployerDuty.objects.filter(holder=holder)}
    EmployerDuty.objects.bulk_create(
        [
            EmployerDuty(holder=holder, item=item, updated_at=now)
            for item in EmployerDuty.Item.values
            if item not in have
        ],
        ignore_conflicts=True,
    )
    return list(EmployerDuty.objects.filter(holder=holder).prefetch_related("evidence"))


@transaction.atomic
def employer_duty_update(
    *, duty: EmployerDuty, status: str, note: str, renews_on: date | None, by: User | None, now: datetime
) -> EmployerDuty:
    if status not in EmployerDuty.Status.values:
        raise BudgetError("Choose where this stands.", field="status")
    if duty.item == EmployerDuty.Item.INSURANCE and status == EmployerDuty.Status.DONE and renews_on is None:
        raise BudgetError("Enter the date the insurance must be renewed.", field="renews_on")
    duty.status = status
    duty.note = note.strip()[:500]
    if renews_on != duty.renews_on:
        duty.reminded_for = None
    duty.renews_on = renews_on
    duty.updated_at = now
    duty.updated_by = by
    duty.save(update_fields=["status", "note", "renews_on", "reminded_for", "updated_at", "updated_by"])
    return duty


MAX_DUTY_EVIDENCE = 10


@transaction.atomic
def employer_duty_evidence_add(
    *, duty: EmployerDuty, upload: Any, by: User | None, now: datetime
) -> EmployerDutyEvidence:
    if duty.evidence.count() >= MAX_DUTY_EVIDENCE:
        raise BudgetError(f"You can keep up to {MAX_DUTY_EVIDENCE} documents for each duty.", field="file")
    detected = _checked_upload(upload, field="file")
    evidence = EmployerDutyEvidence(
        duty=duty,
        original_name=os.path.basename(getattr(upload, "name", "") or "document")[:200] or "document",
        content_type=detected.content_type,
        uploaded_at=now,
        uploaded_by=by,
    )
    evidence.file.save(f"evidence.{detected.extension}", File(upload), save=False)
    evidence.save()
    return evidence


@transaction.atomic
def insurance_reminders_send(*, today: date) -> int:
    """Email the holder (and those with the money right) when employer's liability insurance is about to lapse.

    Once per renewal date: a new renewal date gets its own reminder. Returns how many duties were reminded.
    """
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).first()
    settings = BudgetSettings.for_site(site) if site else BudgetSettings()
    due = (
        EmployerDuty.objects.select_for_update(of=("self",))
        .filter(
            item=EmployerDuty.Item.INSURANCE,
            renews_on__isnull=False,
            renews_on__lte=today + timedelta(days=settings.insurance_reminder_days),
        )
        .filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=F("renews_on")))
        .select_related("holder", "holder__user")
    )
    count = 0
    for duty in due:
        lapsed = duty.renews_on is not None and duty.renews_on < today
        email_send(
            to=holder_email_addresses(duty.holder, right="may_see_money"),
            subject="Employer's liability insurance has lapsed"
            if lapsed
            else "Renew your employer's liability insurance",
            template="budgets_insurance_reminder",
            context={
                "duty": duty,
                "holder": duty.holder,
                "lapsed": lapsed,
                "advice_url": settings.employer_advice_url,
            },
        )
        duty.reminded_for = duty.renews_on
        duty.save(update_fields=["reminded_for"])
        count += 1
    return count


@dataclass(frozen=True)
class DailySummary:
    payments_posted: int
    invoices_posted: int
    insurance_reminders: int

    def __str__(self) -> str:
        return (
            f"{self.payments_posted} scheduled payments posted, {self.invoices_posted} paid invoices posted, "
            f"{self.insurance_reminders} insurance reminders"
        )


def budgets_daily(*, today: date | None = None, now: datetime | None = None) -> DailySummary:
    """The daily job: post scheduled payments due, post invoices paid elsewhere, remind about insurance. Idempotent."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    return DailySummary(
        payments_posted=scheduled_payments_post(today=today, now=now),
        invoices_posted=paid_invoices_post(now=now),
        insurance_reminders=insurance_reminders_send(today=today),
    )
