from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "marketplace.monitoring"
    label = "monitoring"
    verbose_name = "Contract monitoring"
