"""Thin forms for agreements and timesheets: they check the shape of what was typed; the services check the rules."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms

from marketplace.core.fields import DateInputField
from marketplace.providers.forms import GovukErrorsMixin, WeeklySlotsMixin, slot_choices
from marketplace.providers.models import ServiceType

from .models import Agreement, AgreementVersion
from .services import MAX_TEXT, AgreementTerms

MONEY_PATTERN = re.compile(r"^\d{1,4}(\.\d{1,2})?$")
QUANTITY_PATTERN = re.compile(r"^\d{1,3}(\.\d{1,2})?$")


def pence_from_text(text: str, *, what: str) -> int:
    """'13.50' or '£13.50' -> 1350; a ValidationError a person can read otherwise."""
    cleaned = text.strip().lstrip("£").replace(",", "")
    if not MONEY_PATTERN.match(cleaned):
        raise forms.ValidationError(f"Enter {what} in pounds, like 14 or 14.50.")
    return int(Decimal(cleaned) * 100)


def pounds_text(pence: int | None) -> str:
    return "" if pence is None else f"{pence // 100}.{pence % 100:02d}"


def date_parts(day: date | None) -> list[int] | None:
    return None if day is None else [day.day, day.month, day.year]


def quantity_from_text(text: str, *, what: str) -> Decimal:
    cleaned = text.strip()
    if not QUANTITY_PATTERN.match(cleaned):
        raise forms.ValidationError(f"Enter {what} as a number, like 3 or 3.5.")
    try:
        return Decimal(cleaned)
    except InvalidOperation as error:  # pragma: no cover - the pattern already excludes it
        raise forms.ValidationError(f"Enter {what} as a number, like 3 or 3.5.") from error


class _Form(GovukErrorsMixin, forms.Form):
    """Ids are the field names, so the error summary's links land on the inputs (the date's day box too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)


class AgreementForm(WeeklySlotsMixin, _Form):
    """The terms of one version. `change_note` is asked only when changing an agreement."""

    services = forms.ModelMultipleChoiceField(
        label="What support does the agreement cover?",
        queryset=ServiceType.objects.order_by("sort_order", "name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select the support the agreement covers.",
            "invalid_choice": "Choose from the options in the list.",
            "invalid_pk_value": "Choose from the options in the list.",
        },
    )
    slots = forms.MultipleChoiceField(
        label="When in the week?",
        choices=slot_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select at least one time in the week.",
            "invalid_choice": "Select times from the grid.",
        },
    )
    unit = forms.ChoiceField(
        label="Is the rate per hour or per session?",
        choices=AgreementVersion.Unit.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select per hour or per session.", "invalid_choice": "Select one of the options."},
    )
    units_per_week = forms.CharField(
        label="Hours or sessions a week",
        max_length=6,
        error_messages={"required": "Enter the hours or sessions a week.", "max_length": "Enter a number up to 168."},
    )
    rate = forms.CharField(
        label="Rate per hour or session",
        max_length=8,
        help_text="In pounds, for example 15.50",
        error_messages={"required": "Enter the rate.", "max_length": "Enter a rate up to £1,000."},
    )
    bank_holiday_rate = forms.CharField(
        label="Rate on bank holidays (optional)",
        max_length=8,
        required=False,
        help_text="Leave empty if the usual rate applies on bank holidays",
        error_messages={"max_length": "Enter a rate up to £1,000."},
    )
    rate_includes = forms.CharField(
        label="What the rate includes (optional)",
        max_length=300,
        required=False,
        help_text="For example, travel time and mileage",
        error_messages={"max_length": "This must be 300 characters or fewer."},
    )
    topup = forms.CharField(
        label="Part of each hour or session paid from the person's own money (optional)",
        max_length=8,
        required=False,
        help_text="A top-up: the direct payment never pays this part. Leave empty if the direct payment pays it all.",
        error_messages={"max_length": "Enter an amount up to the rate."},
    )
    start_on = DateInputField(name_in_errors="the date support starts", label="When does support start?")
    notice_weeks = forms.IntegerField(
        label="Notice period in weeks",
        min_value=0,
        max_value=52,
        error_messages={
            "required": "Enter the notice period in weeks.",
            "invalid": "Enter the notice period as a whole number of weeks, like 4.",
            "min_value": "Enter a notice period from 0 to 52 weeks.",
            "max_value": "Enter a notice period from 0 to 52 weeks.",
        },
    )
    cancellation_terms = forms.CharField(
        label="If a visit is cancelled (optional)",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, cancelled with less than 24 hours' notice is paid in full",
        error_messages={"max_length": f"This must be {MAX_TEXT} characters or fewer."},
    )
    employment = forms.ChoiceField(
        label="Who is the employer?",
        choices=Agreement.Employment.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who is the employer.", "invalid_choice": "Select one of the options."},
    )
    change_note = forms.CharField(
        label="What changed?",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The other side sees this beside the old and new terms",
        error_messages={
            "required": "Say what changed.",
            "max_length": f"This must be {MAX_TEXT} characters or fewer.",
        },
    )

    def __init__(self, *args: Any, is_change: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not is_change:
            del self.fields["change_note"]

    def clean_units_per_week(self) -> Decimal:
        value = quantity_from_text(self.cleaned_data["units_per_week"], what="the hours or sessions a week")
        if not Decimal("0.25") <= value <= Decimal("168"):
            raise forms.ValidationError("Enter the hours or sessions a week, from 0.25 to 168.")
        return value

    def clean_rate(self) -> int:
        pence = pence_from_text(self.cleaned_data["rate"], what="the rate")
        if not 1 <= pence <= 100_000:
            raise forms.ValidationError("Enter a rate between £0.01 and £1,000.")
        return pence

    def clean_bank_holiday_rate(self) -> int | None:
        text = self.cleaned_data.get("bank_holiday_rate") or ""
        return pence_from_text(text, what="the bank holiday rate") if text.strip() else None

    def clean_topup(self) -> int:
        text = self.cleaned_data.get("topup") or ""
        return pence_from_text(text, what="the part paid from the person's own money") if text.strip() else 0

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rate = data.get("rate")
        if rate is not None:
            holiday = data.get("bank_holiday_rate")
            if holiday is not None and holiday < rate:
                self.add_error("bank_holiday_rate", "The bank holiday rate must be at least the usual rate.")
            if (data.get("topup") or 0) > rate:
                self.add_error("topup", "The part paid from the person's own money cannot be more than the rate.")
        return data

    def terms(self) -> AgreementTerms:
        data = self.cleaned_data
        return AgreementTerms(
            services=list(data["services"]),
            availability_mask=self.availability().mask,
            unit=data["unit"],
            units_per_week=data["units_per_week"],
            rate_pence=data["rate"],
            bank_holiday_rate_pence=data.get("bank_holiday_rate"),
            rate_includes=data.get("rate_includes") or "",
            topup_pence=data.get("topup") or 0,
            start_on=data["start_on"],
            notice_weeks=data["notice_weeks"],
            cancellation_terms=data.get("cancellation_terms") or "",
            employment=data["employment"],
            change_note=data.get("change_note") or "",
        )


def version_initial(version: AgreementVersion) -> dict[str, Any]:
    return {
        "services": [service.pk for service in version.services.all()],
        "slots": [f"{day.code}-{part.code}" for day, part in version.availability.slots()],
        "unit": version.unit,
        "units_per_week": f"{version.units_per_week.normalize():f}",
        "rate": pounds_text(version.rate_pence),
        "bank_holiday_rate": pounds_text(version.bank_holiday_rate_pence),
        "rate_includes": version.rate_includes,
        "topup": pounds_text(version.topup_pence) if version.topup_pence else "",
        "start_on": date_parts(version.start_on),
        "notice_weeks": version.notice_weeks,
        "cancellation_terms": version.cancellation_terms,
        "employment": version.employment,
    }


class EndForm(_Form):
    last_day = DateInputField(name_in_errors="the last day of support", label="Last day of support")
    shorter_notice_agreed = forms.BooleanField(
        label="We have both agreed a shorter notice than the agreement says", required=False
    )
    reason = forms.CharField(
        label="Why is the agreement ending?",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Both sides see this",
        error_messages={
            "required": "Say why the agreement is ending.",
            "max_length": f"This must be {MAX_TEXT} characters or fewer.",
        },
    )


class TimesheetEntryForm(_Form):
    worked_on = DateInputField(name_in_errors="the day you gave support", label="Day")
    quantity = forms.CharField(
        label="Hours or sessions",
        max_length=6,
        error_messages={"required": "Enter the hours or sessions.", "max_length": "Enter a number up to 24."},
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "The note must be 1000 characters or fewer."},
    )

    def clean_quantity(self) -> Decimal:
        value = quantity_from_text(self.cleaned_data["quantity"], what="the hours or sessions")
        if not Decimal("0.25") <= value <= Decimal("24"):
            raise forms.ValidationError("Enter the hours or sessions, from 0.25 to 24.")
        return value


class MessageForm(_Form):
    body = forms.CharField(
        label="Your message",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter a message.",
            "max_length": f"The message must be {MAX_TEXT} characters or fewer.",
        },
    )


class InvoiceForm(_Form):
    up_to = DateInputField(name_in_errors="the last day the invoice covers", label="Invoice approved support up to")


# Pooled agreements ----------------------------------------------------------------------------

PERCENT_PATTERN = re.compile(r"^\d{1,3}(\.\d{1,2})?$")


class PoolInviteForm(_Form):
    """Whom to invite to share the agreement, from the holders this side may invite, and from when."""

    holder = forms.ChoiceField(
        label="Who do you want to share this support with?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the person to invite.",
            "invalid_choice": "Select one of the people listed.",
        },
    )
    shares_from = DateInputField(
        name_in_errors="the day sharing starts",
        label="Sharing starts on",
        help_text="They pay a share of the support given from this day, once they join. For example, 27 3 2027",
    )

    def __init__(self, *args: Any, holders: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.holders = {str(holder.uuid): holder for holder in holders}
        cast(forms.ChoiceField, self.fields["holder"]).choices = [
            (key, holder.display_name) for key, holder in self.holders.items()
        ]

    def chosen_holder(self) -> Any:
        return self.holders[self.cleaned_data["holder"]]


class PoolSharesForm(_Form):
    """Equal shares, or a percentage for each member (to two places) that must add up to 100%."""

    how = forms.ChoiceField(
        label="How is the cost shared?",
        widget=forms.RadioSelect,
        choices=[("equal", "Equally"), ("set", "In the shares I set below")],
        error_messages={
            "required": "Select how the cost is shared.",
            "invalid_choice": "Select how the cost is shared.",
        },
    )

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        for number, member in enumerate(members, start=1):
            self.fields[f"share_{member.pk}"] = forms.CharField(
                label=f"Share of person {number}, {member.holder.display_name} (%)",
                required=False,
                max_length=6,
                error_messages={"max_length": "Enter a percentage like 50 or 33.34."},
            )

    def share_fields(self) -> list[Any]:
        return [self[f"share_{member.pk}"] for member in self.members]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("how") != "set":
            cleaned["basis_points"] = None
            return cleaned
        points: dict[int, int] = {}
        for member in self.members:
            name = f"share_{member.pk}"
            text = (cleaned.get(name) or "").strip().rstrip("%").strip()
            if not text:
                self.add_error(name, f"Enter the share of {member.holder.display_name}.")
            elif not PERCENT_PATTERN.match(text) or Decimal(text) > 100:
                self.add_error(name, "Enter a percentage from 0.01 to 100, like 50 or 33.34.")
            elif Decimal(text) == 0:
                self.add_error(name, "Every share must be more than 0%.")
            else:
                points[member.pk] = int(Decimal(text) * 100)
        if len(points) == len(self.members) and sum(points.values()) != 10_000:
            total = Decimal(sum(points.values())) / 100
            self.add_error(
                f"share_{self.members[0].pk}", f"The shares must add up to 100%. They add up to {total:g}%."
            )
        cleaned["basis_points"] = points
        return cleaned


class PoolLeaveForm(_Form):
    last_day = DateInputField(
        name_in_errors="the last day you share",
        label="Last day of shared support",
        help_text="You pay your share of the support given up to and including this day. For example, 27 3 2027",
    )
    reason = forms.CharField(
        label="Why are you leaving? (optional)",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The provider sees this; the other people sharing do not",
        error_messages={"max_length": f"This must be {MAX_TEXT} characters or fewer."},
    )
    individual = forms.BooleanField(
        label="Ask the provider for an individual agreement on the same terms, starting the next day",
        required=False,
    )
