"""The commissioners' engagement screens in the Wagtail admin.

- Safeguarding reports: messages someone reported (the only way a commissioner
  sees a message), with the review page from `admin_views.report_review`.
- Authorised people: appoint one for a holder who lacks capacity.

Who may see them is the rules': `engagement.review_reports` and
`accounts.appoint_authorised_person` (commissioners).
"""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.functional import cached_property
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from marketplace.accounts.models import User

from . import admin_views
from .models import MessageReport


class ReportPermissionPolicy(BasePermissionPolicy):
    """Commissioners (engagement.review_reports) list and review reports; nobody adds or deletes them here."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        return action in {"view", "change"} and bool(user.has_perm("engagement.review_reports"))

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions: Any) -> QuerySet[User]:
        if not set(actions) & {"view", "change"}:
            return User.objects.none()
        return User.objects.commissioners()


register_permission_policy(MessageReport, ReportPermissionPolicy(MessageReport))


class ReportViewSet(ModelViewSet):
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


class AuthorisedPersonViewSet(ViewSet):
    name = "engagement_authorised_person"
    url_prefix = "engagement/authorised-person"
    icon = "user"
    menu_label = "Appoint an authorised person"
    menu_order = 141
    add_to_admin_menu = True

    @cached_property
    def menu_item_class(self) -> type[MenuItem]:
        class CommissionersOnlyMenuItem(MenuItem):
            def is_shown(self, request: HttpRequest) -> bool:
                return bool(request.user.has_perm("accounts.appoint_authorised_person"))

        return CommissionersOnlyMenuItem

    def get_urlpatterns(self) -> list[Any]:
        return [path("", admin_views.authorised_person_appoint, name="index")]


@hooks.register("register_admin_viewset")
def register_report_viewset() -> ReportViewSet:
    return ReportViewSet()


@hooks.register("register_admin_viewset")
def register_authorised_person_viewset() -> AuthorisedPersonViewSet:
    return AuthorisedPersonViewSet()
