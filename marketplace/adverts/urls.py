"""Adverts for personal assistants, at /support-wanted/."""

from django.urls import path

from . import views

app_name = "adverts"
urlpatterns = [
    path("", views.advert_list, name="list"),
    path("yours/", views.your_adverts, name="yours"),
    path("yours/new/", views.advert_new, name="new"),
    path("yours/<uuid:advert_uuid>/", views.advert_manage, name="manage"),
    path("yours/<uuid:advert_uuid>/change/", views.advert_edit, name="edit"),
    path("yours/<uuid:advert_uuid>/check/", views.advert_check, name="check"),
    path("yours/<uuid:advert_uuid>/close/", views.advert_close_view, name="close"),
    path("yours/applications/<uuid:application_uuid>/shortlist/", views.application_shortlist_view, name="shortlist"),
    path("yours/applications/<uuid:application_uuid>/decline/", views.application_decline_view, name="decline"),
    path("applications/<uuid:application_uuid>/", views.application, name="application"),
    path("<uuid:advert_uuid>/", views.advert_detail, name="detail"),
]
