"""Contract monitoring in the Wagtail admin: a "Monitoring" menu for commissioners.

- Contracts and lists (arrangements, with their members)
- Visits: a filtered listing with CSV/XLSX export; each visit's page records
  ratings, actions, attachments, finalising, publishing and amendments
  (`admin_views.py`)
- Feedback: the moderation queue
- Due and overdue: the risk-based schedule as a report with CSV/XLSX export

Who may do anything here is `monitoring.manage` (commissioners), through the
shared commissioner admin (decision 0043): one permission policy for every
monitoring model, the menu and the view guards. Nothing is ever deleted here:
visits, decisions and feedback are records.
"""

from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.functional import cached_property
from wagtail import hooks
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button
from wagtail.permissions import register_permission_policy

from marketplace.core.commissioner_admin import (
    CommissionerArea,
    CommissionerPermissionPolicy,
    CommissionersOnlyMixin,
    CommissionerViewSet,
)
from marketplace.providers.models import Provider

from . import admin_views
from .filters import FeedbackFilterSet, MembershipFilterSet, ScheduleFilterSet, VisitFilterSet
from .models import Arrangement, ArrangementMembership, Feedback, MonitoringVisit
from .schedule import ScheduleRow, ScheduleRows, monitoring_due, monitoring_overdue, monitoring_schedule

DEFAULT_WITHIN_DAYS = 30


def _day(day: date | None) -> str:
    """A date as the report shows it: '22 Dec 2026' (Wagtail's date column says 'just now' of future dates)."""
    return date_format(day, "j M Y") if day else "Never"


MANAGE = "monitoring.manage"
# Visits, decisions and feedback are records: commissioners add, change and view them; nobody deletes.
for monitoring_model in (Arrangement, ArrangementMembership, MonitoringVisit, Feedback):
    register_permission_policy(
        monitoring_model,
        CommissionerPermissionPolicy(monitoring_model, permission=MANAGE, actions={"add", "change", "view"}),
    )


class MonitoringViewSet(CommissionerArea, ModelViewSet):
    """A monitoring listing: commissioners only, by the policy above and the menu."""

    permission = MANAGE


class ArrangementViewSet(MonitoringViewSet):
    model = Arrangement
    name = "monitoring_arrangements"
    url_prefix = "monitoring/arrangements"
    icon = "doc-full"
    menu_label = "Contracts and lists"
    list_display = [
        "name",
        "kind",
        "starts_on",
        "ends_on",
        "monitoring_frequency_months",
        Column("members", label="Members now", accessor="current_members"),
    ]
    list_filter = ["kind"]
    search_fields = ["name", "description"]
    search_backend_name = None
    list_export = ["name", "kind", "starts_on", "ends_on", "monitoring_frequency_months"]
    export_filename = "monitoring-arrangements"
    ordering = ["name"]
    copy_view_enabled = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Arrangement]:
        today = timezone.localdate()
        current = Q(memberships__start_on__lte=today) & (
            Q(memberships__end_on__isnull=True) | Q(memberships__end_on__gte=today)
        )
        return Arrangement.objects.annotate(current_members=Count("memberships", filter=current))


class MembershipViewSet(MonitoringViewSet):
    """Who is on which arrangement: a listing of its own, as a list can have hundreds of members."""

    model = ArrangementMembership
    name = "monitoring_memberships"
    url_prefix = "monitoring/members"
    icon = "group"
    menu_label = "Members of contracts and lists"
    list_display = ["provider", "arrangement", "start_on", "end_on", "reference"]
    filterset_class = MembershipFilterSet
    search_fields = ["provider__name", "reference"]
    search_backend_name = None
    ordering = ["arrangement__name", "provider__name"]
    list_per_page = 50
    copy_view_enabled = False
    list_export = ["arrangement", "provider.name", "provider.get_kind_display", "start_on", "end_on", "reference"]
    export_headings = {"provider.name": "Provider", "provider.get_kind_display": "Kind"}
    export_filename = "monitoring-members"

    def get_index_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        # Wagtail's ModelViewSet has no get_queryset hook: the listing and its export read this.
        queryset = ArrangementMembership.objects.select_related("arrangement", "provider")
        return {**super().get_index_view_kwargs(**kwargs), "queryset": queryset}


class VisitViewSet(MonitoringViewSet):
    """The visits listing comes from Wagtail; recording, the visit's page and every change are ours."""

    model = MonitoringVisit
    name = "monitoring_visits"
    url_prefix = "monitoring/visits"
    icon = admin_views.VISIT_ICON
    menu_label = "Visits"
    list_display = ["provider", "visit_type", "visited_on", "status", "overall_rating", "officer"]
    filterset_class = VisitFilterSet
    search_fields = ["provider__name"]
    search_backend_name = None
    ordering = ["-visited_on", "-id"]
    list_per_page = 50
    copy_view_enabled = False
    list_export = [
        "provider.name",
        "provider.locality",
        "arrangement",
        "get_visit_type_display",
        "visited_on",
        "get_status_display",
        "get_assessment_and_care_planning_display",
        "get_experience_of_people_supported_display",
        "get_worker_knowledge_display",
        "get_staff_training_and_recruitment_display",
        "get_environment_equipment_and_safety_display",
        "get_leadership_and_management_display",
        "get_overall_rating_display",
        "officer",
        "finalised_at",
        "published_at",
        "follows_up_id",
        "pk",
    ]
    export_headings = {
        "provider.name": "Provider",
        "provider.locality": "Locality",
        "arrangement": "Contract or list",
        "get_visit_type_display": "Type",
        "visited_on": "Date of visit",
        "get_status_display": "Status",
        "get_assessment_and_care_planning_display": "Assessment and care planning",
        "get_experience_of_people_supported_display": "Experience of the people supported",
        "get_worker_knowledge_display": "Worker knowledge",
        "get_staff_training_and_recruitment_display": "Staff training and recruitment",
        "get_environment_equipment_and_safety_display": "Environment, equipment and safety",
        "get_leadership_and_management_display": "Leadership and management",
        "get_overall_rating_display": "Overall rating",
        "officer": "Officer",
        "finalised_at": "Finalised at",
        "published_at": "Published at",
        "follows_up_id": "Follows up visit",
        "pk": "Visit",
    }
    export_filename = "monitoring-visits"

    def get_index_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        # Wagtail's ModelViewSet has no get_queryset hook: the listing and its export read this
        # (without it the export ran three queries a visit: about a minute for the county's visits).
        queryset = MonitoringVisit.objects.select_related("provider", "provider__locality", "officer", "arrangement")
        return {**super().get_index_view_kwargs(**kwargs), "add_item_label": "Record a visit", "queryset": queryset}

    def get_urlpatterns(self) -> list[Any]:
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("new/", admin_views.VisitCreateView.as_view(), name="add"),
            path("<int:pk>/", admin_views.visit_page, name="edit"),
            path("<int:pk>/draft/", admin_views.VisitEditDraftView.as_view(), name="edit_draft"),
            path("<int:pk>/finalise/", admin_views.VisitFinaliseView.as_view(), name="finalise"),
            path("<int:pk>/publish/", admin_views.VisitPublishView.as_view(), name="publish"),
            path("<int:pk>/amend/", admin_views.VisitAmendView.as_view(), name="amend"),
            path("<int:pk>/follow-up/", admin_views.VisitFollowUpView.as_view(), name="follow_up"),
            path("<int:visit_pk>/actions/new/", admin_views.ActionAddView.as_view(), name="action_add"),
            path("actions/<int:pk>/", admin_views.ActionChangeView.as_view(), name="action_change"),
            path("<int:visit_pk>/attachments/new/", admin_views.AttachmentAddView.as_view(), name="attachment_add"),
            path("attachments/<int:pk>/", admin_views.attachment_download, name="attachment_download"),
        ]


class FeedbackViewSet(MonitoringViewSet):
    """The moderation queue: the listing comes from Wagtail, the decision from `admin_views.FeedbackModerateView`."""

    model = Feedback
    name = "monitoring_feedback"
    url_prefix = "monitoring/feedback"
    icon = "comment"
    menu_label = "Feedback"
    list_display = [
        "provider",
        Column("excerpt", label="Feedback", accessor=lambda feedback: feedback.text[:120]),
        Column("is_complaint", label="Complaint", accessor=lambda feedback: "Yes" if feedback.is_complaint else "No"),
        "rating",
        "submitted_at",
        "moderation_status",
    ]
    filterset_class = FeedbackFilterSet
    search_fields = ["provider__name", "text"]
    search_backend_name = None
    ordering = ["moderation_status", "-submitted_at"]
    copy_view_enabled = False
    list_export = [
        "provider.name",
        "get_relationship_display",
        "is_complaint",
        "rating",
        "text",
        "submitted_at",
        "get_moderation_status_display",
        "moderated_by",
        "moderated_at",
        "moderation_reason",
    ]
    export_headings = {
        "provider.name": "Provider",
        "get_relationship_display": "Relationship",
        "is_complaint": "Complaint",
        "get_moderation_status_display": "Moderation",
    }
    export_filename = "monitoring-feedback"

    def get_index_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        # Feedback comes from the public form only: no "Add" button. (ModelViewSet has no
        # get_queryset hook: the listing and its export read this queryset.)
        queryset = Feedback.objects.select_related("provider", "moderated_by")
        return {**super().get_index_view_kwargs(**kwargs), "add_url_name": None, "queryset": queryset}

    def get_urlpatterns(self) -> list[Any]:
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", admin_views.FeedbackModerateView.as_view(), name="edit"),
        ]


# The due-and-overdue report -------------------------------------------------------


class MonitoringDueReportView(CommissionersOnlyMixin, ReportView):
    """Providers on a current arrangement and when each is next due a monitoring visit, with why."""

    page_title = "Monitoring due and overdue"
    header_icon = "date"
    index_url_name = "monitoring_schedule:index"
    index_results_url_name = "monitoring_schedule:index_results"
    filterset_class = ScheduleFilterSet
    commissioner_permission = MANAGE
    paginate_by = 100
    list_export = [
        "provider.name",
        "provider.get_kind_display",
        "provider.locality",
        "arrangements_text",
        "last_visited_on",
        "last_overall_rating_label",
        "due_on",
        "state",
        "days_overdue",
        "reasons_text",
    ]
    export_headings = {
        "provider.name": "Provider",
        "provider.get_kind_display": "Kind",
        "provider.locality": "Locality",
        "arrangements_text": "Contracts and lists",
        "last_visited_on": "Last visit",
        "last_overall_rating_label": "Last overall rating",
        "due_on": "Next visit due",
        "state": "State",
        "days_overdue": "Days overdue",
        "reasons_text": "Why",
    }

    def get_filename(self) -> str:
        return f"monitoring-due-{timezone.localdate():%Y-%m-%d}"

    @cached_property
    def columns(self) -> list[Column]:
        return [
            TitleColumn(
                "provider",
                label="Provider",
                accessor="provider.name",
                get_url=lambda row: reverse("monitoring_visits:index") + f"?q={row.provider.name}",
            ),
            Column("kind", label="Kind", accessor="provider.get_kind_display"),
            Column("locality", label="Locality", accessor="provider.locality"),
            Column("arrangements", label="Contracts and lists", accessor="arrangements_text"),
            Column("last_visited_on", label="Last visit", accessor=lambda row: _day(row.last_visited_on)),
            Column("last_rating", label="Last overall rating", accessor="last_overall_rating_label"),
            Column("due_on", label="Next visit due", accessor=lambda row: _day(row.due_on)),
            Column("state", label="State", accessor=lambda row: self._state_text(row)),
            Column("reasons", label="Why", accessor="reasons_text"),
        ]

    @staticmethod
    def _state_text(row: ScheduleRow) -> str:
        if row.is_overdue:
            return f"Overdue by {row.days_overdue} day{'s' if row.days_overdue != 1 else ''}"
        return "Due"

    def _choices(self) -> tuple[str, int]:
        data = self.filters.form.cleaned_data if self.filters and self.filters.is_valid() else {}
        show = data.get("show") or ScheduleFilterSet.SHOW_DUE
        within_days = data.get("within_days")
        return show, DEFAULT_WITHIN_DAYS if within_days is None else int(within_days)

    def get_filtered_queryset(self) -> ScheduleRows:
        """The schedule's rows the filters choose, by the same selectors the dashboard counts: a page loads only
        the providers it shows."""
        providers = Provider.objects.all()
        if self.filters and self.filters.is_valid():
            providers = self.filters.filter_queryset(providers)
        today = timezone.localdate()
        show, within_days = self._choices()
        if show == ScheduleFilterSet.SHOW_OVERDUE:
            return monitoring_overdue(today=today, providers=providers)
        if show == ScheduleFilterSet.SHOW_DUE:
            return monitoring_due(today=today, within_days=within_days, providers=providers)
        if show == ScheduleFilterSet.SHOW_UPCOMING:
            return monitoring_due(today=today, within_days=within_days, providers=providers).due_between(first=today)
        return monitoring_schedule(today=today, providers=providers)


class MonitoringDueViewSet(CommissionerViewSet):
    name = "monitoring_schedule"
    url_prefix = "monitoring/due"
    permission = MANAGE
    icon = "date"
    menu_label = "Due and overdue"

    def get_urlpatterns(self) -> list[Any]:
        view = MonitoringDueReportView
        return [
            path("", view.as_view(), name="index"),
            path("results/", view.as_view(results_only=True), name="index_results"),
        ]


class MonitoringGroup(ViewSetGroup):
    items = (VisitViewSet, MonitoringDueViewSet, FeedbackViewSet, ArrangementViewSet, MembershipViewSet)
    menu_icon = admin_views.VISIT_ICON
    menu_label = "Monitoring"
    menu_name = "monitoring"
    menu_order = 130


@hooks.register("register_admin_viewset")
def register_monitoring_viewsets() -> MonitoringGroup:
    return MonitoringGroup()


@hooks.register("register_snippet_listing_buttons")
def record_visit_button(snippet: Any, user: Any, next_url: str | None = None) -> Any:
    """A "Record a monitoring visit" button on each provider in the providers listing."""
    if isinstance(snippet, Provider) and user.has_perm(MANAGE):
        yield Button(
            "Record a monitoring visit",
            reverse("monitoring_visits:add") + f"?provider={snippet.pk}",
            icon_name=admin_views.VISIT_ICON,
            priority=40,
        )
