from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Site content"

    def ready(self) -> None:
        from . import provider_readers
        from .invalidation import connect

        connect()
        provider_readers.register()
