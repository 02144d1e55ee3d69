"""What providers reads from cms through the hooks it offers (marketplace/providers/hooks.py, decision 0045).

The council's settings and the public profile's drawing live in cms, above
providers; providers' self-service pages need both (the rates beside a
provider's prices, the preview of its profile). cms registers these at start,
so providers never imports cms.
"""

from typing import Any

from django.http import HttpRequest

from marketplace.providers.hooks import ManagedServiceRates, register_managed_service_rates, register_profile_preview
from marketplace.providers.models import Provider


def managed_service_rates(site: Any) -> ManagedServiceRates:
    """The council's managed-service rates by (service id, unit), from the site's settings."""
    from .models import CouncilSettings

    council = CouncilSettings.for_site(site)
    return {(rate.service_id, rate.unit): rate.amount for rate in council.managed_service_rates.all()}


def profile_preview(request: HttpRequest, provider: Provider) -> dict[str, Any]:
    """The public profile's context, as the directory page draws it."""
    from .directory import profile_context
    from .models import DirectoryPage

    context = profile_context(request, provider)
    context["page"] = DirectoryPage.objects.live().first()
    return context


def register() -> None:
    """Called once from CmsConfig.ready()."""
    register_managed_service_rates(managed_service_rates)
    register_profile_preview(profile_preview)
