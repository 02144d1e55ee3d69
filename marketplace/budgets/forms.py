"""Forms for the money pages: thin, they check what was typed and hand it to the services."""

from datetime import date
from typing import Any

from django import forms

from marketplace.agreements.models import Invoice
from marketplace.core.fields import DateInputField
from marketplace.core.uploads import accept_attribute

from .models import EmployerDuty
from .services import FUND_CHOICES, MAX_AMOUNT_PENCE, parse_pounds

MAX_CSV_BYTES = 1024 * 1024


class PoundsField(forms.CharField):
    """An amount typed in pounds ('45.50', '£1,200'), cleaned to integer pence."""

    def __init__(self, *, allow_negative: bool = False, **kwargs: Any) -> None:
        self.allow_negative = allow_negative
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("error_messages", {"required": "Enter the amount", "max_length": "Enter a smaller amount"})
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int:
        text = super().clean(value)
        try:
            pence = parse_pounds(text)
        except ValueError:
            raise forms.ValidationError("Enter the amount in pounds and pence, like 45.50") from None
        if pence == 0 or (pence < 0 and not self.allow_negative):
            raise forms.ValidationError("Enter an amount more than £0")
        if abs(pence) > MAX_AMOUNT_PENCE:
            raise forms.ValidationError("Enter an amount of £100,000 or less")
        return pence


class InvoicePaymentForm(forms.Form):
    """That an invoice was paid by another route, with the payment's reference."""

    ROUTES = [choice for choice in Invoice.Route.choices if choice[0] != Invoice.Route.ONLINE]

    route = forms.ChoiceField(
        label="How was it paid?",
        choices=ROUTES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how the invoice was paid",
            "invalid_choice": "Choose how the invoice was paid",
        },
    )
    reference = forms.CharField(
        label="Payment reference",
        max_length=100,
        help_text="From your bank statement or card account, so the payment can be found later",
        error_messages={
            "required": "Enter the payment reference",
            "max_length": "The reference must be 100 characters or fewer",
        },
    )
    paid_on = DateInputField(label="Date paid", name_in_errors="the date it was paid")


class SpendingForm(forms.Form):
    """Money spent outside the platform, with the receipt."""

    description = forms.CharField(
        label="What was it for?",
        max_length=200,
        error_messages={"required": "Say what the money was spent on", "max_length": "Use 200 characters or fewer"},
    )
    amount = PoundsField(label="Amount, in pounds")
    fund = forms.ChoiceField(
        label="Which money paid for it?",
        choices=FUND_CHOICES,
        widget=forms.RadioSelect,
        initial="direct_payment",
        error_messages={
            "required": "Choose which money paid for it",
            "invalid_choice": "Choose which money paid for it",
        },
    )
    occurred_on = DateInputField(label="Date paid", name_in_errors="the date it was paid")
    reference = forms.CharField(label="Reference (optional)", max_length=100, required=False)
    receipt = forms.FileField(
        label="Receipt",
        help_text="A PDF, JPG or PNG",
        error_messages={
            "required": "Upload the receipt",
            "invalid": "Upload the receipt",
            "empty": "The selected file is empty",
        },
    )
    accept = accept_attribute()


class PayrollEntryForm(forms.Form):
    """Wages paid through a payroll service, entered by hand."""

    employee = forms.CharField(
        label="Employee's name", max_length=120, error_messages={"required": "Enter the employee's name"}
    )
    amount = PoundsField(
        label="Amount paid, in pounds", help_text="What left the direct payment account for these wages"
    )
    occurred_on = DateInputField(label="Date paid", name_in_errors="the date it was paid")
    reference = forms.CharField(label="Payroll reference (optional)", max_length=100, required=False)


class PayrollImportForm(forms.Form):
    file = forms.FileField(
        label="Payroll CSV file",
        help_text="Columns: date (like 2026-03-31), employee, amount (in pounds) and reference",
        error_messages={
            "required": "Choose a CSV file",
            "invalid": "Choose a CSV file",
            "empty": "The selected file is empty",
        },
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError("The file must be smaller than 1MB")
        return bytes(upload.read())


class StatementForm(forms.Form):
    """The period a statement covers."""

    start = DateInputField(label="From", name_in_errors="the first day")
    end = DateInputField(label="To", name_in_errors="the last day")
    format = forms.ChoiceField(
        label="Format",
        choices=[("html", "Show it here"), ("csv", "CSV (for a spreadsheet)"), ("pdf", "PDF")],
        initial="html",
        widget=forms.RadioSelect,
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, date) and isinstance(end, date):
            if end < start:
                self.add_error("end", "The last day must be on or after the first day")
            elif (end - start).days > 3 * 366:
                self.add_error("end", "A statement can cover up to 3 years")
        return cleaned


class EmployerDutyForm(forms.Form):
    status = forms.ChoiceField(
        label="Where does this stand?",
        choices=EmployerDuty.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose where this stands", "invalid_choice": "Choose where this stands"},
    )
    note = forms.CharField(label="Notes (optional)", max_length=500, required=False, widget=forms.Textarea)
    renews_on = DateInputField(label="Renewal date", name_in_errors="the renewal date", required=False)
    file = forms.FileField(
        label="Evidence (optional)",
        help_text="A PDF, JPG or PNG, such as the certificate or the signed contract",
        required=False,
        error_messages={"invalid": "Choose a file", "empty": "The selected file is empty"},
    )
    accept = accept_attribute()


class AdjustmentForm(forms.Form):
    """A commissioner's adjustment to a holder's ledger, with the reason (Wagtail admin)."""

    fund = forms.ChoiceField(label="Which money", choices=FUND_CHOICES, initial="direct_payment")
    amount = PoundsField(
        label="Amount in pounds",
        allow_negative=True,
        help_text="Positive adds money; negative takes it back (like -250.00)",
    )
    occurred_on = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Enter the date", "invalid": "Enter a real date, like 2026-03-31"},
    )
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea,
        error_messages={"required": "Give the reason for the adjustment"},
    )


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label="Why is this being corrected?",
        max_length=2000,
        widget=forms.Textarea,
        error_messages={"required": "Give the reason for the correction"},
    )
