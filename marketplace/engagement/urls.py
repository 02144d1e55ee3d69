"""Pages of the engagement app: "Your support" at /your-support/ and the providers' inbox at /provider/enquiries/."""

from django.urls import path

from . import views

app_name = "engagement"
urlpatterns = [
    path("your-support/", views.home, name="home"),
    path("your-support/switch/", views.switch_holder, name="switch_holder"),
    path("your-support/shortlist/add/", views.shortlist_add, name="shortlist_add"),
    path("your-support/shortlist/remove/", views.shortlist_remove, name="shortlist_remove"),
    path("your-support/shortlist/<uuid:provider_uuid>/note/", views.shortlist_note, name="shortlist_note"),
    path("your-support/enquiries/new/", views.enquiry_new, name="enquiry_new"),
    path("your-support/enquiries/<uuid:enquiry_uuid>/", views.enquiry, name="enquiry"),
    path(
        "your-support/enquiries/<uuid:enquiry_uuid>/share-contact/",
        views.enquiry_share_contact,
        name="share_contact",
    ),
    path("messages/<uuid:message_uuid>/report/", views.message_report, name="message_report"),
    path("provider/enquiries/", views.inbox, name="inbox"),
    path("provider/enquiries/<uuid:enquiry_uuid>/", views.provider_enquiry, name="provider_enquiry"),
    path(
        "provider/enquiries/<uuid:enquiry_uuid>/answer/",
        views.provider_enquiry_respond,
        name="provider_enquiry_respond",
    ),
]
