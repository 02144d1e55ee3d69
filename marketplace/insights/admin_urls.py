"""The dashboard and reports, mounted under /admin/insights/ by wagtail_hooks (namespace "insights")."""

from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    *(path(f"{view.url_name.replace('_', '-')}/", view.as_view(), name=view.url_name) for view in views.REPORT_VIEWS),
]
