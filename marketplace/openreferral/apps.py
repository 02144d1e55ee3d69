from django.apps import AppConfig


class OpenReferralConfig(AppConfig):
    name = "marketplace.openreferral"
    label = "openreferral"
    verbose_name = "Open Referral UK API"
