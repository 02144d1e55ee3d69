"""The "Contingency" area of the Wagtail admin: commissioners only."""

from typing import Any

from django.http import HttpRequest
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button

from marketplace.providers.models import Provider

from . import admin_views

PERMISSION = admin_views.PERMISSION


class CommissionersMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(PERMISSION))


contingency_urls = [
    path("", admin_views.FlagListView.as_view(), name="index"),
    path("results/", admin_views.FlagListView.as_view(results_only=True), name="index_results"),
    path("open/<int:provider_pk>/", admin_views.open_flag, name="open"),
    path("flags/<int:pk>/", admin_views.flag_page, name="flag"),
    path("flags/<int:pk>/level/", admin_views.change_level, name="change_level"),
    path("flags/<int:pk>/trigger/", admin_views.add_trigger, name="add_trigger"),
    path("flags/<int:pk>/event/", admin_views.add_event, name="add_event"),
    path("flags/<int:pk>/visibility/", admin_views.set_visibility, name="set_visibility"),
    path("flags/<int:pk>/details/", admin_views.change_details, name="change_details"),
    path("flags/<int:pk>/plan/", admin_views.upload_plan, name="upload_plan"),
    path("flags/<int:pk>/plan/review/", admin_views.review_plan, name="review_plan"),
    path("flags/<int:pk>/plan/file/", admin_views.plan_file, name="plan_file"),
    path("flags/<int:pk>/people/", admin_views.add_person, name="add_person"),
    path("flags/<int:pk>/people/<int:person_pk>/", admin_views.update_person, name="update_person"),
    path("flags/<int:pk>/close/", admin_views.close_flag, name="close"),
]


@hooks.register("register_admin_urls")
def register_contingency_urls() -> list[Any]:
    return [path("contingency/", include((contingency_urls, "contingency_admin"), namespace="contingency_admin"))]


@hooks.register("register_admin_menu_item")
def register_contingency_menu_item() -> MenuItem:
    return CommissionersMenuItem(
        "Contingency", reverse("contingency_admin:index"), name="contingency", icon_name="warning", order=135
    )


@hooks.register("register_snippet_listing_buttons")
def provider_contingency_button(snippet: Any, user: Any, next_url: str | None = None) -> Any:
    if isinstance(snippet, Provider) and user.has_perm(PERMISSION):
        yield Button(
            "Contingency flag",
            reverse("contingency_admin:open", args=[snippet.pk]),
            icon_name="warning",
            priority=30,
        )
