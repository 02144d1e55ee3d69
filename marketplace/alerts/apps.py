from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "marketplace.alerts"
    label = "alerts"
    verbose_name = "Saved searches and alerts"

    def ready(self) -> None:
        from .sections import register_section

        # A section of the holder's "Your support" page (marketplace.engagement.sections).
        register_section()
