"""Reads of provider data for pages, the admin and exports."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .models import Provider, ProviderPrice


@dataclass(frozen=True)
class PriceComparison:
    """A provider's price beside the council's managed-service rate for the same thing."""

    price: ProviderPrice
    managed_service_rate: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        if self.managed_service_rate is None:
            return None
        return self.price.amount - self.managed_service_rate


def provider_profile_prices(*, provider: Provider, site: Any) -> list[PriceComparison]:
    from cms.models import CouncilSettings

    council = CouncilSettings.for_site(site) if site is not None else None
    rates = {}
    if council is not None:
        rates = {(rate.service_id, rate.unit): rate.amount for rate in council.managed_service_rates.all()}
    return [
        PriceComparison(price=price, managed_service_rate=rates.get((price.service_id, price.unit)))
        for price in provider.prices.select_related("service")
    ]
