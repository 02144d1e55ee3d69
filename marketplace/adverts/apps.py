from django.apps import AppConfig


class AdvertsConfig(AppConfig):
    name = "marketplace.adverts"
    label = "adverts"
    verbose_name = "Adverts for personal assistants"

    def ready(self) -> None:
        from .sections import register_section

        # A section of the holder's "Your support" page (marketplace.engagement.sections).
        register_section()
