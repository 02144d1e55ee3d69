"""Monitoring on other apps' pages: the provider's dashboard shows its overdue actions."""

from typing import Any

from django import template
from django.utils import timezone

from marketplace.monitoring.selectors import overdue_actions_for_providers

register = template.Library()


@register.simple_tag
def overdue_monitoring_actions(providers: Any) -> list[Any]:
    """The overdue actions of these providers, in one query whatever their number."""
    return overdue_actions_for_providers(providers=providers, today=timezone.localdate())
