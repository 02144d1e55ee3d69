"""Reads behind the commissioners' vetting screens: the review queue and its FilterSets.

The queue is every provider a commissioner has something to decide on: an
application for accreditation, or a check submitted for review. It waits from
the older of the two, and is shown oldest first.
"""

from datetime import timedelta

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from wagtail.admin.filters import WagtailFilterSet

from marketplace.places.models import Locality
from marketplace.providers.models import Provider

from .models import Accreditation, ProviderCheck
from .selectors import review_queue

__all__ = ["AccreditedSupplierFilterSet", "ExpiringChecksFilterSet", "ReviewQueueFilterSet", "review_queue"]

WAITING_CHOICES = [
    ("7", "More than 7 days"),
    ("14", "More than 14 days"),
    ("28", "More than 28 days"),
]


class ReviewQueueFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(choices=Provider.Kind.choices, label="Kind")
    locality = django_filters.ModelChoiceFilter(queryset=Locality.objects.all(), label="Locality")
    waiting = django_filters.ChoiceFilter(choices=WAITING_CHOICES, label="Waiting", method="filter_waiting")
    waiting_for = django_filters.ChoiceFilter(
        choices=[("application", "A decision on accreditation"), ("checks", "Checks to review")],
        label="Waiting for",
        method="filter_waiting_for",
    )

    class Meta:
        model = Provider
        fields = ["kind", "locality", "waiting", "waiting_for"]

    def filter_waiting(self, queryset: QuerySet[Provider], name: str, value: str) -> QuerySet[Provider]:
        if not value:
            return queryset
        return queryset.filter(waiting_since__lt=timezone.now() - timedelta(days=int(value)))

    def filter_waiting_for(self, queryset: QuerySet[Provider], name: str, value: str) -> QuerySet[Provider]:
        if value == "application":
            return queryset.filter(accreditation__status=Accreditation.Status.APPLIED)
        if value == "checks":
            return queryset.filter(checks_waiting__gt=0)
        return queryset


class ExpiringChecksFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(field_name="provider__kind", choices=Provider.Kind.choices, label="Kind")
    locality = django_filters.ModelChoiceFilter(
        field_name="provider__locality", queryset=Locality.objects.all(), label="Locality"
    )

    class Meta:
        model = ProviderCheck
        fields = ["kind", "locality"]


class AccreditedSupplierFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(choices=Provider.Kind.choices, label="Kind")
    locality = django_filters.ModelChoiceFilter(queryset=Locality.objects.all(), label="Locality")

    class Meta:
        model = Provider
        fields = ["kind", "locality"]
