from django.apps import AppConfig


class AccreditationConfig(AppConfig):
    name = "marketplace.accreditation"
    label = "accreditation"
    verbose_name = "Vetting and accreditation"
