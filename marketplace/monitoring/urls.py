"""Self-service pages of the monitoring app: a provider's outcomes and actions, and public feedback."""

from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("feedback/<slug:slug>/", views.feedback, name="feedback"),
    path("feedback/<slug:slug>/thank-you/", views.feedback_thanks, name="feedback_thanks"),
    path("<uuid:provider_uuid>/", views.provider_outcomes, name="provider_outcomes"),
    path("<uuid:provider_uuid>/actions/<uuid:action_uuid>/", views.action_response, name="action_response"),
]
