"""Saved searches in the demo county.

Called once at the end of `builder.demo_county_build`. About a third of the
holders who sign in have saved a search (personal care or domestic help near
where they live, some only those taking new clients); the demo holder
(`dp-holder@demo.example`) has saved "personal care near Wendlebury, taking
new clients", so a listing that starts taking clients again is emailed to
her by the next morning's job. Saved through the service, so what matches
today is recorded as already known; no emails are sent. Deterministic for a seed.
"""

import random
from datetime import datetime

from django.http import QueryDict

from marketplace.accounts.models import DirectPaymentHolder
from marketplace.alerts.services import SavedSearchError, saved_search_create
from marketplace.places.models import Place

SAVED_SEARCH_SHARE = 0.33
QUERIES = [
    "service=personal-care",
    "service=personal-care&new_clients=true",
    "service=domestic-help",
    "service=personal-care&time=morning",
    "service=companionship&kind=personal_assistant",
]


def build_saved_searches_demo(*, seed: int, now: datetime) -> int:
    """Write the demo saved searches; returns how many."""
    rng = random.Random(f"alerts-{seed}")
    count = 0
    holders = (
        DirectPaymentHolder.objects.filter(user__isnull=False, locality__isnull=False)
        .select_related("user", "locality")
        .order_by("pk")
    )
    for holder in holders:
        is_demo_holder = holder.user.email == "dp-holder@demo.example"  # type: ignore[union-attr]
        if not is_demo_holder and rng.random() >= SAVED_SEARCH_SHARE:
            continue
        near = _place_name(holder)
        if near is None:
            continue
        query = "service=personal-care&new_clients=true" if is_demo_holder else rng.choice(QUERIES)
        try:
            saved_search_create(user=holder.user, data=QueryDict(f"{query}&near={near}"), now=now)  # type: ignore[arg-type]
        except SavedSearchError:
            continue
        count += 1
    return count


def _place_name(holder: DirectPaymentHolder) -> str | None:
    """The holder's town if the places table knows it by name, else a postcode district in their locality."""
    town = Place.objects.filter(
        kind__in=[Place.Kind.TOWN, Place.Kind.VILLAGE],
        locality=holder.locality,
        name=holder.locality.name,  # type: ignore[union-attr]
    ).first()
    if town is not None:
        return town.name
    district = Place.objects.filter(kind=Place.Kind.DISTRICT, locality=holder.locality).order_by("name").first()
    return district.name if district is not None else None
