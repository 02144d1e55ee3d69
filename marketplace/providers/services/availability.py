"""A listing's weekly availability, new clients and capacity, and the reminders when it goes stale."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from marketplace.core.notifications import email_send

from .. import hooks
from ..availability import WeeklyAvailability
from ..models import Provider, fresh_availability_since
from ..selectors import provider_email_addresses
from .errors import ProviderFieldError
from .search_columns import after_provider_change

if TYPE_CHECKING:  # accounts sits above providers (decision 0022): the user is named for types only
    from marketplace.accounts.models import User

MAX_CAPACITY = 1000


@transaction.atomic
def provider_update_availability(
    *,
    provider: Provider,
    availability: WeeklyAvailability,
    is_taking_new_clients: bool,
    today: date | None = None,
) -> Provider:
    """Save the weekly grid; saving it also confirms it is current."""
    today = today or timezone.localdate()
    provider.availability_mask = availability.mask
    provider.availability_confirmed_on = today
    if provider.is_taking_new_clients != is_taking_new_clients or provider.taking_new_clients_confirmed_on is None:
        provider.is_taking_new_clients = is_taking_new_clients
    provider.taking_new_clients_confirmed_on = today
    provider.save(
        update_fields=[
            "availability_mask",
            "availability_confirmed_on",
            "is_taking_new_clients",
            "taking_new_clients_confirmed_on",
            "updated_at",
        ]
    )
    after_provider_change(provider.pk)
    return provider


@transaction.atomic
def provider_save_availability(
    *,
    provider: Provider,
    by: User,
    availability: WeeklyAvailability,
    is_taking_new_clients: bool,
    capacity_hours_per_week: int | None,
    capacity_places_per_day: int | None,
    today: date | None = None,
) -> Provider:
    """The "Availability" task: the weekly grid, new clients and capacity. Live at once; confirms it."""
    for field, value in (
        ("capacity_hours_per_week", capacity_hours_per_week),
        ("capacity_places_per_day", capacity_places_per_day),
    ):
        if value is not None and not 0 <= value <= MAX_CAPACITY:
            raise ProviderFieldError(f"Enter a whole number from 0 to {MAX_CAPACITY}.", field=field)
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    previous_hours, previous_places = provider.capacity_hours_per_week, provider.capacity_places_per_day
    provider.capacity_hours_per_week = capacity_hours_per_week
    provider.capacity_places_per_day = capacity_places_per_day
    provider.save(update_fields=["capacity_hours_per_week", "capacity_places_per_day", "updated_at"])
    if provider.is_published:
        # A sharp fall in a live provider's capacity is an early sign of failure (issue 4): contingency hears.
        hooks.capacity_changed(
            provider=provider,
            previous_hours=previous_hours,
            new_hours=capacity_hours_per_week,
            previous_places=previous_places,
            new_places=capacity_places_per_day,
            today=today,
        )
    return provider_update_availability(
        provider=provider, availability=availability, is_taking_new_clients=is_taking_new_clients, today=today
    )


@transaction.atomic
def provider_confirm_availability(*, provider: Provider, by: User, today: date | None = None) -> Provider:
    """ "My availability is still right": one click restarts the 30 days before it shows as out of date."""
    today = today or timezone.localdate()
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    provider.availability_confirmed_on = today
    provider.taking_new_clients_confirmed_on = today
    provider.save(update_fields=["availability_confirmed_on", "taking_new_clients_confirmed_on", "updated_at"])
    after_provider_change(provider.pk)
    return provider


def provider_send_availability_reminders() -> int:
    """Email published providers whose availability is 30 days old, once each time it goes stale.

    Saving the availability clears the reminder, so the next lapse reminds again.
    Returns the number of providers reminded.
    """
    today = timezone.localdate()
    stale_before = fresh_availability_since(today)
    due = (
        Provider.objects.published()
        .filter(Q(availability_confirmed_on__lt=stale_before) | Q(availability_confirmed_on__isnull=True))
        .filter(
            Q(availability_reminder_sent_on__isnull=True)
            | Q(availability_reminder_sent_on__lte=F("availability_confirmed_on"))
        )
    )
    reminded = 0
    for provider in due.iterator(chunk_size=200):
        recipients = provider_email_addresses(provider)
        if not recipients:
            continue
        email_send(
            to=recipients,
            subject="Please confirm your availability",
            template="availability_reminder",
            context={"provider": provider, "availability_path": f"/provider/{provider.uuid}/availability/"},
        )
        Provider.objects.filter(pk=provider.pk).update(availability_reminder_sent_on=today)
        reminded += 1
    return reminded
