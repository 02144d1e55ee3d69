"""Hooks the apps above providers register, so providers can tell them of a change without importing them.

Providers sits below search and contingency (decision 0022). When a listing
changes, providers calls the functions registered here, in the order they were
registered; each higher app registers its own in its AppConfig.ready():

- search answers `listings_changed(provider_ids)`, called inside the writing
  transaction once the listings' search columns are rewritten (no ids: every
  listing may read differently, as when a taxonomy term is renamed), and
  `listing_needs_indexing(provider_id)`, called when one listing must be sent
  to the search index once the write commits;
- accreditation answers `vetting()`: the vetting task of a provider's
  onboarding (where the checks are, whether they are all sent) and the
  application to join the accredited supplier list from "Check and send";
- contingency answers `risk_signal(...)`, an automatic trigger about a
  provider (a lapsed accreditation, a Poor monitoring rating, a register
  alert), and `capacity_changed(...)`, a live listing's capacity before and
  after an update;
- cms, which keeps the council's settings as Wagtail site settings, answers
  `managed_service_rates(site)`, the rates shown beside a provider's prices,
  and `profile_preview(request, provider)`, the public profile as the
  directory draws it, for a provider's own preview (decision 0045).

With nothing registered a call does nothing: providers works on its own.
Registering the same function twice is harmless.
"""

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from .models import Provider

Hook = TypeVar("Hook")
_listings_changed: list[Callable[[list[int]], None]] = []
_listing_needs_indexing: list[Callable[[int], None]] = []
_risk_signal: list[Callable[..., Any]] = []
_capacity_changed: list[Callable[..., Any]] = []


class Vetting(Protocol):
    """What the providers' onboarding asks of the app that vets providers."""

    def checks_url(self, provider: Provider) -> str: ...

    def is_complete(self, provider: Provider) -> bool: ...

    def has_applied(self, provider: Provider) -> bool:
        """Applied to join the accredited supplier list, or on it."""
        ...

    def apply(self, *, provider: Provider, by: Any) -> str | None:
        """Apply to join the list; why not, for the provider to read, or None when the application was added."""
        ...


_vetting: list[Vetting] = []
# (service id, unit) -> what the council pays for it as a managed service.
ManagedServiceRates = dict[tuple[int, str], Decimal]
ManagedServiceRatesReader = Callable[[Any], ManagedServiceRates]
_managed_service_rates: list[ManagedServiceRatesReader] = []
_profile_preview: list[Callable[[Any, Provider], Any]] = []


def register_vetting(vetting: Vetting) -> Vetting:
    """The one app that vets providers (registering again replaces it)."""
    _vetting[:] = [vetting]
    return vetting


def vetting() -> Vetting | None:
    """The registered vetting, or None when no app vets providers (onboarding then has no vetting task)."""
    return _vetting[0] if _vetting else None


def register_managed_service_rates(
    reader: Callable[[Any], ManagedServiceRates],
) -> Callable[[Any], ManagedServiceRates]:
    """The one reader of the council's managed-service rates for a Wagtail site (registering again replaces it)."""
    _managed_service_rates[:] = [reader]
    return reader


def managed_service_rates(site: Any) -> ManagedServiceRates:
    """The council's managed-service rates for this site; none when no app keeps them or there is no site."""
    if site is None or not _managed_service_rates:
        return {}
    return _managed_service_rates[0](site)


def register_profile_preview(renderer: Callable[[Any, Provider], Any]) -> Callable[[Any, Provider], Any]:
    """The one app that draws a provider's public profile (registering again replaces it)."""
    _profile_preview[:] = [renderer]
    return renderer


def profile_preview(request: Any, provider: Provider) -> Any:
    """The public profile's template context for this provider, or None when no app draws profiles."""
    return _profile_preview[0](request, provider) if _profile_preview else None


def _register(hooks: list[Hook], hook: Hook) -> Hook:
    if hook not in hooks:
        hooks.append(hook)
    return hook


def register_listings_changed(hook: Callable[[list[int]], None]) -> Callable[[list[int]], None]:
    """Call `hook(provider_ids)` when listings' search columns were rewritten (ids may be empty: all of them)."""
    return _register(_listings_changed, hook)


def register_listing_needs_indexing(hook: Callable[[int], None]) -> Callable[[int], None]:
    """Call `hook(provider_id)` when one listing must be sent to the search index."""
    return _register(_listing_needs_indexing, hook)


def register_risk_signal(hook: Callable[..., Any]) -> Callable[..., Any]:
    """Call `hook(provider=, signal=, detail=, today=)` for each automatic trigger about a provider."""
    return _register(_risk_signal, hook)


def register_capacity_changed(hook: Callable[..., Any]) -> Callable[..., Any]:
    """Call `hook(provider=, previous_hours=, new_hours=, previous_places=, new_places=, today=)` after a
    live listing's capacity is updated."""
    return _register(_capacity_changed, hook)


def listings_changed(provider_ids: Iterable[int] = ()) -> None:
    ids = list(provider_ids)
    for hook in list(_listings_changed):
        hook(ids)


def listing_needs_indexing(provider_id: int) -> None:
    for hook in list(_listing_needs_indexing):
        hook(provider_id)


def risk_signal(*, provider: Provider, signal: str, detail: str, today: date | None = None) -> None:
    for hook in list(_risk_signal):
        hook(provider=provider, signal=signal, detail=detail, today=today)


def capacity_changed(
    *,
    provider: Provider,
    previous_hours: int | None,
    new_hours: int | None,
    previous_places: int | None,
    new_places: int | None,
    today: date | None = None,
) -> None:
    for hook in list(_capacity_changed):
        hook(
            provider=provider,
            previous_hours=previous_hours,
            new_hours=new_hours,
            previous_places=previous_places,
            new_places=new_places,
            today=today,
        )
