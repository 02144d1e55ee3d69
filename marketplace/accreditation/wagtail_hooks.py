"""The "Vetting" menu in the Wagtail admin, for commissioners only (rules perm `accreditation.decide`).

- Review queue: providers waiting for a decision, with each provider's review
  and the evidence viewer (admin_views.py).
- Checks: the vetting check types and which kinds of provider need them.
- Reports: checks expiring in the next 30 days, and the accredited supplier
  list, each downloadable as CSV or Excel (reports.py).
"""

from typing import Any

from django.http import HttpRequest
from django.urls import path
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .admin_views import (
    CheckTypeDeleteView,
    CommissionerPermissionPolicy,
    DecideAccreditationView,
    DecideCheckView,
    EvidenceFileView,
    EvidenceViewerView,
    ProviderReviewView,
    ReviewQueueView,
    is_commissioner,
)
from .models import CheckType
from .reports import AccreditedSupplierReportView, ExpiringChecksReportView


class CommissionerMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return is_commissioner(request.user)


class CommissionerViewSet(ViewSet):
    menu_item_class = CommissionerMenuItem


class ReviewViewSet(CommissionerViewSet):
    name = "accreditation_review"
    url_prefix = "vetting"
    icon = "tasks"
    menu_label = "Review queue"

    def get_urlpatterns(self) -> list[Any]:
        return [
            path("", ReviewQueueView.as_view(), name="queue"),
            path("results/", ReviewQueueView.as_view(results_only=True), name="queue_results"),
            path("providers/<int:pk>/", ProviderReviewView.as_view(), name="review"),
            path("providers/<int:pk>/decision/", DecideAccreditationView.as_view(), name="decide"),
            path("providers/<int:pk>/checks/<int:check_pk>/", DecideCheckView.as_view(), name="decide_check"),
            path("evidence/<uuid:evidence_uuid>/", EvidenceViewerView.as_view(), name="evidence"),
            path("evidence/<uuid:evidence_uuid>/file/", EvidenceFileView.as_view(), name="evidence_file"),
        ]


class ExpiringChecksReportViewSet(CommissionerViewSet):
    name = "accreditation_expiring_report"
    url_prefix = "vetting/reports/expiring"
    icon = "time"
    menu_label = "Checks expiring soon"

    def get_urlpatterns(self) -> list[Any]:
        return [
            path("", ExpiringChecksReportView.as_view(), name="index"),
            path("results/", ExpiringChecksReportView.as_view(results_only=True), name="results"),
        ]


class AccreditedSupplierReportViewSet(CommissionerViewSet):
    name = "accreditation_accredited_report"
    url_prefix = "vetting/reports/accredited"
    icon = "success"
    menu_label = "Accredited supplier list"

    def get_urlpatterns(self) -> list[Any]:
        return [
            path("", AccreditedSupplierReportView.as_view(), name="index"),
            path("results/", AccreditedSupplierReportView.as_view(results_only=True), name="results"),
        ]


class CheckTypeViewSet(SnippetViewSet):
    delete_view_class = CheckTypeDeleteView
    model = CheckType
    icon = "list-ul"
    menu_label = "Checks required"
    list_display = ["name", "code", "has_expiry", "needs_evidence", "sort_order"]
    search_fields = ["name", "code", "public_description"]
    search_backend_name = None  # plain database filtering: check types are not in Wagtail's index
    ordering = ["sort_order", "name"]
    menu_item_is_registered = True  # in the Vetting menu, not under Snippets


class VettingGroup(ViewSetGroup):
    items = (ReviewViewSet, CheckTypeViewSet, ExpiringChecksReportViewSet, AccreditedSupplierReportViewSet)
    menu_icon = "tasks"
    menu_label = "Vetting"
    menu_name = "vetting"
    menu_order = 120


# Only commissioners configure the checks: the site's rule, not Django model permissions.
register_permission_policy(CheckType, CommissionerPermissionPolicy(CheckType), exact_class=True)
register_snippet(VettingGroup)
