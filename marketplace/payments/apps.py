from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "marketplace.payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        # The checkout module adds its handlers to services.EVENT_HANDLERS as it is imported.
        from . import checkout  # noqa: F401
