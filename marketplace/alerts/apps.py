from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "marketplace.alerts"
    label = "alerts"
    verbose_name = "Saved searches and alerts"
