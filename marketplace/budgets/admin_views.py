"""A holder's ledger in the Wagtail admin, for commissioners: statement, surplus, flags, adjustments, corrections.

The county's figures are reports in marketplace.insights (they draw charts);
this page is one holder's money.
"""

from datetime import timedelta
from typing import Any, cast
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.core.commissioner_admin import CommissionersOnlyMixin

from . import selectors, services
from .forms import AdjustmentForm, ReverseForm
from .models import LedgerTransaction
from .views import statement_csv

STATEMENT_WEEKS = 12
ADJUST_LEDGER = "budgets.adjust_ledger"


def _holder_or_404(holder_uuid: UUID) -> DirectPaymentHolder:
    holder = DirectPaymentHolder.objects.select_related("locality").filter(uuid=holder_uuid).first()
    if holder is None:
        raise Http404("No holder matches that address")
    return holder


class HolderLedgerView(CommissionersOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    commissioner_permission = ADJUST_LEDGER
    template_name = "budgets/admin/holder.html"
    header_icon = "table"

    def setup_after_permission_check(self) -> None:
        self.holder = _holder_or_404(self.kwargs["holder_uuid"])
        self.page_title = f"Direct payment ledger: {self.holder.display_name}"

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [
            {"url": reverse("wagtailadmin_home"), "label": "Home"},
            {"url": reverse("insights:direct_payment_holders"), "label": "Direct payment holders and surplus"},
            {"url": "", "label": self.holder.display_name},
        ]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("export") == "csv":
            today = timezone.localdate()
            return statement_csv(
                selectors.holder_statement(
                    self.holder, start=today - timedelta(weeks=52) + timedelta(days=1), end=today
                )
            )
        return self.render_to_response(
            self.get_context_data(form=AdjustmentForm(initial={"occurred_on": timezone.localdate()}))
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = AdjustmentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.adjustment_record(
                    holder=self.holder,
                    fund=data["fund"],
                    amount_pence=data["amount"],
                    reason=data["reason"],
                    occurred_on=data["occurred_on"],
                    by=cast(User, request.user),
                    now=timezone.now(),
                )
            except services.BudgetError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
            else:
                messages.success(request, "Adjustment recorded.")
                return redirect(request.path)
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        settings = selectors.budget_settings()
        statement = selectors.holder_statement(self.holder, start=today - timedelta(weeks=STATEMENT_WEEKS), end=today)
        context.update(
            holder=self.holder,
            forecast=selectors.holder_forecast(self.holder, today=today, weeks=12, settings=settings),
            settings=settings,
            statement=statement,
            lines=list(reversed(statement.lines)),
            reverse_form=ReverseForm(),
        )
        return context


class ReverseTransactionView(CommissionersOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    """Correct a movement with a reversing transaction (nothing is edited in place)."""

    commissioner_permission = ADJUST_LEDGER
    template_name = "budgets/admin/reverse.html"
    header_icon = "table"
    page_title = "Correct a movement"

    def setup_after_permission_check(self) -> None:
        self.holder = _holder_or_404(self.kwargs["holder_uuid"])
        record = LedgerTransaction.objects.filter(holder=self.holder, uuid=self.kwargs["transaction_uuid"]).first()
        if record is None:
            raise Http404("No movement matches that address")
        self.record = record

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=ReverseForm()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ReverseForm(request.POST)
        if form.is_valid():
            try:
                services.transaction_reverse(
                    record=self.record,
                    by=cast(User, request.user),
                    reason=form.cleaned_data["reason"],
                    now=timezone.now(),
                )
            except services.BudgetError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
            else:
                messages.success(request, "Correction recorded.")
                return redirect(reverse("budgets_admin:holder", kwargs={"holder_uuid": self.holder.uuid}))
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            holder=self.holder, record=self.record, postings=list(self.record.postings.select_related("account"))
        )
        return context
