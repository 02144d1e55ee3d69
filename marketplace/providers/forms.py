from typing import Any, cast

from django import forms

from .models import Provider
from .services import ALLOWED_TRANSITIONS, STATUSES_NEEDING_A_REASON


class ProviderStatusForm(forms.Form):
    """A commissioner moves a listing to the next status in its lifecycle."""

    to_status = forms.ChoiceField(label="New status", widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Kept in the listing's history. Required when suspending or withdrawing.",
    )

    def __init__(self, *args: Any, provider: Provider, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = ALLOWED_TRANSITIONS.get(provider.status, set())
        status_field = cast(forms.ChoiceField, self.fields["to_status"])
        status_field.choices = [(value, label) for value, label in Provider.Status.choices if value in allowed]
        self.fields["to_status"].error_messages["invalid_choice"] = "Choose one of the statuses listed."
        self.fields["to_status"].error_messages["required"] = "Choose the new status."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("to_status") in STATUSES_NEEDING_A_REASON and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Give a reason: the provider and other commissioners will see it.")
        return cleaned
