from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "marketplace.agreements"
    label = "agreements"
    verbose_name = "Support agreements, timesheets and invoices"
