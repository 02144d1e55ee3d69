"""The "Online payments" area of the Wagtail admin: commissioners only (decision 0043)."""

from typing import Any

from django.urls import path
from wagtail import hooks

from marketplace.core.commissioner_admin import CommissionerViewSet

from . import admin_views


class PaymentsViewSet(CommissionerViewSet):
    """Payments, payouts, totals by provider and the nightly checks against Stripe (under /admin/online-payments/)."""

    name = "payments_admin"
    url_prefix = "online-payments"
    permission = admin_views.VIEW_PERMISSION
    icon = "pick"
    menu_label = "Online payments"
    menu_name = "online-payments"
    menu_order = 140
    add_to_admin_menu = True

    def get_urlpatterns(self) -> list[Any]:
        return [
            path("", admin_views.PaymentListView.as_view(), name="index"),
            path("results/", admin_views.PaymentListView.as_view(results_only=True), name="index_results"),
            path("<int:pk>/", admin_views.payment_page, name="payment"),
            path("<int:pk>/refund/", admin_views.RefundView.as_view(), name="refund"),
            path("payouts/", admin_views.PayoutListView.as_view(), name="payouts"),
            path("payouts/results/", admin_views.PayoutListView.as_view(results_only=True), name="payouts_results"),
            path("providers/", admin_views.ProviderTotalsView.as_view(), name="providers"),
            path(
                "providers/results/",
                admin_views.ProviderTotalsView.as_view(results_only=True),
                name="providers_results",
            ),
            path("reconciliation/", admin_views.ReconciliationListView.as_view(), name="reports"),
            path(
                "reconciliation/results/",
                admin_views.ReconciliationListView.as_view(results_only=True),
                name="reports_results",
            ),
            path("reconciliation/<int:pk>/", admin_views.reconciliation_report, name="report"),
        ]


@hooks.register("register_admin_viewset")
def register_payments_viewset() -> PaymentsViewSet:
    return PaymentsViewSet()
