from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "marketplace.core"
    label = "core"
    verbose_name = "Operations"

    def ready(self) -> None:
        import os

        from django.conf import settings

        from .exports import install_background_exports
        from .fields import install_id_checks
        from .page_search import install_page_search_quoting
        from .text import install_form_text_cleaning, install_spreadsheet_cleaning

        # Django writes large uploads here and does not create the folder itself.
        if settings.FILE_UPLOAD_TEMP_DIR:
            os.makedirs(settings.FILE_UPLOAD_TEMP_DIR, exist_ok=True)
        install_id_checks()
        install_form_text_cleaning()
        install_spreadsheet_cleaning()
        install_background_exports()
        install_page_search_quoting()
