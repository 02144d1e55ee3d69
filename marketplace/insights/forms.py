"""The filter forms above each report (GET forms: a report's address says what it shows)."""

from typing import Any

from django import forms

from marketplace.accreditation.models import Accreditation
from marketplace.monitoring.models import Rating
from marketplace.places.models import Locality
from marketplace.providers.models import Provider, ServiceType

from .market import DEFAULT_GAP_MILES, default_gap_service

MAX_GAP_MILES = 50
WINDOW_CHOICES = [(7, "7 days"), (14, "14 days"), (30, "30 days"), (60, "60 days"), (90, "90 days")]


class ReportForm(forms.Form):
    """A report's filters. Missing values take the defaults; wrong ones are errors shown on the page."""

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        # Only this form's fields count: "export" or a page number alone is not a filter.
        if data is not None and not any(name in data for name in self.base_fields):
            data = None
        super().__init__(data, **kwargs)

    def value(self, name: str) -> Any:
        """The cleaned value, or the field's initial value when the form was not submitted or is invalid."""
        if self.is_bound and self.is_valid():
            cleaned = self.cleaned_data.get(name)
            if cleaned not in (None, ""):
                return cleaned
        initial = self.fields[name].initial
        return initial() if callable(initial) else initial


class AccreditationPipelineForm(ReportForm):
    status = forms.ChoiceField(
        label="Accreditation status", choices=[("", "Any status"), *Accreditation.Status.choices], required=False
    )


class FlagsForm(ReportForm):
    level = forms.ChoiceField(label="Level", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from marketplace.contingency.models import OPEN_LEVELS, Level

        super().__init__(*args, **kwargs)
        labels = dict(Level.choices)
        self.fields["level"].choices = [("", "Any level"), *((level, labels[level]) for level in OPEN_LEVELS)]  # type: ignore[attr-defined]


class RatingsForm(ReportForm):
    cqc_rating = forms.ChoiceField(
        label="CQC rating",
        choices=[("", "Any rating"), *Provider.CqcRating.choices, ("none", "Not rated")],
        required=False,
    )
    monitoring_rating = forms.ChoiceField(
        label="Latest monitoring rating",
        choices=[("", "Any rating"), *Rating.choices, ("none", "Not visited yet")],
        required=False,
    )


class MarketForm(ReportForm):
    locality = forms.ModelChoiceField(
        label="Locality", queryset=Locality.objects.order_by("name"), required=False, empty_label="All localities"
    )
    service = forms.ModelChoiceField(
        label="Service",
        queryset=ServiceType.objects.order_by("sort_order", "name"),
        required=False,
        empty_label="All services",
    )
    only_gaps = forms.BooleanField(
        label="Only gaps: nobody taking new clients, or under half the county's free capacity per holder",
        required=False,
    )
    only_demand = forms.BooleanField(label="Only where people are asking (open adverts or enquiries)", required=False)


class NeedsForm(ReportForm):
    locality = forms.ModelChoiceField(
        label="Locality", queryset=Locality.objects.order_by("name"), required=False, empty_label="All localities"
    )
    service = forms.ModelChoiceField(
        label="Offering",
        queryset=ServiceType.objects.order_by("sort_order", "name"),
        required=False,
        empty_label="Any service",
    )
    only_gaps = forms.BooleanField(label="Only needs nobody is taking new clients for", required=False)


class RuralGapsForm(ReportForm):
    service = forms.ModelChoiceField(
        label="Service",
        queryset=ServiceType.objects.order_by("sort_order", "name"),
        required=False,
        empty_label=None,
        initial=default_gap_service,
    )
    miles = forms.DecimalField(
        label="Within (miles)",
        min_value=0.5,
        max_value=MAX_GAP_MILES,
        decimal_places=1,
        required=False,
        initial=DEFAULT_GAP_MILES,
        error_messages={
            "min_value": "Enter a distance of at least half a mile.",
            "max_value": f"Enter a distance of {MAX_GAP_MILES} miles or less.",
            "invalid": "Enter the distance as a number of miles, like 5.",
            "max_decimal_places": "Enter the distance to one decimal place at most, like 2.5.",
        },
    )
    locality = forms.ModelChoiceField(
        label="Locality", queryset=Locality.objects.order_by("name"), required=False, empty_label="All localities"
    )


def _year_ago() -> Any:
    from datetime import timedelta

    from django.utils import timezone

    return timezone.localdate() - timedelta(days=364)


def _today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


class DirectPaymentSpendingForm(ReportForm):
    """Spending from the personal budget ledgers: grouped by what, over which days."""

    group_by = forms.ChoiceField(
        label="Group by",
        choices=[
            ("service", "Service"),
            ("provider_kind", "Kind of provider"),
            ("locality", "Locality"),
            ("route", "How it was paid (online, card, bank transfer...)"),
        ],
        initial="service",
        required=False,
    )
    start = forms.DateField(
        label="From",
        initial=_year_ago,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date, like 2026-04-01"},
    )
    end = forms.DateField(
        label="To",
        initial=_today,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date, like 2027-03-31"},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "The last day must be on or after the first day")
        return cleaned


class DirectPaymentHoldersForm(ReportForm):
    only_over = forms.BooleanField(label="Only holders above the surplus threshold", required=False)
