"""Forms of the payments pages: thin, they check what was chosen and hand it to the services."""

from typing import Any

from django import forms


class PayInvoicesForm(forms.Form):
    """Which of the holder's invoices to pay online together (their uuids, from those offered)."""

    invoice = forms.MultipleChoiceField(
        label="Invoices to pay",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one invoice to pay",
            "invalid_choice": "Choose from the invoices listed: one you chose cannot be paid online now",
        },
    )

    def __init__(self, *args: Any, invoice_uuids: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invoice"].choices = [(value, value) for value in invoice_uuids]  # type: ignore[attr-defined]

    def chosen(self) -> list[str]:
        return list(self.cleaned_data["invoice"])
