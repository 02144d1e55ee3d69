"""The commissioners' "Online payments" screens in the Wagtail admin.

Thin: listings are Wagtail report views (filters, CSV and XLSX export, the
project's background exports for large ones); the payment page shows its
refunds and disputes and posts the refund form to one service. Anyone without
`payments.view_payments` is refused (403) on every screen before anything is
looked up, as on every commissioner screen (decision 0043), so nothing about a
payment is revealed.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, cast

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.coreutils import multigetattr

from marketplace.core.commissioner_admin import AdminActionView, CommissionersOnlyMixin, commissioners_only

from . import commissioner_selectors as selectors
from .admin_forms import PaymentFilterSet, PayoutFilterSet, PeriodForm, RefundForm
from .errors import PaymentsError
from .models import Payment, ReconciliationReport
from .refunds import payment_refund, refundable_pence

VIEW_PERMISSION = "payments.view_payments"
REFUND_PERMISSION = "payments.refund_payments"


def pounds(pence: int | None) -> Decimal | None:
    """Pence as pounds to two places, for tables and spreadsheets."""
    if pence is None:
        return None
    return (Decimal(int(pence)) / 100).quantize(Decimal("0.01"))


def payment_url(payment: Payment) -> str:
    return reverse("payments_admin:payment", args=[payment.pk])


class CommissionersReportView(CommissionersOnlyMixin, ReportView):
    """A payments listing: commissioners only (403 for anyone else), with the section's links and totals."""

    commissioner_permission = VIEW_PERMISSION
    results_template_name = "payments/admin/report_results.html"
    header_icon = "pick"
    paginate_by = 50

    def get_filename(self) -> str:
        return f"{self.export_filename}-{timezone.localdate():%Y-%m-%d}"

    # Export fields that are not attributes of the row: computed from it.
    export_getters: dict[str, Callable[[Any], Any]] = {}

    def to_row_dict(self, item: Any) -> Any:
        row = {
            field: self.export_getters[field](item) if field in self.export_getters else multigetattr(item, field)
            for field in self.list_export
        }
        for key, value in row.items():
            if value is not None and not isinstance(value, str | int | float | Decimal | datetime.date):
                row[key] = str(value)
        return row

    def get_context_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(*args, **kwargs)
        context["csv_url"] = self.csv_export_url
        context["xlsx_url"] = self.xlsx_export_url
        return context


class PaymentListView(CommissionersReportView):
    """Every online payment, filterable by provider, status, problem and date; totals of the rows shown."""

    page_title = "Online payments"
    index_url_name = "payments_admin:index"
    index_results_url_name = "payments_admin:index_results"
    filterset_class = PaymentFilterSet
    export_filename = "online-payments"
    columns = [
        TitleColumn(
            "created_at",
            label="Made",
            get_url=payment_url,
            accessor=lambda payment: f"{timezone.localtime(payment.created_at):%-d %b %Y %H:%M}",
        ),
        Column("provider", label="Provider"),
        Column("holder", label="Paid by"),
        Column("amount", label="Amount (£)", accessor=lambda p: pounds(p.amount_pence)),
        Column("fee", label="Council fee (£)", accessor=lambda p: pounds(p.application_fee_pence)),
        Column("refunded", label="Refunded (£)", accessor=lambda p: pounds(p.refunded_pence)),
        Column("get_status_display", label="Status"),
    ]
    list_export = [
        "pk",
        "created_at",
        "succeeded_at",
        "provider.name",
        "holder",
        "amount",
        "application_fee",
        "refunded",
        "get_status_display",
        "stripe_payment_intent_id",
        "stripe_charge_id",
    ]
    export_headings = {
        "pk": "Payment",
        "created_at": "Made",
        "succeeded_at": "Paid",
        "provider.name": "Provider",
        "holder": "Paid by",
        "amount": "Amount (£)",
        "application_fee": "Council fee (£)",
        "refunded": "Refunded (£)",
        "get_status_display": "Status",
        "stripe_payment_intent_id": "Stripe payment intent",
        "stripe_charge_id": "Stripe charge",
    }
    export_getters = {
        "amount": lambda payment: pounds(payment.amount_pence),
        "application_fee": lambda payment: pounds(payment.application_fee_pence),
        "refunded": lambda payment: pounds(payment.refunded_pence),
    }

    def get_queryset(self) -> Any:
        return selectors.payments_for_admin()

    def get_context_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(*args, **kwargs)
        if not self.is_export:
            context["totals"] = selectors.payment_totals(self.filtered_payments)
        return context

    def filter_queryset(self, queryset: Any) -> Any:
        self.filtered_payments = super().filter_queryset(queryset)
        return self.filtered_payments


class PayoutListView(CommissionersReportView):
    page_title = "Payouts to providers"
    index_url_name = "payments_admin:payouts"
    index_results_url_name = "payments_admin:payouts_results"
    filterset_class = PayoutFilterSet
    export_filename = "payouts"
    columns = [
        DateColumn("stripe_created_at", label="Made"),
        Column("provider", label="Provider", accessor=lambda p: p.payment_account.provider.name),
        Column("amount", label="Amount (£)", accessor=lambda p: pounds(p.amount_pence)),
        Column("status", label="Status"),
        DateColumn("arrival_date", label="Arrives"),
    ]
    list_export = ["stripe_created_at", "provider", "amount", "status", "arrival_date", "stripe_payout_id"]
    export_headings = {
        "stripe_created_at": "Made",
        "provider": "Provider",
        "amount": "Amount (£)",
        "status": "Status",
        "arrival_date": "Arrives",
        "stripe_payout_id": "Stripe payout",
    }

    def get_queryset(self) -> Any:
        return selectors.payouts_for_admin()

    export_getters = {
        "provider": lambda payout: payout.payment_account.provider.name,
        "amount": lambda payout: pounds(payout.amount_pence),
    }


@dataclass(frozen=True)
class ProviderRow:
    provider: str
    payments: int
    paid: Decimal | None
    fees: Decimal | None
    refunded: Decimal | None
    net: Decimal | None
    payouts: Decimal | None
    failed: int
    disputed: int


class ProviderTotalsView(CommissionersReportView):
    """Payments, fees, refunds and payouts by provider for a period (this month by default)."""

    page_title = "Online payments by provider"
    index_url_name = "payments_admin:providers"
    index_results_url_name = "payments_admin:providers_results"
    export_filename = "online-payments-by-provider"
    paginate_by = 100
    columns = [
        Column("provider", label="Provider"),
        Column("payments", label="Payments"),
        Column("paid", label="Paid (£)"),
        Column("fees", label="Council fees (£)"),
        Column("refunded", label="Refunded (£)"),
        Column("net", label="Paid less fee and refunds (£)"),
        Column("payouts", label="Paid out (£)"),
        Column("failed", label="Failed"),
        Column("disputed", label="Disputed"),
    ]
    list_export = ["provider", "payments", "paid", "fees", "refunded", "net", "payouts", "failed", "disputed"]
    export_headings = {column.name: column.label for column in columns}

    @cached_property
    def form(self) -> PeriodForm:
        bound = any(name in self.request.GET for name in PeriodForm.base_fields)
        return PeriodForm(self.request.GET if bound else None)

    @cached_property
    def period(self) -> tuple[datetime.date, datetime.date]:
        return self.form.period(timezone.localdate())

    @cached_property
    def totals(self) -> list[selectors.ProviderTotals]:
        if self.form.is_bound and not self.form.is_valid():
            return []
        start, end = self.period
        return selectors.provider_totals(start=start, end=end)

    def get_queryset(self) -> Any:
        return [
            ProviderRow(
                provider=row.provider,
                payments=row.payments,
                paid=pounds(row.paid_pence),
                fees=pounds(row.fees_pence),
                refunded=pounds(row.refunded_pence),
                net=pounds(row.net_pence),
                payouts=pounds(row.payouts_pence),
                failed=row.failed,
                disputed=row.disputed,
            )
            for row in self.totals
        ]

    def filter_queryset(self, queryset: Any) -> Any:
        return queryset

    def order_queryset(self, queryset: Any) -> Any:
        return queryset

    def get_context_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(*args, **kwargs)
        start, end = self.period
        context["period_form"] = self.form
        context["period"] = (start, end)
        context["provider_totals"] = selectors.ProviderTotals(
            0,
            "All providers",
            sum(row.payments for row in self.totals),
            sum(row.paid_pence for row in self.totals),
            sum(row.fees_pence for row in self.totals),
            sum(row.refunded_pence for row in self.totals),
            sum(row.failed for row in self.totals),
            sum(row.disputed for row in self.totals),
            sum(row.payouts_pence for row in self.totals),
        )
        return context


class ReconciliationListView(CommissionersReportView):
    page_title = "Checks against Stripe"
    index_url_name = "payments_admin:reports"
    index_results_url_name = "payments_admin:reports_results"
    export_filename = "payment-reconciliation"
    columns = [
        TitleColumn(
            "day",
            label="Night of",
            get_url=lambda report: reverse("payments_admin:report", args=[report.pk]),
            accessor=lambda report: f"{report.day:%-d %B %Y}",
        ),
        Column("period_start", label="Payments of"),
        Column("our_payments", label="Our payments"),
        Column("stripe_charges", label="Stripe's charges"),
        Column("our_refunds", label="Our refunds"),
        Column("stripe_refunds", label="Stripe's refunds"),
        Column("difference_count", label="Differences"),
    ]
    list_export = [
        "day",
        "period_start",
        "our_payments",
        "our_payments_pence",
        "stripe_charges",
        "stripe_charges_pence",
        "our_refunds",
        "our_refunds_pence",
        "stripe_refunds",
        "stripe_refunds_pence",
        "difference_count",
    ]
    export_headings = {
        "day": "Night of",
        "period_start": "Payments of",
        "our_payments": "Our payments",
        "our_payments_pence": "Our payments (pence)",
        "stripe_charges": "Stripe's charges",
        "stripe_charges_pence": "Stripe's charges (pence)",
        "our_refunds": "Our refunds",
        "our_refunds_pence": "Our refunds (pence)",
        "stripe_refunds": "Stripe's refunds",
        "stripe_refunds_pence": "Stripe's refunds (pence)",
        "difference_count": "Differences",
    }

    def get_queryset(self) -> Any:
        return selectors.reconciliation_reports()


@commissioners_only(VIEW_PERMISSION)
def reconciliation_report(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        report = selectors.reconciliation_reports().get(pk=pk)
    except ReconciliationReport.DoesNotExist as error:
        raise Http404 from error
    return TemplateResponse(request, "payments/admin/reconciliation_report.html", {"report": report})


def _payment_page(request: HttpRequest, payment: Payment, form: RefundForm | None = None, status: int = 200) -> Any:
    refunds, disputes = selectors.payment_history(payment)
    remaining = refundable_pence(payment)
    may_refund = request.user.has_perm(REFUND_PERMISSION) and payment.status in (
        Payment.Status.SUCCEEDED,
        Payment.Status.PARTIALLY_REFUNDED,
    )
    context = {
        "payment": payment,
        "items": list(payment.items.select_related("invoice")),
        "refunds": refunds,
        "disputes": disputes,
        "remaining_pence": remaining,
        "may_refund": may_refund and remaining > 0,
        "form": form or RefundForm(),
    }
    return TemplateResponse(request, "payments/admin/payment.html", context, status=status)


def _payment_or_404(pk: int) -> Payment:
    try:
        return selectors.payment_for_admin(pk)
    except Payment.DoesNotExist as error:
        raise Http404 from error


@commissioners_only(VIEW_PERMISSION)
def payment_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _payment_page(request, _payment_or_404(pk))


class RefundView(AdminActionView):
    """Refund part or all of a payment; bad input or a refusal re-shows the page with what was typed."""

    commissioner_permission = REFUND_PERMISSION
    form_class = RefundForm

    def setup_after_permission_check(self) -> None:
        self.payment = _payment_or_404(self.kwargs["pk"])

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        try:
            return payment_refund(
                payment=self.payment,
                amount_pence=data["amount"],
                reason=data["reason"],
                by=self.commissioner,
                token=data["token"],
            )
        except PaymentsError as error:
            # A refusal about the amount belongs beside the amount; any other at the top of the form.
            field = "amount" if "amount" in error.message.lower() else None
            raise PaymentsError(error.message, field=field, is_unreachable=error.is_unreachable) from error

    def get_success_message(self, result: Any, form: forms.Form) -> str:
        return (
            f"£{result.amount_pence / 100:,.2f} refunded to the card. The provider's share has been taken back "
            "and the money returned to the person's funds."
        )

    def get_success_url(self, result: Any = None) -> str:
        return payment_url(self.payment)

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        if not form.is_bound:  # the form lives on the payment's page
            return redirect(self.get_success_url())
        return _payment_page(self.request, _payment_or_404(self.payment.pk), cast(RefundForm, form), status=status)
