"""Forms of the commissioners' payments screens: thin, they check what was typed and hand it to a service."""

import uuid
from datetime import date
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from wagtail.admin.filters import WagtailFilterSet

from marketplace.budgets.forms import PoundsField
from marketplace.providers.models import Provider

from .models import Payment, Payout
from .refunds import MAX_REASON_LENGTH


class RefundForm(forms.Form):
    amount = PoundsField(label="Amount to refund, in pounds", help_text="For example 12.50")
    reason = forms.CharField(
        label="Why the money is going back",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_REASON_LENGTH,
        error_messages={"required": "Give the reason for the refund"},
    )
    # A fresh token each time the form is shown: a double submit of one form is one refund at Stripe.
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4().hex)

    def clean_token(self) -> str:
        token = str(self.cleaned_data["token"])
        if not token.isalnum():
            raise forms.ValidationError("Show the form again and try once more")
        return token


PROBLEMS = [("failed", "Failed or expired"), ("disputed", "Disputed"), ("refunded", "Refunded in whole or part")]


class PaymentFilterSet(WagtailFilterSet):
    provider = django_filters.ModelChoiceFilter(
        queryset=Provider.objects.filter(payment_account__isnull=False).order_by("name"), label="Provider"
    )
    status = django_filters.ChoiceFilter(choices=Payment.Status.choices, label="Status")
    problem = django_filters.ChoiceFilter(choices=PROBLEMS, method="filter_problem", label="Only", empty_label="All")
    created_at = django_filters.DateFromToRangeFilter(label="Made between (dates)")

    class Meta:
        model = Payment
        fields = ["provider", "status", "problem", "created_at"]

    def filter_problem(self, queryset: QuerySet[Payment], name: str, value: Any) -> QuerySet[Payment]:
        if value == "failed":
            return queryset.filter(status__in=Payment.NOT_PAID_STATUSES)
        if value == "disputed":
            return queryset.filter(disputes__isnull=False).distinct()
        if value == "refunded":
            return queryset.filter(refunded_pence__gt=0)
        return queryset


class PayoutFilterSet(WagtailFilterSet):
    provider = django_filters.ModelChoiceFilter(
        field_name="payment_account__provider",
        queryset=Provider.objects.filter(payment_account__isnull=False).order_by("name"),
        label="Provider",
    )
    status = django_filters.ChoiceFilter(
        choices=[
            (value, value.replace("_", " ").capitalize())
            for value in ("pending", "in_transit", "paid", "failed", "canceled")
        ]
    )
    stripe_created_at = django_filters.DateFromToRangeFilter(label="Made between (dates)")

    class Meta:
        model = Payout
        fields = ["provider", "status", "stripe_created_at"]


class PeriodForm(forms.Form):
    """A period of days for the totals by provider; missing dates take the defaults."""

    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date must be on or after the start date")
        return data

    def period(self, today: date) -> tuple[date, date]:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end.replace(day=1)
        return start, end
