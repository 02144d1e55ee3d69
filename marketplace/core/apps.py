from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "marketplace.core"
    label = "core"
    verbose_name = "Operations"

    def ready(self) -> None:
        from .text import install_form_text_cleaning, install_spreadsheet_cleaning

        install_form_text_cleaning()
        install_spreadsheet_cleaning()
