"""django-filter FilterSets for the commissioners' provider screens in the admin."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms.choosers import BaseFilterForm

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


class ProviderChooserFilterForm(BaseFilterForm):
    """Search and filters for the "Choose provider" modal: there are thousands of providers to pick from."""

    q = forms.CharField(
        label="Search providers",
        help_text="Part of the name, the web address name, email address or postcode",
        required=False,
    )
    # Wagtail's chooser reloads the results when a control marked as a search filter changes.
    kind = forms.ChoiceField(
        label="Kind",
        choices=[("", "Any kind"), *Provider.Kind.choices],
        required=False,
        widget=forms.Select(attrs={"data-chooser-modal-search-filter": True}),
    )
    status = forms.ChoiceField(
        label="Status",
        choices=[("", "Any status"), *Provider.Status.choices],
        required=False,
        widget=forms.Select(attrs={"data-chooser-modal-search-filter": True}),
    )

    def filter(self, objects: QuerySet[Provider]) -> QuerySet[Provider]:
        objects = super().filter(objects)
        words = self.cleaned_data.get("q", "").strip()
        if words:
            objects = objects.filter(
                Q(name__icontains=words)
                | Q(slug__icontains=words)
                | Q(contact_email__icontains=words)
                | Q(base_postcode__icontains=words)
            )
            self.is_searching = True
            self.search_query = words
        for name in ("kind", "status"):
            if self.cleaned_data.get(name):
                objects = objects.filter(**{name: self.cleaned_data[name]})
                self.is_searching = True
        return objects
