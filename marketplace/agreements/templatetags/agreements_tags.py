"""The provider dashboard's line about agreements (the dashboard sits below this app, so it asks by tag)."""

from typing import Any

from django import template

from marketplace.agreements.selectors import ProviderAgreementCounts, provider_counts
from marketplace.providers.selectors import providers_for_user

register = template.Library()


@register.simple_tag(takes_context=True)
def provider_agreement_counts(context: dict[str, Any]) -> ProviderAgreementCounts | None:
    providers = context.get("providers")
    if providers is None:
        providers = list(providers_for_user(user=context["request"].user))
    ids = [provider.pk for provider in providers]
    return provider_counts(ids) if ids else None


@register.filter
def as_pounds(pence: int | None) -> str:
    """1271 -> '£12.71'; nothing for None."""
    from marketplace.agreements.money import pounds

    return "" if pence is None else pounds(int(pence))
