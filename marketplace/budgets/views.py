"""The holder's money pages at /your-support/money/<holder>/: balance, forecast, payments, statements, employer duties.

Thin: forms check input, services write, selectors read, rules decide who
may. Anyone who may not see a holder's money gets a 404, not a hint that it
exists; those who may see it but not manage it (commissioners) get a 403 on
the pages that change it.
"""

import csv
import time
from datetime import date, timedelta
from typing import Any, cast
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.agreements.models import Invoice
from marketplace.core.pdf import PdfDocument, pdf_response

from . import selectors, services
from .forms import (
    EmployerDutyForm,
    InvoicePaymentForm,
    PayrollEntryForm,
    PayrollImportForm,
    SpendingForm,
    StatementForm,
)
from .models import EmployerDuty, EmployerDutyEvidence, LedgerTransaction
from .templatetags.budgets_tags import format_pence, plain_pounds

FORECAST_WEEKS = 12
RECENT_WEEKS = 8


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _holder(request: HttpRequest, holder_uuid: UUID, *, manage: bool = False) -> DirectPaymentHolder:
    holder = DirectPaymentHolder.objects.select_related("user").filter(uuid=holder_uuid).first()
    if holder is None or not request.user.has_perm("accounts.view_holder_money", holder):
        raise Http404("No money to show at that address")
    if manage and not request.user.has_perm("budgets.manage_money", holder):
        raise PermissionDenied("Only the person and those with the money right may change this")
    return holder


def _service_error(form: forms.BaseForm, error: services.BudgetError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))


def _money_url(holder: DirectPaymentHolder) -> str:
    return reverse("budgets:money", kwargs={"holder_uuid": holder.uuid})


@login_required
def money(request: HttpRequest, holder_uuid: UUID) -> HttpResponse:
    holder = _holder(request, holder_uuid)
    today = timezone.localdate()
    settings = selectors.budget_settings()
    forecast = selectors.holder_forecast(holder, today=today, weeks=FORECAST_WEEKS, settings=settings)
    recent = selectors.holder_statement(holder, start=today - timedelta(weeks=RECENT_WEEKS), end=today)
    return TemplateResponse(
        request,
        "budgets/money.html",
        {
            "holder": holder,
            "forecast": forecast,
            "budget_settings": settings,
            "recent": list(reversed(recent.lines)),
            "invoices": selectors.payable_invoices(holder),
            "may_manage": request.user.has_perm("budgets.manage_money", holder),
            "employs": services.holder_employs_a_personal_assistant(holder),
            "statement_form": StatementForm(
                initial={"start": today - timedelta(weeks=52) + timedelta(days=1), "end": today}
            ),
            "is_self": holder.user_id == request.user.pk,
        },
    )


@login_required
def invoice_pay(request: HttpRequest, holder_uuid: UUID, invoice_uuid: UUID) -> HttpResponse:
    holder = _holder(request, holder_uuid, manage=True)
    invoice = Invoice.objects.select_related("provider").filter(uuid=invoice_uuid, holder=holder).first()
    if invoice is None:
        raise Http404("No invoice matches that address")
    if invoice.status != Invoice.Status.PAYABLE and request.method != "POST":
        messages.info(
            request, f"Invoice {invoice.number} is already recorded as {invoice.get_status_display().lower()}."
        )
        return redirect(_money_url(holder))
    form = InvoicePaymentForm(request.POST or None, initial={"paid_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.invoice_payment_record(
                invoice=invoice,
                by=_user(request),
                route=form.cleaned_data["route"],
                reference=form.cleaned_data["reference"],
                paid_on=form.cleaned_data["paid_on"],
                now=timezone.now(),
            )
        except services.BudgetError as error:
            if "already paid" in str(error):
                messages.info(request, str(error))
                return redirect(_money_url(holder))
            _service_error(form, error)
        else:
            messages.success(
                request, f"Payment of {format_pence(invoice.total_pence)} to {invoice.provider.name} recorded."
            )
            return redirect(_money_url(holder))
    return TemplateResponse(request, "budgets/invoice_pay.html", {"holder": holder, "invoice": invoice, "form": form})


@login_required
def spending_new(request: HttpRequest, holder_uuid: UUID) -> HttpResponse:
    holder = _holder(request, holder_uuid, manage=True)
    form = SpendingForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.spending_record(
                holder=holder,
                kind=LedgerTransaction.Kind.OFF_PLATFORM,
                fund=data["fund"],
                amount_pence=data["amount"],
                occurred_on=data["occurred_on"],
                description=data["description"],
                reference=data["reference"],
                receipt=data["receipt"],
                by=_user(request),
                now=timezone.now(),
            )
        except services.BudgetError as error:
            _service_error(form, error)
        else:
            messages.success(request, f"Spending of {format_pence(data['amount'])} recorded.")
            return redirect(_money_url(holder))
    return TemplateResponse(request, "budgets/spending_new.html", {"holder": holder, "form": form})


@login_required
def payroll_new(request: HttpRequest, holder_uuid: UUID) -> HttpResponse:
    holder = _holder(request, holder_uuid, manage=True)
    form = PayrollEntryForm(request.POST or None, prefix="wages")
    import_form = PayrollImportForm(prefix="import")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.spending_record(
                holder=holder,
                kind=LedgerTransaction.Kind.PAYROLL,
                fund="direct_payment",
                amount_pence=data["amount"],
                occurred_on=data["occurred_on"],
                description=f"Wages for {data['employee']}",
                reference=data["reference"],
                by=_user(request),
                now=timezone.now(),
            )
        except services.BudgetError as error:
            _service_error(form, error)
        else:
            messages.success(request, f"Wages of {format_pence(data['amount'])} recorded.")
            return redirect(_money_url(holder))
    return TemplateResponse(
        request, "budgets/payroll.html", {"holder": holder, "form": form, "import_form": import_form}
    )


@login_required
def payroll_import(request: HttpRequest, holder_uuid: UUID) -> HttpResponse:
    holder = _holder(request, holder_uuid, manage=True)
    if request.method != "POST":
        return redirect(reverse("budgets:payroll", kwargs={"holder_uuid": holder.uuid}))
    import_form = PayrollImportForm(request.POST, request.FILES, prefix="import")
    if import_form.is_valid():
        try:
            result = services.payroll_import(
                holder=holder, csv_bytes=import_form.cleaned_data["file"], by=_user(request), now=timezone.now()
            )
        except services.BudgetError as error:
            _service_error(import_form, error)
        else:
            skipped = f" {result.already_imported} were already in the ledger." if result.already_imported else ""
            messages.success(
                request, f"{result.created} payment{'s' if result.created != 1 else ''} of wages recorded.{skipped}"
            )
            return redirect(_money_url(holder))
    return TemplateResponse(
        request,
        "budgets/payroll.html",
        {"holder": holder, "form": PayrollEntryForm(prefix="wages"), "import_form": import_form},
    )


def statement_rows(statement: selectors.Statement) -> list[list[str]]:
    return [
        [
            line.occurred_on.isoformat(),
            line.kind,
            line.description,
            line.reference,
            plain_pounds(line.direct_payment) if line.direct_payment else "",
            plain_pounds(line.own_money) if line.own_money else "",
            plain_pounds(line.direct_payment_balance),
            plain_pounds(line.own_money_balance),
        ]
        for line in statement.lines
    ]


STATEMENT_HEADINGS = [
    "Date",
    "Kind",
    "Description",
    "Reference",
    "Direct payment (£)",
    "Own money (£)",
    "Direct payment balance (£)",
    "Own money balance (£)",
]


def _spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(value) else value


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def statement_csv(statement: selectors.Statement) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="statement-{statement.start}-to-{statement.end}.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(STATEMENT_HEADINGS)
    writer.writerow(
        [
            statement.start.isoformat(),
            "Opening balance",
            "",
            "",
            "",
            "",
            plain_pounds(statement.opening.direct_payment),
            plain_pounds(statement.opening.own_money),
        ]
    )
    for row in statement_rows(statement):
        writer.writerow([_spreadsheet_safe(cell) for cell in row])
    writer.writerow(
        [
            statement.end.isoformat(),
            "Closing balance",
            "",
            "",
            "",
            "",
            plain_pounds(statement.closing.direct_payment),
            plain_pounds(statement.closing.own_money),
        ]
    )
    return response


def _both(balances: selectors.Balances) -> str:
    return f"Direct payment {format_pence(balances.direct_payment)}, own money {format_pence(balances.own_money)}"


def statement_pdf_document(statement: selectors.Statement) -> PdfDocument:
    document = PdfDocument(
        title=f"Direct payment statement for {statement.holder.display_name}",
        subtitle=f"{statement.start:%-d %B %Y} to {statement.end:%-d %B %Y}",
        footer="Direct payment money is the council's payments and your contribution; own money pays top-ups.",
    )
    document.summary_list(
        [
            (
                "Opening balance",
                _both(statement.opening),
            ),
            (
                "Closing balance",
                _both(statement.closing),
            ),
            ("Money in", format_pence(statement.money_in)),
            ("Money out", format_pence(-statement.money_out)),
        ]
    )
    document.heading("Every movement")
    document.table(
        ["Date", "What", "Direct payment", "Own money", "Balance"],
        [
            [
                f"{line.occurred_on:%-d %b %Y}",
                f"{line.description}{' (' + line.reference + ')' if line.reference else ''}",
                format_pence(line.direct_payment) if line.direct_payment else "",
                format_pence(line.own_money) if line.own_money else "",
                format_pence(line.direct_payment_balance),
            ]
            for line in statement.lines
        ]
        or [["", "No movements in this period", "", "", ""]],
        align=["L", "L", "R", "R", "R"],
        widths=(16, 42, 14, 14, 14),
    )
    return document


@login_required
def statement(request: HttpRequest, holder_uuid: UUID) -> HttpResponse:
    holder = _holder(request, holder_uuid)
    form = StatementForm(request.GET if "start_day" in request.GET else None)
    built = None
    if form.is_bound and form.is_valid():
        built = selectors.holder_statement(holder, start=form.cleaned_data["start"], end=form.cleaned_data["end"])
        chosen = form.cleaned_data.get("format") or "html"
        if chosen == "csv":
            return statement_csv(built)
        if chosen == "pdf":
            return pdf_response(statement_pdf_document(built), filename=f"statement-{built.start}-to-{built.end}.pdf")
    return TemplateResponse(request, "budgets/statement.html", {"holder": holder, "form": form, "statement": built})


@login_required
def receipt(request: HttpRequest, holder_uuid: UUID, transaction_uuid: UUID) -> FileResponse:
    holder = _holder(request, holder_uuid)
    record = LedgerTransaction.objects.filter(holder=holder, uuid=transaction_uuid).exclude(receipt="").first()
    if record is None:
        raise Http404("No receipt matches that address")
    response = FileResponse(
        record.receipt.open("rb"),
        content_type=record.receipt_content_type,
        as_attachment=True,
        filename=record.receipt_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- Employer duties -----------------------------------------------------------------------------


@login_required
def employer_duties(request: HttpRequest, holder_uuid: UUID) -> HttpResponse:
    holder = _holder(request, holder_uuid)
    duties = services.employer_duties_ensure(holder=holder, now=timezone.now())
    settings = selectors.budget_settings()
    today = timezone.localdate()
    return TemplateResponse(
        request,
        "budgets/employer_duties.html",
        {
            "holder": holder,
            "duties": duties,
            "budget_settings": settings,
            "today": today,
            "reminder_from": today + timedelta(days=settings.insurance_reminder_days),
            "employs": services.holder_employs_a_personal_assistant(holder),
            "may_manage": request.user.has_perm("budgets.manage_money", holder),
            "done": sum(1 for duty in duties if duty.status == EmployerDuty.Status.DONE),
        },
    )


@login_required
def employer_duty_edit(request: HttpRequest, holder_uuid: UUID, duty_uuid: UUID) -> HttpResponse:
    holder = _holder(request, holder_uuid, manage=True)
    duty = EmployerDuty.objects.filter(holder=holder, uuid=duty_uuid).prefetch_related("evidence").first()
    if duty is None:
        raise Http404("No duty matches that address")
    initial: dict[str, Any] = {"status": duty.status, "note": duty.note, "renews_on": duty.renews_on}
    form = EmployerDutyForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        now = timezone.now()
        try:
            services.employer_duty_update(
                duty=duty,
                status=data["status"],
                note=data["note"],
                renews_on=data["renews_on"],
                by=_user(request),
                now=now,
            )
            if data.get("file"):
                services.employer_duty_evidence_add(duty=duty, upload=data["file"], by=_user(request), now=now)
        except services.BudgetError as error:
            _service_error(form, error)
        else:
            messages.success(request, f"{duty.get_item_display()}: saved.")
            return redirect(reverse("budgets:employer_duties", kwargs={"holder_uuid": holder.uuid}))
    return TemplateResponse(request, "budgets/employer_duty_edit.html", {"holder": holder, "duty": duty, "form": form})


@login_required
def employer_duty_evidence(request: HttpRequest, holder_uuid: UUID, evidence_id: int) -> FileResponse:
    holder = _holder(request, holder_uuid)
    evidence = (
        EmployerDutyEvidence.objects.filter(duty__holder=holder, pk=evidence_id).first()
        if 0 < evidence_id < 2**62
        else None
    )
    if evidence is None:
        raise Http404("No document matches that address")
    response = FileResponse(
        evidence.file.open("rb"),
        content_type=evidence.content_type,
        as_attachment=True,
        filename=evidence.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def statement_build_seconds(
    holder: DirectPaymentHolder, *, end: date, weeks: int = 52, repeat: int = 5
) -> dict[str, float]:
    """Median seconds to build a statement of `weeks` ending on `end`: the rows, the CSV, the PDF, and an empty PDF.

    The empty PDF (title only, no rows) is the fixed cost of the shared PDF builder (its fonts).
    """
    timings: dict[str, list[float]] = {"rows": [], "csv": [], "pdf": [], "empty pdf": []}
    for _ in range(repeat):
        started = time.perf_counter()
        built = selectors.holder_statement(holder, start=end - timedelta(weeks=weeks) + timedelta(days=1), end=end)
        timings["rows"].append(time.perf_counter() - started)
        started = time.perf_counter()
        statement_csv(built)
        timings["csv"].append(time.perf_counter() - started)
        started = time.perf_counter()
        statement_pdf_document(built).output()
        timings["pdf"].append(time.perf_counter() - started)
        started = time.perf_counter()
        PdfDocument(title="Empty").output()
        timings["empty pdf"].append(time.perf_counter() - started)
    return {name: sorted(values)[len(values) // 2] for name, values in timings.items()}
