from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "marketplace.backups"
    label = "backups"
    verbose_name = "Back-up plans and providers who cannot come"

    def ready(self) -> None:
        from .sections import register_sections

        # Sections of "Your support" (marketplace.engagement.sections): alerts first, back-up plans lower down.
        register_sections()
