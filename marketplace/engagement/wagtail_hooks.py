"""The commissioners' engagement screens in the Wagtail admin.

- Safeguarding reports: messages someone reported (the only way a commissioner
  sees a message), with the review page from `admin_views.report_review`.
- Authorised people: appoint one for a holder who lacks capacity.

Who may see them is the rules': `engagement.review_reports` and
`accounts.appoint_authorised_person` (commissioners), through the shared
commissioner admin (decision 0043).
"""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from marketplace.core.commissioner_admin import CommissionerArea, CommissionerPermissionPolicy, CommissionerViewSet

from . import admin_views
from .models import MessageReport

# Commissioners list and review reports; nobody adds or deletes them here.
register_permission_policy(
    MessageReport,
    CommissionerPermissionPolicy(MessageReport, permission="engagement.review_reports", actions={"view", "change"}),
)


class ReportViewSet(CommissionerArea, ModelViewSet):
    permission = "engagement.review_reports"
    model = MessageReport
    name = "engagement_reports"
    url_prefix = "engagement/reports"
    icon = admin_views.REPORT_ICON
    menu_label = "Safeguarding reports"
    menu_order = 140
    add_to_admin_menu = True
    list_display = [
        TitleColumn(
            "provider",
            label="Provider",
            accessor="message.enquiry.provider.name",
            get_url=lambda report: reverse("engagement_reports:edit", args=[report.pk]),
        ),
        Column("reporter", label="Reported by", accessor="get_reporter_side_display"),
        "reported_at",
        "blocked",
        "status",
    ]
    list_filter = ["status", "reporter_side"]
    ordering = ["status", "-reported_at"]
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[MessageReport]:
        return MessageReport.objects.select_related("message__enquiry__provider")

    def get_index_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        # Reports come from people's conversations only: no "Add" button.
        return {**super().get_index_view_kwargs(**kwargs), "add_url_name": None}

    def get_urlpatterns(self) -> list[Any]:
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", admin_views.report_review, name="edit"),
        ]


class AuthorisedPersonViewSet(CommissionerViewSet):
    permission = "accounts.appoint_authorised_person"
    name = "engagement_authorised_person"
    url_prefix = "engagement/authorised-person"
    icon = "user"
    menu_label = "Appoint an authorised person"
    menu_order = 141
    add_to_admin_menu = True

    def get_urlpatterns(self) -> list[Any]:
        return [path("", admin_views.authorised_person_appoint, name="index")]


@hooks.register("register_admin_viewset")
def register_report_viewset() -> ReportViewSet:
    return ReportViewSet()


@hooks.register("register_admin_viewset")
def register_authorised_person_viewset() -> AuthorisedPersonViewSet:
    return AuthorisedPersonViewSet()
