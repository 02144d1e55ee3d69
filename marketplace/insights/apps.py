from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def install_records_triggers(using: str = "default", **kwargs: Any) -> None:
    """After every migrate, the triggers that change the records version (insights/freshness.py)."""
    from .freshness import install_triggers

    install_triggers(using)


class InsightsConfig(AppConfig):
    name = "marketplace.insights"
    label = "insights"
    verbose_name = "Dashboard and reports"

    def ready(self) -> None:
        post_migrate.connect(install_records_triggers, sender=self, dispatch_uid="insights_records_triggers")
