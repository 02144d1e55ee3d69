from django.apps import AppConfig


class AccreditationConfig(AppConfig):
    name = "marketplace.accreditation"
    label = "accreditation"
    verbose_name = "Vetting and accreditation"

    def ready(self) -> None:
        from marketplace.providers.hooks import register_vetting

        from .vetting import AccreditationVetting

        # The providers' onboarding shows the vetting task and applies from "Check and send" through this.
        register_vetting(AccreditationVetting())
