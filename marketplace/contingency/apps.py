from django.apps import AppConfig


class ContingencyConfig(AppConfig):
    name = "marketplace.contingency"
    label = "contingency"
    verbose_name = "Provider-failure contingency"

    def ready(self) -> None:
        from marketplace.providers.hooks import register_capacity_changed, register_risk_signal

        from .services import contingency_check_capacity, contingency_signal

        # Providers, accreditation and monitoring sit below this app: they raise triggers through these hooks.
        register_risk_signal(contingency_signal)
        register_capacity_changed(contingency_check_capacity)
