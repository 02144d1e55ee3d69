"""Thin forms for adverts: they check the shape of what was typed; the services check the rules."""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from marketplace.accounts.models import DirectPaymentHolder
from marketplace.providers.availability import Day
from marketplace.providers.forms import GovukErrorsMixin, WeeklySlotsMixin, slot_choices
from marketplace.providers.models import Language, Provider, ServiceType

from .models import Advert
from .services import MAX_HOURS_PER_WEEK, MAX_MESSAGE_LENGTH, AdvertDetails

RATE_PATTERN = re.compile(r"^\d{1,3}(\.\d{1,2})?$")


class HolderChoiceField(forms.ModelChoiceField):
    """The holders someone may post for, the signed-in holder shown as "Myself"."""

    signed_in_user_id: int | None = None

    def label_from_instance(self, obj: Any) -> str:
        return "Myself" if obj.user_id == self.signed_in_user_id else str(obj.display_name)


class AdvertForm(WeeklySlotsMixin, GovukErrorsMixin, forms.Form):
    holder = HolderChoiceField(
        label="Who is the support for?",
        queryset=DirectPaymentHolder.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Select who the support is for.",
            "invalid_choice": "Select someone from the list.",
        },
    )
    title = forms.CharField(
        label="Title",
        max_length=120,
        help_text='For example, "Personal assistant for morning personal care". Do not include names.',
        error_messages={
            "required": "Enter a short title for the advert.",
            "max_length": "Title must be 120 characters or fewer.",
        },
    )
    services = forms.ModelMultipleChoiceField(
        label="What support do you need?",
        queryset=ServiceType.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select the support you need.",
            "invalid_choice": "Choose from the options in the list.",
            "invalid_pk_value": "Choose from the options in the list.",
        },
    )
    postcode_district = forms.CharField(
        label="Area",
        max_length=8,
        help_text="The first part of the postcode only, like WE1. Personal assistants never see your address.",
        error_messages={
            "required": "Enter the first part of the postcode, like WE1.",
            "max_length": "Enter the first part of a postcode, like WE1.",
        },
    )
    slots = forms.MultipleChoiceField(
        label="When do you need support?",
        choices=slot_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select at least one time you need support.",
            "invalid_choice": "Select times from the grid.",
        },
    )
    hours_per_week = forms.IntegerField(
        label="Hours a week",
        min_value=1,
        max_value=MAX_HOURS_PER_WEEK,
        error_messages={
            "required": "Enter how many hours a week you need.",
            "invalid": "Enter the hours as a whole number, like 10.",
            "min_value": f"Enter the hours as a whole number from 1 to {MAX_HOURS_PER_WEEK}.",
            "max_value": f"Enter the hours as a whole number from 1 to {MAX_HOURS_PER_WEEK}.",
        },
    )
    hourly_rate = forms.CharField(
        label="Hourly rate you will pay",
        max_length=7,
        help_text="In pounds, for example 13.50",
        error_messages={
            "required": "Enter the hourly rate you will pay.",
            "max_length": "Enter an hourly rate between £0.01 and £100.",
        },
    )
    employment = forms.ChoiceField(
        label="How would the personal assistant work for you?",
        choices=Advert.Employment.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how the personal assistant would work for you.",
            "invalid_choice": "Select one of the options.",
        },
    )
    needs_dbs_check = forms.BooleanField(label="They must have an enhanced DBS check", required=False)
    needs_driver = forms.BooleanField(label="They must drive and have a car", required=False)
    worker_gender = forms.ChoiceField(
        label="Gender of the personal assistant",
        choices=[("", "No preference"), *Advert.WorkerGender.choices],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose a gender from the list."},
    )
    languages = forms.ModelMultipleChoiceField(
        label="Languages they must speak (optional)",
        queryset=Language.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Choose from the options in the list.",
            "invalid_pk_value": "Choose from the options in the list.",
        },
    )
    description = forms.CharField(
        label="About the work (optional)",
        required=False,
        max_length=MAX_MESSAGE_LENGTH,
        widget=forms.Textarea,
        help_text="What a day looks like and what matters to you. Personal assistants who sign in see this: "
        "do not include names, addresses or health details.",
        error_messages={"max_length": f"About the work must be {MAX_MESSAGE_LENGTH} characters or fewer."},
    )

    def __init__(self, *args: Any, holders: list[DirectPaymentHolder], user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["holder"]
        assert isinstance(field, HolderChoiceField)
        field.queryset = DirectPaymentHolder.objects.filter(pk__in=[holder.pk for holder in holders])
        field.signed_in_user_id = user.pk
        if len(holders) == 1:
            self.fields["holder"].widget = forms.HiddenInput()
            self.initial.setdefault("holder", holders[0].pk)

    def clean_hourly_rate(self) -> int:
        text = self.cleaned_data["hourly_rate"].strip().lstrip("£").replace(",", "")
        if not RATE_PATTERN.match(text):
            raise forms.ValidationError("Enter the hourly rate in pounds, like 13 or 13.50.")
        try:
            pence = int(Decimal(text) * 100)
        except InvalidOperation as error:
            raise forms.ValidationError("Enter the hourly rate in pounds, like 13 or 13.50.") from error
        if not 1 <= pence <= 10_000:
            raise forms.ValidationError("Enter an hourly rate between £0.01 and £100.")
        return pence

    def details(self) -> AdvertDetails:
        data = self.cleaned_data
        return AdvertDetails(
            title=data["title"],
            services=list(data["services"]),
            postcode_district=data["postcode_district"],
            availability_mask=self.availability().mask,
            hours_per_week=data["hours_per_week"],
            hourly_rate_pence=data["hourly_rate"],
            employment=data["employment"],
            needs_dbs_check=data["needs_dbs_check"],
            worker_gender=data.get("worker_gender") or "",
            languages=list(data.get("languages") or []),
            needs_driver=data["needs_driver"],
            description=data.get("description") or "",
        )


def advert_initial(advert: Advert) -> dict[str, Any]:
    return {
        "holder": advert.holder_id,
        "title": advert.title,
        "services": [service.pk for service in advert.services.all()],
        "postcode_district": advert.postcode_district,
        "slots": [f"{day.code}-{part.code}" for day, part in advert.availability.slots()],
        "hours_per_week": advert.hours_per_week,
        "hourly_rate": f"{advert.hourly_rate_pence // 100}.{advert.hourly_rate_pence % 100:02d}",
        "employment": advert.employment,
        "needs_dbs_check": advert.needs_dbs_check,
        "needs_driver": advert.needs_driver,
        "worker_gender": advert.worker_gender,
        "languages": [language.pk for language in advert.languages.all()],
        "description": advert.description,
    }


class MessageForm(GovukErrorsMixin, forms.Form):
    message = forms.CharField(
        label="Your message",
        max_length=MAX_MESSAGE_LENGTH,
        widget=forms.Textarea,
        error_messages={
            "required": "Write your message.",
            "max_length": f"Your message must be {MAX_MESSAGE_LENGTH} characters or fewer.",
        },
    )


class ApplyForm(MessageForm):
    provider = forms.ModelChoiceField(
        label="Apply as",
        queryset=Provider.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Select the listing to apply as.",
            "invalid_choice": "Select one of your listings.",
        },
    )

    field_order = ["provider", "message"]

    def __init__(self, *args: Any, listings: list[Provider], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["provider"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Provider.objects.filter(pk__in=[listing.pk for listing in listings])
        self.fields[
            "message"
        ].help_text = "Say a little about yourself and your experience. The advertiser sees your listing too."
        if len(listings) == 1:
            field.widget = forms.HiddenInput()
            self.initial.setdefault("provider", listings[0].pk)


class DeclineForm(GovukErrorsMixin, forms.Form):
    message = forms.CharField(
        label="Message to the personal assistant (optional)",
        required=False,
        max_length=MAX_MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"Your message must be {MAX_MESSAGE_LENGTH} characters or fewer."},
    )


class CloseForm(GovukErrorsMixin, forms.Form):
    reason = forms.ChoiceField(
        label="Why are you closing the advert?",
        choices=[
            ("Found a personal assistant", "I have found a personal assistant"),
            ("No longer needed", "I no longer need this support"),
            ("Other", "Another reason"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select why you are closing the advert.",
            "invalid_choice": "Select one of the reasons.",
        },
    )


class AdvertSearchForm(GovukErrorsMixin, forms.Form):
    """The public list's filters (GET)."""

    service = forms.ModelChoiceField(
        label="Support",
        queryset=ServiceType.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="Any support",
        error_messages={"invalid_choice": "Choose support from the list."},
    )
    area = forms.CharField(
        label="Postcode district",
        max_length=8,
        required=False,
        help_text="For example, WE1",
        error_messages={"max_length": "Enter the first part of a postcode, like WE1."},
    )
    day = forms.MultipleChoiceField(
        label="Days",
        choices=[(day.code, day.label) for day in Day],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose a day from the list."},
    )
    page = forms.IntegerField(
        min_value=1,
        max_value=1000,
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": "Page must be a whole number.",
            "min_value": "Page must be 1 or more.",
            "max_value": "Page must be 1000 or less.",
        },
    )

    def clean_area(self) -> str:
        from marketplace.places.selectors import DISTRICT_PATTERN

        text = " ".join(self.cleaned_data["area"].upper().split())
        if text and not DISTRICT_PATTERN.match(text):
            raise forms.ValidationError("Enter the first part of a postcode, like WE1.")
        return text
