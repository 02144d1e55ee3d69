"""Payments pages and Stripe's webhook endpoints, at /payments/."""

from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("provider/<uuid:provider_uuid>/", views.get_paid_online, name="get_paid_online"),
    path("provider/<uuid:provider_uuid>/return/", views.onboarding_return, name="onboarding_return"),
    path("provider/<uuid:provider_uuid>/refresh/", views.onboarding_refresh, name="onboarding_refresh"),
    path("holder/<uuid:holder_uuid>/pay/", views.pay_invoices, name="pay_invoices"),
    path("holder/<uuid:holder_uuid>/pay/start/", views.pay_start, name="pay_start"),
    path("holder/<uuid:holder_uuid>/payments/<uuid:payment_uuid>/", views.payment_page, name="payment"),
    path(
        "holder/<uuid:holder_uuid>/payments/<uuid:payment_uuid>/cancel/", views.payment_cancel, name="payment_cancel"
    ),
    path("webhooks/stripe/", views.platform_webhook, name="platform_webhook"),
    path("webhooks/stripe/connect/", views.connect_webhook, name="connect_webhook"),
]
