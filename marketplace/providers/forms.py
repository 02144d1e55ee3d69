from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django import forms

from marketplace.core.forms import ReasonNeededToRejectMixin, error_summary_items
from marketplace.core.submissions import OneTimeFormMixin
from marketplace.places.models import Locality

from .availability import Day, PartOfDay, WeeklyAvailability
from .models import ClientGroup, Language, Provider, ProviderPrice, ServiceType, Specialism
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


# ---------------------------------------------------------------------------
# Self-service forms. Each task's form checks the shape of what was typed;
# `require_complete` (the "Save and continue" button) also asks for what the
# task needs to be complete, while "Save and come back later" saves a part.
# ---------------------------------------------------------------------------


class GovukErrorsMixin:
    """Errors in page order as (anchor, message) for the GOV.UK error summary."""

    def error_summary(self) -> list[tuple[str, str]]:
        return error_summary_items(cast(forms.BaseForm, self))


class JoinForm(GovukErrorsMixin, OneTimeFormMixin):
    kind = forms.ChoiceField(
        label="What kind of provider are you?",
        choices=Provider.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what kind of provider you are.",
            "invalid_choice": "Select one of the kinds listed.",
        },
    )
    name = forms.CharField(
        label="Your name, or the name of your service",
        max_length=200,
        error_messages={
            "required": "Enter your name or the name of your service.",
            "max_length": "The name must be 200 characters or fewer.",
        },
    )


class TaskForm(GovukErrorsMixin, forms.Form):
    """A task page's form: checks shapes always, completeness only when asked."""

    def __init__(self, *args: Any, require_complete: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.require_complete = require_complete

    def require(self, cleaned: dict[str, Any], field: str, message: str) -> None:
        if field not in self.errors and not cleaned.get(field):
            self.add_error(field, message)


class AboutForm(TaskForm):
    name = forms.CharField(
        label="Name",
        max_length=200,
        help_text="Your own name if you are a personal assistant, or your organisation's name",
        error_messages={
            "required": "Enter your name or the name of your service.",
            "max_length": "The name must be 200 characters or fewer.",
        },
    )
    kind = forms.ChoiceField(
        label="What kind of provider are you?",
        choices=Provider.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what kind of provider you are.",
            "invalid_choice": "Select one of the kinds listed.",
        },
    )
    summary = forms.CharField(
        label="Summary",
        max_length=300,
        required=False,
        help_text="One or two sentences, shown in search results. 300 characters at most.",
        error_messages={"max_length": "The summary must be 300 characters or fewer."},
    )
    description = forms.CharField(
        label="Describe the support you give",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Your experience, how you work and anything people should know. Shown on your profile.",
        error_messages={"max_length": "The description must be 5,000 characters or fewer."},
    )
    contact_name = forms.CharField(label="Contact name", required=False, max_length=200)
    contact_email = forms.EmailField(
        label="Email address",
        required=False,
        max_length=254,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.com."},
    )
    contact_phone = forms.CharField(
        label="Phone number",
        required=False,
        max_length=32,
        help_text="For example, 01632 960 001 or 07700 900 982",
    )
    website = forms.URLField(
        label="Website (optional)",
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Enter a website address in the correct format, like www.example.com."},
    )
    has_consented_to_publish_contact = forms.BooleanField(
        label="Show these contact details on my public profile",
        required=False,
        help_text="If you do not, people contact you through the council.",
    )
    company_number = forms.CharField(
        label="Companies House number (optional)",
        required=False,
        max_length=12,
        help_text="If your organisation is a registered company, like 01234567 or SC123456",
    )
    cqc_location_id = forms.CharField(
        label="CQC location ID (optional)",
        required=False,
        max_length=20,
        help_text="If you are registered with the Care Quality Commission",
    )
    carries_out_regulated_activity = forms.BooleanField(
        label="We provide personal care or another activity the CQC regulates", required=False
    )
    serves_food = forms.BooleanField(label="We serve food to the people we support", required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        phone = (cleaned.get("contact_phone") or "").strip()
        from .services import PHONE_PATTERN

        if phone and not PHONE_PATTERN.match(phone):
            self.add_error("contact_phone", "Enter a phone number, like 01632 960 001 or 07700 900 982.")
        if self.require_complete:
            self.require(cleaned, "summary", "Enter a summary of what you offer.")
            self.require(cleaned, "description", "Describe the support you give.")
            if (
                not cleaned.get("contact_email")
                and not phone
                and not {"contact_email", "contact_phone"} & set(self.errors)
            ):
                self.add_error("contact_email", "Enter an email address or a phone number, so people can contact you.")
        return cleaned


GENDER_CHOICES = [
    ("female", "Women"),
    ("male", "Men"),
    ("non_binary", "Non-binary people"),
]


class ServicesForm(TaskForm):
    services = forms.ModelMultipleChoiceField(
        label="What support do you offer?",
        queryset=ServiceType.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Select services from the list.",
            "invalid_pk_value": "Select services from the list.",
        },
    )
    client_groups = forms.ModelMultipleChoiceField(
        label="Who do you support?",
        queryset=ClientGroup.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Select groups from the list.",
            "invalid_pk_value": "Select groups from the list.",
        },
    )
    specialisms = forms.ModelMultipleChoiceField(
        label="Skills and specialisms (optional)",
        queryset=Specialism.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Select skills from the list.",
            "invalid_pk_value": "Select skills from the list.",
        },
    )
    languages = forms.ModelMultipleChoiceField(
        label="Languages you speak",
        queryset=Language.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Select languages from the list.",
            "invalid_pk_value": "Select languages from the list.",
        },
    )
    worker_genders = forms.MultipleChoiceField(
        label="Who gives the support?",
        choices=GENDER_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Some people need support from someone of a particular gender",
        error_messages={"invalid_choice": "Select from the options listed."},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.require_complete:
            self.require(cleaned, "services", "Select at least one kind of support you offer.")
            self.require(cleaned, "client_groups", "Select at least one group of people you support.")
        return cleaned


class AreasForm(TaskForm):
    base_postcode = forms.CharField(
        label="Postcode where you are based",
        required=False,
        max_length=12,
        help_text="We use it to show how far you are from people searching. It is not shown on your profile.",
    )
    localities_served = forms.ModelMultipleChoiceField(
        label="Localities you cover",
        queryset=Locality.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Select localities from the list.",
            "invalid_pk_value": "Select localities from the list.",
        },
    )
    postcode_districts_served = forms.CharField(
        label="Postcode districts you cover (optional)",
        required=False,
        max_length=500,
        help_text="The first part of the postcode, separated by spaces, like WE1 WE2 WE14",
    )
    travel_radius_miles = forms.IntegerField(
        label="How far will you travel, in miles? (optional)",
        required=False,
        min_value=1,
        max_value=100,
        error_messages={
            "invalid": "Enter how far you travel as a whole number of miles, like 5.",
            "min_value": "Enter how far you travel as a whole number of miles from 1 to 100.",
            "max_value": "Enter how far you travel as a whole number of miles from 1 to 100.",
        },
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.require_complete:
            self.require(cleaned, "base_postcode", "Enter the postcode where you are based.")
            covers = ("localities_served", "postcode_districts_served", "travel_radius_miles")
            if not any(cleaned.get(name) for name in covers) and not set(covers) & set(self.errors):
                self.add_error(
                    "localities_served",
                    "Select the localities you cover, enter postcode districts or say how far you travel.",
                )
        return cleaned


class PriceForm(GovukErrorsMixin, forms.Form):
    service = forms.ModelChoiceField(
        label="Service",
        queryset=ServiceType.objects.all(),
        required=False,
        empty_label="Choose a service",
        error_messages={"invalid_choice": "Select a service from the list."},
    )
    unit = forms.ChoiceField(
        label="Charged",
        choices=ProviderPrice.Unit.choices,
        initial=ProviderPrice.Unit.HOUR,
        error_messages={
            "invalid_choice": "Select how the price is charged.",
            "required": "Select how the price is charged.",
        },
    )
    amount = forms.DecimalField(
        label="Price",
        required=False,
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={
            "invalid": "Enter the price in pounds and pence, like 18 or 18.50.",
            "max_digits": "Enter a price under £10,000.",
            "max_whole_digits": "Enter a price under £10,000.",
            "max_decimal_places": "Enter the price in pounds and pence, like 18.50.",
            "min_value": "Enter a price of at least 1p.",
        },
    )
    includes = forms.CharField(
        label="What the price includes (optional)",
        required=False,
        max_length=300,
        error_messages={"max_length": "Say what the price includes in 300 characters or fewer."},
    )

    def has_changed(self) -> bool:
        # A blank extra row (only the default unit chosen) is no price at all.
        return any(self[name].value() not in (None, "") for name in ("service", "amount", "includes"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("DELETE"):
            return cleaned
        if not cleaned.get("service") and "service" not in self.errors:
            self.add_error("service", "Select the service this price is for.")
        if cleaned.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", "Enter the price in pounds and pence, like 18 or 18.50.")
        return cleaned


def _is_removed(form: forms.BaseForm) -> bool:
    return bool(getattr(form, "cleaned_data", {}).get("DELETE"))


class BasePriceFormSet(forms.BaseFormSet):
    require_complete = False

    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[tuple[int, str]] = set()
        count = 0
        for form in self.forms:
            if not form.has_changed() or _is_removed(form):
                continue
            key = (form.cleaned_data["service"].pk, form.cleaned_data["unit"])
            if key in seen:
                form.add_error(
                    "service",
                    "You have already given a price for this service charged this way. Change or remove one.",
                )
            seen.add(key)
            count += 1
        if self.require_complete and count == 0:
            raise forms.ValidationError("Add at least one price.")

    def prices(self) -> list[dict[str, Any]]:
        return [form.cleaned_data for form in self.forms if form.has_changed() and not _is_removed(form)]

    def error_summary(self) -> list[tuple[str, str]]:
        items: list[tuple[str, str]] = []
        for number, form in enumerate(self.forms, start=1):
            items += [(anchor, f"Price {number}: {message}") for anchor, message in form.error_summary()]
        anchor = self.forms[0].add_prefix("service") if self.forms else ""
        items += [(anchor, str(message)) for message in self.non_form_errors()]
        return items

    def add_error_message(self, message: str) -> None:
        """An error about the whole price list (from the service), shown above the rows."""
        self.non_form_errors().append(message)


PriceFormSet = forms.formset_factory(
    PriceForm, formset=BasePriceFormSet, extra=1, can_delete=True, max_num=40, absolute_max=60
)


def slot_choices() -> list[tuple[str, str]]:
    """The weekly grid's slots as choices: "mon-morning" for "Monday morning"."""
    return [(f"{day.code}-{part.code}", f"{day.label} {part.label.lower()}") for day in Day for part in PartOfDay]


class WeeklySlotsMixin:
    """For a form with a `slots` field of `slot_choices()`: the grid as table rows, and what was chosen.

    Listings' availability and adverts' times are the same grid (providers/availability.py).
    """

    cleaned_data: dict[str, Any]

    if TYPE_CHECKING:

        def __getitem__(self, name: str) -> Any: ...  # the form's bound fields

    def availability(self) -> WeeklyAvailability:
        chosen = set(self.cleaned_data.get("slots") or [])
        return WeeklyAvailability.from_slots(
            (day, part) for day in Day for part in PartOfDay if f"{day.code}-{part.code}" in chosen
        )

    def grid_rows(self) -> list[dict[str, Any]]:
        """The slot checkboxes day by day, for a table with a labelled checkbox in each cell."""
        chosen = {str(value) for value in (self["slots"].value() or [])}
        rows = []
        for day in Day:
            cells = []
            for part in PartOfDay:
                value = f"{day.code}-{part.code}"
                is_first = day == Day.MONDAY and part == PartOfDay.MORNING
                cells.append(
                    {
                        "id": "slots" if is_first else f"slots-{value}",
                        "value": value,
                        "label": f"{day.label} {part.label.lower()}",
                        "checked": value in chosen,
                    }
                )
            rows.append({"day": day, "cells": cells})
        return rows


class AvailabilityForm(WeeklySlotsMixin, TaskForm):
    slots = forms.MultipleChoiceField(
        label="When are you usually available?",
        choices=slot_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select times from the grid."},
    )
    is_taking_new_clients = forms.ChoiceField(
        label="Are you taking new clients?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select yes if you are taking new clients.",
            "invalid_choice": "Select yes or no.",
        },
    )
    capacity_hours_per_week = forms.IntegerField(
        label="Hours you could take on each week (optional)",
        required=False,
        min_value=0,
        max_value=1000,
        error_messages={
            "invalid": "Enter the hours as a whole number, like 10.",
            "min_value": "Enter the hours as a whole number from 0 to 1000.",
            "max_value": "Enter the hours as a whole number from 0 to 1000.",
        },
    )
    capacity_places_per_day = forms.IntegerField(
        label="Places free each day (optional)",
        required=False,
        min_value=0,
        max_value=1000,
        help_text="For day services",
        error_messages={
            "invalid": "Enter the places as a whole number, like 4.",
            "min_value": "Enter the places as a whole number from 0 to 1000.",
            "max_value": "Enter the places as a whole number from 0 to 1000.",
        },
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.require_complete:
            self.require(cleaned, "slots", "Select at least one time you are usually available.")
        return cleaned


class ChangeRequestDecisionForm(ReasonNeededToRejectMixin, forms.Form):
    """A commissioner approves or rejects changes a provider asked for."""

    decision = forms.ChoiceField(
        label="Decision",
        choices=[
            ("approve", "Approve: the changes go live now"),
            ("reject", "Reject: the listing keeps its old values"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose approve or reject.", "invalid_choice": "Choose approve or reject."},
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Sent to the provider and kept in the history. Required when rejecting.",
    )
    reason_needed_message = "Give a reason: the provider will see it."
