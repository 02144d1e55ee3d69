from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "marketplace.reviews"
    label = "reviews"
    verbose_name = "Reviews from people who used a provider"

    def ready(self) -> None:
        from marketplace.monitoring.hooks import register_voices

        from .sections import register_section
        from .selectors import reviews_for_monitoring

        # A section of "Your support" (marketplace.engagement.sections): reviews the person can write.
        register_section()
        # Published reviews count in the monitoring record beside approved feedback (monitoring is below us).
        register_voices(reviews_for_monitoring)
