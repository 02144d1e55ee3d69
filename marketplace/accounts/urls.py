"""Account pages of our own beside django-allauth's (mounted first at /accounts/)."""

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_index, name="index"),
    path("team/<uuid:provider_uuid>/", views.team, name="team"),
    path(
        "team/<uuid:provider_uuid>/invitations/<uuid:invitation_uuid>/cancel/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("team/<uuid:provider_uuid>/members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
