"""Account pages of our own beside django-allauth's (invitations to a provider's team)."""

from django.urls import path  # noqa: F401

app_name = "accounts"
urlpatterns: list = []
