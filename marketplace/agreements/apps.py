from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "marketplace.agreements"
    label = "agreements"
    verbose_name = "Support agreements, timesheets and invoices"

    def ready(self) -> None:
        from .sections import register_section

        # A section of the holder's "Your support" page (marketplace.engagement.sections).
        register_section()
