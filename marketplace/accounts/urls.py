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
    path("acting-for-you/", views.acting_for, name="acting_for"),
    path("acting-for-you/<int:link_id>/", views.acting_for_change, name="acting_for_change"),
    path("acting-for-you/<int:link_id>/end/", views.acting_for_end, name="acting_for_end"),
    path(
        "acting-for-you/invitations/<uuid:invitation_uuid>/cancel/",
        views.acting_for_invitation_cancel,
        name="acting_for_invitation_cancel",
    ),
    path("act-for/<str:token>/", views.acting_for_invitation, name="acting_for_invitation"),
]
