"""Self-service pages of the accreditation app: a provider's vetting checks, workers and evidence."""

from django.urls import path

from . import views

app_name = "accreditation"
urlpatterns = [
    path("", views.index, name="index"),
    path("evidence/<uuid:evidence_uuid>/", views.evidence, name="evidence"),
    path("<uuid:provider_uuid>/", views.checks, name="checks"),
    path("<uuid:provider_uuid>/apply/", views.apply, name="apply"),
    path("<uuid:provider_uuid>/checks/<uuid:check_uuid>/", views.check, name="check"),
    path("<uuid:provider_uuid>/workers/", views.workers, name="workers"),
    path("<uuid:provider_uuid>/workers/<int:worker_id>/remove/", views.worker_remove_view, name="worker_remove"),
]
