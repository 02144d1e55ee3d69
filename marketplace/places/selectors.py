"""Finding places: postcodes, districts and towns, from the local table only."""

import re

from .models import Place

# The shapes of a UK postcode (outward code, then inward code) and of a district.
POSTCODE_PATTERN = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")
DISTRICT_PATTERN = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
PLACE_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z .'\-&]{1,60}$")


class PlaceNotFound(Exception):
    """A place the table does not hold, or text that is not a place; the message is for people."""


def lookup_key(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def normalise_postcode(text: str) -> str | None:
    """'we12ab' -> 'WE1 2AB'; None if it is not shaped like a postcode."""
    match = POSTCODE_PATTERN.match(re.sub(r"\s+", " ", text.strip().upper()))
    return f"{match.group(1)} {match.group(2)}" if match else None


def looks_like_postcode(text: str) -> bool:
    """Text with digits is meant as a postcode or district, not a town."""
    return any(character.isdigit() for character in text)


def place_resolve(text: str) -> Place:
    """The place a searcher means by a postcode, district, town or village.

    A full postcode the table lacks falls back to its district's centre.
    """
    cleaned = " ".join(text.split())
    if not cleaned:
        raise PlaceNotFound("Enter a postcode or town.")
    if looks_like_postcode(cleaned):
        postcode = normalise_postcode(cleaned)
        district = cleaned.upper() if DISTRICT_PATTERN.match(cleaned.upper()) else None
        if postcode is None and district is None:
            raise PlaceNotFound(f"“{cleaned}” is not a valid postcode. Enter a postcode like WE1 2AB, or a town.")
        candidates = [lookup_key(postcode)] if postcode else []
        candidates.append(lookup_key(postcode.split()[0] if postcode else district or ""))
        found = {place.lookup_key: place for place in Place.objects.filter(lookup_key__in=candidates)}
        for key in candidates:
            if key in found:
                return found[key]
        raise PlaceNotFound(
            f"We could not find the postcode {postcode or district} in this area. "
            "Check it, or enter a nearby town instead."
        )
    if not PLACE_NAME_PATTERN.match(cleaned):
        raise PlaceNotFound("Enter a town or postcode using letters, numbers and spaces only.")
    place = Place.objects.filter(
        lookup_key=lookup_key(cleaned), kind__in=[Place.Kind.TOWN, Place.Kind.VILLAGE]
    ).first()
    if place is None:
        raise PlaceNotFound(f"We could not find a town or village called “{cleaned}”. Check the spelling.")
    return place


def place_names_starting(prefix: str, limit: int = 10) -> list[str]:
    """Town and village names for autocomplete."""
    if len(prefix.strip()) < 2:
        return []
    return list(
        Place.objects.filter(
            kind__in=[Place.Kind.TOWN, Place.Kind.VILLAGE], name__istartswith=prefix.strip()
        ).values_list("name", flat=True)[:limit]
    )
