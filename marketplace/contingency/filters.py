"""django-filter FilterSet for the commissioners' list of contingency flags."""

from typing import Any

import django_filters
from django.db.models import QuerySet
from wagtail.admin.filters import WagtailFilterSet

from marketplace.places.models import Locality

from .models import ContingencyFlag, Duty, Level


class FlagFilterSet(WagtailFilterSet):
    state = django_filters.ChoiceFilter(
        label="Open or closed",
        choices=[("open", "Open"), ("closed", "Closed")],
        method="filter_state",
        empty_label="Open and closed",
    )
    level = django_filters.ChoiceFilter(choices=Level.choices)
    locality = django_filters.ModelChoiceFilter(
        field_name="provider__locality", queryset=Locality.objects.all(), label="Locality"
    )
    duty = django_filters.ChoiceFilter(choices=Duty.choices)

    class Meta:
        model = ContingencyFlag
        fields = ["state", "level", "locality", "duty"]

    def filter_state(self, queryset: QuerySet[ContingencyFlag], name: str, value: Any) -> QuerySet[ContingencyFlag]:
        if value == "open":
            return queryset.filter(closed_at__isnull=True)
        if value == "closed":
            return queryset.filter(closed_at__isnull=False)
        return queryset
