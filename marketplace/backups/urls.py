"""Pages of the back-ups app: a back-up plan, a "cannot come" alert, and a provider's absences."""

from django.urls import path

from . import views

app_name = "backups"
urlpatterns = [
    path("your-support/back-ups/<uuid:agreement_uuid>/", views.plan, name="plan"),
    path("your-support/cannot-come/<uuid:alert_uuid>/", views.alert, name="alert"),
    path("provider/<uuid:provider_uuid>/absences/", views.absences, name="absences"),
    path(
        "provider/<uuid:provider_uuid>/absences/<uuid:absence_uuid>/cancel/",
        views.absence_cancel,
        name="absence_cancel",
    ),
]
