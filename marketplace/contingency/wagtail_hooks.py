"""The "Contingency" area of the Wagtail admin: commissioners only (decision 0043)."""

from typing import Any

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.widgets import Button

from marketplace.core.commissioner_admin import CommissionerViewSet
from marketplace.providers.models import Provider

from . import admin_views

PERMISSION = admin_views.PERMISSION


class ContingencyViewSet(CommissionerViewSet):
    """Flags: the listing, a flag's page, and one URL for each form on it (under /admin/contingency/)."""

    name = "contingency_admin"
    url_prefix = "contingency"
    permission = PERMISSION
    icon = "warning"
    menu_label = "Contingency"
    menu_name = "contingency"
    menu_order = 135
    add_to_admin_menu = True

    def get_urlpatterns(self) -> list[Any]:
        return [
            path("", admin_views.FlagListView.as_view(), name="index"),
            path("results/", admin_views.FlagListView.as_view(results_only=True), name="index_results"),
            path("open/<int:provider_pk>/", admin_views.OpenFlagView.as_view(), name="open"),
            path("flags/<int:pk>/", admin_views.flag_page, name="flag"),
            path("flags/<int:pk>/level/", admin_views.ChangeLevelView.as_view(), name="change_level"),
            path("flags/<int:pk>/trigger/", admin_views.AddTriggerView.as_view(), name="add_trigger"),
            path("flags/<int:pk>/event/", admin_views.AddEventView.as_view(), name="add_event"),
            path("flags/<int:pk>/visibility/", admin_views.SetVisibilityView.as_view(), name="set_visibility"),
            path("flags/<int:pk>/details/", admin_views.ChangeDetailsView.as_view(), name="change_details"),
            path("flags/<int:pk>/plan/", admin_views.UploadPlanView.as_view(), name="upload_plan"),
            path("flags/<int:pk>/plan/review/", admin_views.ReviewPlanView.as_view(), name="review_plan"),
            path("flags/<int:pk>/plan/file/", admin_views.plan_file, name="plan_file"),
            path("flags/<int:pk>/people/", admin_views.AddPersonView.as_view(), name="add_person"),
            path(
                "flags/<int:pk>/people/<int:person_pk>/", admin_views.UpdatePersonView.as_view(), name="update_person"
            ),
            path("flags/<int:pk>/close/", admin_views.CloseFlagView.as_view(), name="close"),
        ]


@hooks.register("register_admin_viewset")
def register_contingency_viewset() -> ContingencyViewSet:
    return ContingencyViewSet()


@hooks.register("register_snippet_listing_buttons")
def provider_contingency_button(snippet: Any, user: Any, next_url: str | None = None) -> Any:
    if isinstance(snippet, Provider) and user.has_perm(PERMISSION):
        yield Button(
            "Contingency flag",
            reverse("contingency_admin:open", args=[snippet.pk]),
            icon_name="warning",
            priority=30,
        )
