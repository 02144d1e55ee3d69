"""Pages of the reviews app: writing a review, and a provider's reviews and replies."""

from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("your-support/reviews/<uuid:agreement_uuid>/", views.write, name="write"),
    path("provider/<uuid:provider_uuid>/reviews/", views.provider_list, name="provider_list"),
    path("provider/<uuid:provider_uuid>/reviews/<uuid:review_uuid>/reply/", views.reply, name="reply"),
]
