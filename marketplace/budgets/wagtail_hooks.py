"""A holder's ledger in the Wagtail admin (commissioners), under /admin/budgets/."""

from typing import Any

from django.urls import include, path
from wagtail import hooks

from . import admin_views


@hooks.register("register_admin_urls")
def register_budgets_urls() -> list[Any]:
    urls = [
        path("holders/<uuid:holder_uuid>/", admin_views.HolderLedgerView.as_view(), name="holder"),
        path(
            "holders/<uuid:holder_uuid>/movements/<uuid:transaction_uuid>/correct/",
            admin_views.ReverseTransactionView.as_view(),
            name="reverse",
        ),
    ]
    return [path("budgets/", include((urls, "budgets_admin"), namespace="budgets_admin"))]
