"""Self-service pages of the providers app, at /provider/."""

from django.urls import path

from . import views

app_name = "providers"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("join/", views.join, name="join"),
    path("<uuid:provider_uuid>/", views.task_list, name="task_list"),
    path("<uuid:provider_uuid>/about/", views.about, name="about"),
    path("<uuid:provider_uuid>/services/", views.services, name="services"),
    path("<uuid:provider_uuid>/areas/", views.areas, name="areas"),
    path("<uuid:provider_uuid>/prices/", views.prices, name="prices"),
    path("<uuid:provider_uuid>/availability/", views.availability, name="availability"),
    path("<uuid:provider_uuid>/preview/", views.preview, name="preview"),
    path("<uuid:provider_uuid>/submit/", views.submit, name="submit"),
    path(
        "<uuid:provider_uuid>/changes/<uuid:request_uuid>/withdraw/",
        views.withdraw_change_request,
        name="withdraw_change_request",
    ),
]
