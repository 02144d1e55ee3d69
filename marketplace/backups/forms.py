"""Forms for back-up plans (checkboxes from the shortlist) and a provider's absence (GOV.UK date inputs)."""

from typing import Any

from django import forms

from marketplace.core.fields import DateInputField
from marketplace.core.submissions import OneTimeFormMixin
from marketplace.engagement.models import ShortlistEntry

from .models import MAX_BACKUPS, REASON_MAX_LENGTH


class BackupPlanForm(forms.Form):
    """Which shortlisted providers are back-ups for one agreement (none is a valid answer)."""

    providers = forms.MultipleChoiceField(
        label="Choose your back-up providers",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose back-ups from your shortlist."},
    )

    def __init__(self, *args: Any, shortlist: list[ShortlistEntry], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entries = {str(entry.provider.uuid): entry for entry in shortlist}
        field = self.fields["providers"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(str(entry.provider.uuid), entry.provider.name) for entry in shortlist]

    def clean_providers(self) -> list[Any]:
        chosen = self.cleaned_data["providers"]
        if len(chosen) > MAX_BACKUPS:
            raise forms.ValidationError(f"Choose up to {MAX_BACKUPS} back-up providers.")
        return [self.entries[value].provider for value in chosen]


class AbsenceForm(OneTimeFormMixin):
    starts_on = DateInputField(name_in_errors="the first day you are away", label="First day away")
    ends_on = DateInputField(name_in_errors="the last day you are away", label="Last day away")
    reason = forms.CharField(
        label="Why you cannot come",
        max_length=REASON_MAX_LENGTH,
        error_messages={
            "required": "Say why you cannot come, for example 'Ill' or 'On holiday'.",
            "max_length": f"The reason must be {REASON_MAX_LENGTH} characters or fewer.",
        },
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The last day away must be the same as or after the first day.")
        return cleaned
