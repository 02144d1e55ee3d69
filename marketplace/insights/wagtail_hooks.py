"""The morning dashboard in the Wagtail admin: its menu item (first), its reports and the home page panel."""

from typing import Any

from django.http import HttpRequest
from django.urls import include, path, reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from . import admin_urls
from .views import DASHBOARD_TITLE, PERMISSION, REPORT_VIEWS, dashboard_headlines


class CommissionersMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(PERMISSION))


@hooks.register("register_admin_urls")
def register_insights_urls() -> list[Any]:
    return [path("insights/", include((admin_urls.urlpatterns, "insights"), namespace="insights"))]


@hooks.register("register_admin_menu_item")
def register_dashboard_menu_item() -> MenuItem:
    # Ordered before Wagtail's own items (Pages is 100), so it is the first thing a commissioner sees.
    return CommissionersMenuItem(
        DASHBOARD_TITLE, reverse("insights:dashboard"), name="morning-dashboard", icon_name="site", order=1
    )


def _register_report(view: Any, order: int) -> None:
    @hooks.register("register_reports_menu_item")
    def register() -> MenuItem:
        return CommissionersMenuItem(
            view.page_title,
            reverse(f"insights:{view.url_name}"),
            name=f"insights-{view.url_name}",
            icon_name="table",
            order=order,
        )


for _order, _view in enumerate(REPORT_VIEWS):
    _register_report(_view, 10 + _order)


class MorningDashboardPanel(Component):
    """The dashboard's headline counts on the Wagtail home page, each linking to its report."""

    name = "morning_dashboard"
    template_name = "insights/home_panel.html"
    order = 50  # above Wagtail's own panels (workflow, recent edits...)

    def get_context_data(self, parent_context: Any) -> dict[str, Any]:
        return {
            "headlines": dashboard_headlines(today=timezone.localdate()),
            "dashboard_url": reverse("insights:dashboard"),
            "title": DASHBOARD_TITLE,
        }


@hooks.register("construct_homepage_panels")
def add_morning_dashboard_panel(request: HttpRequest, panels: list[Any]) -> None:
    if request.user.has_perm(PERMISSION):
        panels.append(MorningDashboardPanel())


@hooks.register("insert_global_admin_css")
def insights_css() -> str:
    from django.templatetags.static import static
    from django.utils.html import format_html

    return format_html('<link rel="stylesheet" href="{}">', static("insights/insights.css"))
