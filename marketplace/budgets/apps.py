from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "marketplace.budgets"
    label = "budgets"
    verbose_name = "Personal budgets"

    def ready(self) -> None:
        from .sections import register_section

        # The money part of the holder's "Your support" page (marketplace.engagement.sections).
        register_section()
