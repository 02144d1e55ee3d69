"""django-filter FilterSets for the commissioners' monitoring screens in the Wagtail admin."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from marketplace.places.models import Locality
from marketplace.providers.models import Provider

from .forms import officers
from .models import Arrangement, ArrangementMembership, Feedback, MonitoringVisit, Rating


class VisitFilterSet(WagtailFilterSet):
    visit_type = django_filters.ChoiceFilter(label="Type", choices=MonitoringVisit.VisitType.choices)
    overall_rating = django_filters.ChoiceFilter(label="Overall rating", choices=Rating.choices)
    status = django_filters.ChoiceFilter(label="Status", choices=MonitoringVisit.Status.choices)
    officer = django_filters.ModelChoiceFilter(label="Officer", queryset=lambda request: officers())
    visited_on = django_filters.DateFromToRangeFilter(label="Date of visit", widget=DateRangePickerWidget)
    locality = django_filters.ModelChoiceFilter(
        label="Locality", field_name="provider__locality", queryset=Locality.objects.all()
    )
    arrangement = django_filters.ModelChoiceFilter(label="Contract or list", queryset=Arrangement.objects.all())

    class Meta:
        model = MonitoringVisit
        fields = ["visit_type", "overall_rating", "status", "officer", "visited_on", "locality", "arrangement"]


class MembershipFilterSet(WagtailFilterSet):
    arrangement = django_filters.ModelChoiceFilter(label="Contract or list", queryset=Arrangement.objects.all())
    is_current = django_filters.BooleanFilter(label="In force today", method="filter_is_current")
    provider__kind = django_filters.ChoiceFilter(label="Kind", choices=Provider.Kind.choices)

    class Meta:
        model = ArrangementMembership
        fields = ["arrangement", "is_current", "provider__kind"]

    def filter_is_current(
        self, queryset: QuerySet[ArrangementMembership], name: str, value: bool | None
    ) -> QuerySet[ArrangementMembership]:
        if value is None:
            return queryset
        today = timezone.localdate()
        current = Q(start_on__lte=today) & (Q(end_on__isnull=True) | Q(end_on__gte=today))
        return queryset.filter(current) if value else queryset.exclude(current)


class FeedbackFilterSet(WagtailFilterSet):
    moderation_status = django_filters.ChoiceFilter(label="Moderation", choices=Feedback.Moderation.choices)
    is_complaint = django_filters.BooleanFilter(label="Complaint")
    submitted_at = django_filters.DateFromToRangeFilter(label="Submitted", widget=DateRangePickerWidget)

    class Meta:
        model = Feedback
        fields = ["moderation_status", "is_complaint", "submitted_at"]


class ScheduleFilterSet(WagtailFilterSet):
    """Narrows the providers the due-and-overdue report considers; `show` and `within_days` pick the rows."""

    SHOW_DUE = "due"
    SHOW_UPCOMING = "upcoming"
    SHOW_OVERDUE = "overdue"
    SHOW_ALL = "all"

    show = django_filters.ChoiceFilter(
        label="Show",
        choices=[
            (SHOW_DUE, "Due soon or overdue"),
            (SHOW_UPCOMING, "Due soon, not yet overdue"),
            (SHOW_OVERDUE, "Overdue only"),
            (SHOW_ALL, "Every provider on an arrangement"),
        ],
        empty_label=None,
        method="keep",
    )
    within_days = django_filters.NumberFilter(label="Due within (days)", method="keep", min_value=0, max_value=3650)
    arrangement = django_filters.ModelChoiceFilter(
        label="Contract or list",
        field_name="arrangement_memberships__arrangement",
        queryset=Arrangement.objects.all(),
        distinct=True,
    )
    kind = django_filters.ChoiceFilter(label="Kind", choices=Provider.Kind.choices)
    locality = django_filters.ModelChoiceFilter(label="Locality", queryset=Locality.objects.all())

    class Meta:
        model = Provider
        fields = ["show", "within_days", "arrangement", "kind", "locality"]

    def keep(self, queryset: QuerySet[Provider], name: str, value: Any) -> QuerySet[Provider]:
        """`show` and `within_days` choose rows of the schedule, not providers: read by the report."""
        return queryset
