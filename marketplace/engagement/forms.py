"""Forms for shortlists, enquiries, replies, sharing contact details and reports.

They give field-by-field messages for the GOV.UK error summary and keep what
was typed; the services check everything again and have the last word.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from marketplace.accreditation.forms import DateInputField
from marketplace.core.forms import ReasonNeededToRejectMixin
from marketplace.providers.availability import Day, PartOfDay, WeeklyAvailability
from marketplace.providers.models import ServiceType

from .models import MESSAGE_MAX_LENGTH, NOTE_MAX_LENGTH
from .services import ACCEPT, DECLINE, MAX_PROVIDERS_PER_ENQUIRY

DAY_CHOICES = [(day.code, day.label) for day in Day]
PART_CHOICES = [(part.code, f"{part.label} ({part.hours[0]} to {part.hours[1]})") for part in PartOfDay]


def _message_field(label: str, *, required: bool = True, hint: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=required,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea,
        error_messages={
            "required": "Enter a message",
            "max_length": f"The message must be {MESSAGE_MAX_LENGTH} characters or fewer",
        },
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label="Your note",
        help_text="Only you and the people who act for you can see it.",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea,
        error_messages={"max_length": f"The note must be {NOTE_MAX_LENGTH} characters or fewer"},
    )


class EnquiryForm(forms.Form):
    """What support is needed, when, for how many hours, from when, at what rate, and a message."""

    service = forms.ModelChoiceField(
        label="What support do you need?",
        queryset=ServiceType.objects.order_by("sort_order", "name"),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the support you need", "invalid_choice": "Choose the support you need"},
    )
    days = forms.MultipleChoiceField(
        label="Which days?",
        choices=DAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one day", "invalid_choice": "Choose days from the list"},
    )
    parts = forms.MultipleChoiceField(
        label="What times of day?",
        choices=PART_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one time of day",
            "invalid_choice": "Choose times of day from the list",
        },
    )
    hours_per_week = forms.IntegerField(
        label="About how many hours a week?",
        min_value=1,
        max_value=100,
        error_messages={
            "required": "Enter how many hours a week you need",
            "invalid": "Hours a week must be a whole number, like 6",
            "min_value": "Hours a week must be between 1 and 100",
            "max_value": "Hours a week must be between 1 and 100",
        },
    )
    start_on = DateInputField(
        name_in_errors="the date you would like support to start", label="When would you like it to start?"
    )
    rate = forms.CharField(
        label="What can you pay an hour?",
        max_length=10,
        error_messages={"required": "Enter what you can pay an hour"},
    )
    message = _message_field(
        "Your message",
        hint="Say a little about the support you need. Do not include your address, phone number or health details: "
        "you can share contact details later with the providers you choose.",
    )

    def clean_rate(self) -> int:
        text = self.cleaned_data["rate"].strip().lstrip("£").replace(",", "")
        try:
            amount = Decimal(text)
        except InvalidOperation as error:
            raise forms.ValidationError("Enter the hourly rate in pounds, like 21.50") from error
        if not amount.is_finite() or amount <= 0 or amount > 100:
            raise forms.ValidationError("The hourly rate must be more than £0 and no more than £100")
        if amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError("Enter the hourly rate in pounds and pence, like 21.50")
        return int(amount * 100)

    def availability_mask(self) -> int:
        days = [day for day in Day if day.code in self.cleaned_data["days"]]
        parts = [part for part in PartOfDay if part.code in self.cleaned_data["parts"]]
        return WeeklyAvailability.from_slots((day, part) for day in days for part in parts).mask


class ProviderChoiceForm(forms.Form):
    """Which providers an enquiry goes to: the uuids carried in the form (from a profile or the shortlist)."""

    provider = forms.MultipleChoiceField(choices=[], required=False)

    def __init__(self, *args: Any, provider_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["provider"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = provider_choices

    def clean_provider(self) -> list[str]:
        chosen: list[str] = self.cleaned_data["provider"]
        if not chosen:
            raise forms.ValidationError("Choose at least one provider to send your enquiry to")
        if len(chosen) > MAX_PROVIDERS_PER_ENQUIRY:
            raise forms.ValidationError(f"Choose no more than {MAX_PROVIDERS_PER_ENQUIRY} providers")
        return chosen


class ReplyForm(forms.Form):
    message = _message_field("Your reply")


class RespondForm(ReasonNeededToRejectMixin, forms.Form):
    """A provider says whether they can help; saying no needs a reason the person reads."""

    reject_value = DECLINE
    reason_needed_message = "Give the reason you cannot help"

    decision = forms.ChoiceField(
        label="Can you help?",
        choices=[(ACCEPT, "Yes, I can help"), (DECLINE, "No, I cannot help")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether you can help", "invalid_choice": "Choose whether you can help"},
    )
    reason = _message_field(
        "Message to the person",
        required=False,
        hint="If you can help, say what happens next. If you cannot, say why, so they can look elsewhere.",
    )


class ShareContactForm(forms.Form):
    name = forms.CharField(
        label="Name to ask for",
        max_length=200,
        error_messages={"required": "Enter the name the provider should ask for"},
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        max_length=254,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.com"},
    )
    phone = forms.CharField(
        label="Phone number",
        required=False,
        max_length=32,
        error_messages={"max_length": "Enter a phone number of 32 characters or fewer"},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not cleaned.get("email") and not cleaned.get("phone", "").strip():
            self.add_error("email", "Enter an email address or a phone number")
        return cleaned


class ReportForm(forms.Form):
    reason = forms.CharField(
        label="What is wrong with this message?",
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea,
        error_messages={
            "required": "Tell us what is wrong with this message",
            "max_length": f"What is wrong must be {MESSAGE_MAX_LENGTH} characters or fewer",
        },
    )
    block = forms.BooleanField(label="Block them: no more messages or enquiries between you", required=False)


class ReviewForm(forms.Form):
    notes = forms.CharField(
        label="What you found and what you did",
        max_length=5000,
        widget=forms.Textarea,
        error_messages={"required": "Say what you found and what you did"},
    )
