"""The "Emails not sent" area, for commissioners only, under Settings; a large export's page, for whoever asked."""

from typing import Any

from django.urls import include, path
from wagtail import hooks

from .admin_views import MANAGE_OUTBOX, ExportDownloadView, ExportStatusView, OutboxView, ResendView
from .commissioner_admin import CommissionerViewSet


class OutboxViewSet(CommissionerViewSet):
    """Emails that could not be sent, each with a resend button (under /admin/emails/; decision 0043)."""

    name = "outbox"
    url_prefix = "emails"
    permission = MANAGE_OUTBOX
    icon = "mail"
    menu_label = "Emails not sent"
    menu_order = 900
    add_to_settings_menu = True

    def get_urlpatterns(self) -> list[Any]:
        return [
            path("", OutboxView.as_view(), name="index"),
            path("<int:pk>/resend/", ResendView.as_view(), name="resend"),
        ]


@hooks.register("register_admin_viewset")
def register_outbox_viewset() -> OutboxViewSet:
    return OutboxViewSet()


@hooks.register("register_admin_urls")
def export_urls() -> list[Any]:
    """Not a commissioner area: a large export's page belongs to whoever asked for it (core/exports.py)."""
    urls = [
        path("<uuid:token>/", ExportStatusView.as_view(), name="status"),
        path("<uuid:token>/download/", ExportDownloadView.as_view(), name="download"),
    ]
    return [path("exports/", include((urls, "exports"), namespace="exports"))]
