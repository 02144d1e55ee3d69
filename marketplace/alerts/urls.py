"""Saved searches and their alerts, at /saved-searches/."""

from django.urls import path

from . import views

app_name = "alerts"
urlpatterns = [
    path("", views.saved_search_list, name="list"),
    path("save/", views.save, name="save"),
    path("<uuid:saved_uuid>/delete/", views.delete, name="delete"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("unsubscribe/<str:token>/undo/", views.resubscribe, name="resubscribe"),
]
