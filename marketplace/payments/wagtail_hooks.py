"""The "Online payments" area of the Wagtail admin: commissioners only."""

from typing import Any

from django.http import HttpRequest
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views


class CommissionersMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(admin_views.VIEW_PERMISSION))


payments_admin_urls = [
    path("", admin_views.PaymentListView.as_view(), name="index"),
    path("results/", admin_views.PaymentListView.as_view(results_only=True), name="index_results"),
    path("<int:pk>/", admin_views.payment_page, name="payment"),
    path("<int:pk>/refund/", admin_views.refund, name="refund"),
    path("payouts/", admin_views.PayoutListView.as_view(), name="payouts"),
    path("payouts/results/", admin_views.PayoutListView.as_view(results_only=True), name="payouts_results"),
    path("providers/", admin_views.ProviderTotalsView.as_view(), name="providers"),
    path("providers/results/", admin_views.ProviderTotalsView.as_view(results_only=True), name="providers_results"),
    path("reconciliation/", admin_views.ReconciliationListView.as_view(), name="reports"),
    path(
        "reconciliation/results/",
        admin_views.ReconciliationListView.as_view(results_only=True),
        name="reports_results",
    ),
    path("reconciliation/<int:pk>/", admin_views.reconciliation_report, name="report"),
]


@hooks.register("register_admin_urls")
def register_payments_admin_urls() -> list[Any]:
    return [path("online-payments/", include((payments_admin_urls, "payments_admin"), namespace="payments_admin"))]


@hooks.register("register_admin_menu_item")
def register_payments_menu_item() -> MenuItem:
    return CommissionersMenuItem(
        "Online payments", reverse("payments_admin:index"), name="online-payments", icon_name="pick", order=140
    )
