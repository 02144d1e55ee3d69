from django.apps import AppConfig


class ContingencyConfig(AppConfig):
    name = "marketplace.contingency"
    label = "contingency"
    verbose_name = "Provider-failure contingency"
