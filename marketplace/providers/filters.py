"""django-filter FilterSets for the commissioners' provider screens in the admin."""

import django_filters
from wagtail.admin.filters import WagtailFilterSet

from marketplace.places.models import Locality

from .models import Provider, ServiceType


class ProviderAdminFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(choices=Provider.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Provider.Status.choices)
    locality = django_filters.ModelChoiceFilter(queryset=Locality.objects.all())
    services = django_filters.ModelChoiceFilter(queryset=ServiceType.objects.all(), label="Service")
    is_accredited = django_filters.BooleanFilter(label="Accredited")
    is_taking_new_clients = django_filters.BooleanFilter(label="Taking new clients")
    cqc_rating = django_filters.ChoiceFilter(choices=Provider.CqcRating.choices, label="CQC rating")

    class Meta:
        model = Provider
        fields = [
            "kind",
            "status",
            "locality",
            "services",
            "is_accredited",
            "is_taking_new_clients",
            "cqc_rating",
        ]
