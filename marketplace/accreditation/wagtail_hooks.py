"""The "Vetting" menu in the Wagtail admin, for commissioners only (rules perm `accreditation.decide`; decision 0043).

- Review queue: providers waiting for a decision, with each provider's review
  and the evidence viewer (admin_views.py).
- Checks: the vetting check types and which kinds of provider need them.
- Reports: checks expiring in the next 30 days, and the accredited supplier
  list, each downloadable as CSV or Excel (reports.py).
"""

from typing import Any

from django.urls import path
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from marketplace.core.commissioner_admin import CommissionerArea, CommissionerPermissionPolicy, CommissionerViewSet

from .admin_views import (
    DECIDE,
    CheckTypeDeleteView,
    DecideAccreditationView,
    DecideCheckView,
    EvidenceFileView,
    EvidenceViewerView,
    ProviderReviewView,
    ReviewQueueView,
)
from .models import CheckType
from .reports import AccreditedSupplierReportView, ExpiringChecksReportView


class VettingViewSet(CommissionerViewSet):
    permission = DECIDE


class ReviewViewSet(VettingViewSet):
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


class ExpiringChecksReportViewSet(VettingViewSet):
    name = "accreditation_expiring_report"
    url_prefix = "vetting/reports/expiring"
    icon = "time"
    menu_label = "Checks expiring soon"

    def get_urlpatterns(self) -> list[Any]:
        return [
            path("", ExpiringChecksReportView.as_view(), name="index"),
            path("results/", ExpiringChecksReportView.as_view(results_only=True), name="results"),
        ]


class AccreditedSupplierReportViewSet(VettingViewSet):
    name = "accreditation_accredited_report"
    url_prefix = "vetting/reports/accredited"
    icon = "success"
    menu_label = "Accredited supplier list"

    def get_urlpatterns(self) -> list[Any]:
        return [
            path("", AccreditedSupplierReportView.as_view(), name="index"),
            path("results/", AccreditedSupplierReportView.as_view(results_only=True), name="results"),
        ]


class CheckTypeViewSet(CommissionerArea, SnippetViewSet):
    permission = DECIDE
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
register_permission_policy(CheckType, CommissionerPermissionPolicy(CheckType, permission=DECIDE), exact_class=True)
register_snippet(VettingGroup)
