"""Self-service pages of the providers app."""

from django.urls import path  # noqa: F401

app_name = "providers"
urlpatterns: list = []
