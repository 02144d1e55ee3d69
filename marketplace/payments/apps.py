from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "marketplace.payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        # The checkout module adds its handlers to services.EVENT_HANDLERS as it is imported.
        from . import checkout, tasks

        # A pooled share's charge, once paid, is followed by its transfer to the provider (pooling.py).
        checkout.POOLED_PAYMENT_SUCCEEDED.append(tasks.transfer_pooled_share_soon)
