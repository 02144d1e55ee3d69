from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "marketplace.engagement"
    verbose_name = "Shortlists, enquiries and messages"

    def ready(self) -> None:
        from marketplace.accounts.hooks import register_after_sign_in

        from . import sections
        from .views import save_session_shortlist_after_sign_in

        # A shortlist kept while signed out is saved when the person signs in (called by the account adapter).
        register_after_sign_in(save_session_shortlist_after_sign_in)
        sections.register_builtin_sections()
