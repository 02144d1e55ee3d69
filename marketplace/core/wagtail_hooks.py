"""The "Emails not sent" screen, for commissioners only, under Settings; a large export's page, for whoever asked."""

from typing import Any

from django.http import HttpRequest
from django.urls import include, path
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .admin_views import MANAGE_OUTBOX, ExportDownloadView, ExportStatusView, OutboxView, ResendView


class OutboxMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(MANAGE_OUTBOX))


@hooks.register("register_admin_urls")
def outbox_urls() -> list[Any]:
    urls = [
        path("", OutboxView.as_view(), name="index"),
        path("<int:pk>/resend/", ResendView.as_view(), name="resend"),
    ]
    export_urls = [
        path("<uuid:token>/", ExportStatusView.as_view(), name="status"),
        path("<uuid:token>/download/", ExportDownloadView.as_view(), name="download"),
    ]
    return [
        path("emails/", include((urls, "outbox"), namespace="outbox")),
        path("exports/", include((export_urls, "exports"), namespace="exports")),
    ]


@hooks.register("register_settings_menu_item")
def outbox_menu_item() -> MenuItem:
    return OutboxMenuItem("Emails not sent", "/admin/emails/", icon_name="mail", order=900)
