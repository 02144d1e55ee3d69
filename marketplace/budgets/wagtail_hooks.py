"""A holder's ledger in the Wagtail admin (commissioners), under /admin/budgets/ (decision 0043).

No menu item: a commissioner reaches a holder's ledger from the insights report
of direct payment holders.
"""

from typing import Any

from django.urls import path
from wagtail import hooks

from marketplace.core.commissioner_admin import CommissionerViewSet

from . import admin_views


class BudgetsViewSet(CommissionerViewSet):
    name = "budgets_admin"
    url_prefix = "budgets"
    permission = admin_views.ADJUST_LEDGER

    def get_urlpatterns(self) -> list[Any]:
        return [
            path("holders/<uuid:holder_uuid>/", admin_views.HolderLedgerView.as_view(), name="holder"),
            path(
                "holders/<uuid:holder_uuid>/movements/<uuid:transaction_uuid>/correct/",
                admin_views.ReverseTransactionView.as_view(),
                name="reverse",
            ),
        ]


@hooks.register("register_admin_viewset")
def register_budgets_viewset() -> BudgetsViewSet:
    return BudgetsViewSet()
