from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def payments_enabled() -> bool:
    """Whether online payments are switched on (PAYMENTS_ENABLED), for links to the payment pages."""
    return bool(settings.PAYMENTS_ENABLED)
