"""The morning dashboard in the Wagtail admin (decision 0043): its area, its reports and the home page panel."""

from functools import partial
from typing import Any

from django.http import HttpRequest
from django.urls import path, reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from marketplace.core.commissioner_admin import CommissionerMenuItem, CommissionerViewSet

from .selectors import morning_figures
from .views import DASHBOARD_TITLE, PERMISSION, REPORT_VIEWS, DashboardView, dashboard_headlines


class InsightsViewSet(CommissionerViewSet):
    """The dashboard (first in the main menu) and its reports (in Wagtail's Reports menu), under /admin/insights/."""

    name = "insights"
    url_prefix = "insights"
    permission = PERMISSION
    icon = "site"
    menu_label = DASHBOARD_TITLE
    menu_name = "morning-dashboard"
    # Ordered before Wagtail's own items (Pages is 100), so it is the first thing a commissioner sees.
    menu_order = 1
    add_to_admin_menu = True

    def get_urlpatterns(self) -> list[Any]:
        return [
            path("", DashboardView.as_view(), name="dashboard"),
            *(
                path(f"{view.url_name.replace('_', '-')}/", view.as_view(), name=view.url_name)
                for view in REPORT_VIEWS
            ),
        ]

    def register_menu_item(self) -> None:
        super().register_menu_item()
        for order, view in enumerate(REPORT_VIEWS, start=10):
            hooks.register("register_reports_menu_item", partial(self.report_menu_item, view, order))

    def report_menu_item(self, view: Any, order: int) -> MenuItem:
        return CommissionerMenuItem(
            view.page_title,
            reverse(self.get_url_name(view.url_name)),
            name=f"insights-{view.url_name}",
            icon_name="table",
            order=order,
            permission=self.permission,
        )


@hooks.register("register_admin_viewset")
def register_insights_viewset() -> InsightsViewSet:
    return InsightsViewSet()


class MorningDashboardPanel(Component):
    """The dashboard's headline counts on the Wagtail home page, each linking to its report."""

    name = "morning_dashboard"
    template_name = "insights/home_panel.html"
    order = 50  # above Wagtail's own panels (workflow, recent edits...)

    def get_context_data(self, parent_context: Any) -> dict[str, Any]:
        return {
            "headlines": dashboard_headlines(morning_figures(today=timezone.localdate())),
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
