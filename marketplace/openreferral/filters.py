"""The ORUK query parameters, parsed by the directory's own FilterSet.

`OpenReferralFilterSet` extends `ProviderSearchFilterSet`: the same form
validation, the same `ProviderSearch` and the same search backend filtering
as the directory page, with the parameter names the ORUK OpenAPI document
defines translated onto the search's fields.
"""

import dataclasses
import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from marketplace.places.models import Place
from marketplace.places.selectors import PlaceNotFound, place_resolve
from marketplace.providers.availability import Day, PartOfDay
from marketplace.providers.models import Provider
from search.filters import MAX_TEXT_LENGTH, ProviderSearchFilterSet
from search.query import Point, ProviderSearch

from . import selectors
from .serializers import ADULT_MINIMUM_AGE, ICAL_DAYS
from .taxonomies import PROVIDER_KINDS, TAXONOMIES_BY_ID, Term

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_AGE = 150
METRES_PER_MILE = 1609.344
MAX_PROXIMITY_METRES = 200_000
DAY_NAMES = {
    **{day.name.lower(): day for day in Day},
    **{day.code: day for day in Day},
    **{code.lower(): day for day, code in ICAL_DAYS.items()},
}


class ZonedTimeField(forms.TimeField):
    """A time of day, also with a zone (09:00:00Z, 09:00+01:00), which is converted to UK local time.

    The offset between a zone and UK time depends on the date (GMT or BST): the
    request's date is used, `today` when given (tests) or the local date.
    """

    def __init__(self, *args: Any, today: date | None = None, **kwargs: Any) -> None:
        self.today = today
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> time | None:
        if isinstance(value, str) and value.strip():
            text = value.strip()
            try:
                parsed = time.fromisoformat(text)
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is not None:
                moment = datetime.combine(self.today or timezone.localdate(), parsed)
                return timezone.localtime(moment).time().replace(tzinfo=None)
            if parsed is not None:
                return parsed
        result: time | None = super().to_python(value)
        return result


class ZonedTimeFilter(django_filters.TimeFilter):
    field_class = ZonedTimeField


def minutes(value: str | time) -> int:
    if isinstance(value, str):
        hours, mins = value.split(":")[:2]
        return int(hours) * 60 + int(mins)
    return value.hour * 60 + value.minute


def parts_within(start: time | None, end: time | None) -> tuple[PartOfDay, ...]:
    """Parts of the day whose published hours open at or after `start` and close at or before `end`.

    Overnight closes the next morning; an `end` before `start` means a window
    that runs past midnight.
    """
    window_start = minutes(start) if start else 0
    window_end = minutes(end) if end else 48 * 60
    if start and end and window_end <= window_start:
        window_end += 24 * 60
    chosen = []
    for part in PartOfDay:
        opens, closes = (minutes(hour) for hour in part.hours)
        if closes <= opens:
            closes += 24 * 60
        if opens >= window_start and closes <= window_end:
            chosen.append(part)
    return tuple(chosen)


def parse_days(text: str) -> tuple[Day, ...] | None:
    """'MO,TU', 'monday' or 'mon' -> days; None when any part is not a day."""
    days = []
    for part in re.split(r"[,\s]+", text.strip().lower()):
        if not part:
            continue
        if part not in DAY_NAMES:
            return None
        days.append(DAY_NAMES[part])
    return tuple(sorted(set(days)))


class OpenReferralFilterSet(ProviderSearchFilterSet):
    # Open data clients ask for words, and filter by taxonomy terms when they mean a service.
    reads_service_names = False

    search = django_filters.CharFilter(method="filter_by_search", max_length=MAX_TEXT_LENGTH)
    taxonomy_term_id = django_filters.UUIDFilter(method="filter_by_search")
    taxonomy_id = django_filters.UUIDFilter(method="filter_by_search")
    minimum_age = django_filters.NumberFilter(method="filter_by_search", min_value=0, max_value=MAX_AGE)
    maximum_age = django_filters.NumberFilter(method="filter_by_search", min_value=0, max_value=MAX_AGE)
    day = django_filters.CharFilter(method="filter_by_search", max_length=100)  # replaces the directory's day boxes
    start_time = ZonedTimeFilter(method="filter_by_search")
    end_time = ZonedTimeFilter(method="filter_by_search")
    postcode = django_filters.CharFilter(method="filter_by_search", max_length=60)
    proximity = django_filters.NumberFilter(
        method="filter_by_search", min_value=Decimal(1), max_value=MAX_PROXIMITY_METRES
    )
    modified_after = django_filters.IsoDateTimeFilter(method="filter_by_search")
    per_page = django_filters.NumberFilter(
        method="filter_by_search", min_value=1, max_value=MAX_PER_PAGE, decimal_places=0
    )
    full = django_filters.BooleanFilter(method="filter_by_search", widget=forms.CheckboxInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", selectors.published_providers())
        super().__init__(*args, **kwargs)
        self._matches_nothing = False
        self._term: Term | None = None
        self._days: tuple[Day, ...] = ()
        self._served_place: Point | None = None
        self._near: Point | None = None
        fields = self.form.fields
        fields["per_page"].error_messages.update(
            {
                "invalid": "per_page must be a whole number.",
                "min_value": "per_page must be 1 or more.",
                "max_value": f"per_page must be {MAX_PER_PAGE} or less.",
                "max_decimal_places": "per_page must be a whole number.",
            }
        )
        for name in ("taxonomy_term_id", "taxonomy_id"):
            fields[name].error_messages["invalid"] = f"{name} must be a UUID."
        for name in ("minimum_age", "maximum_age"):
            fields[name].error_messages.update(
                {
                    "invalid": f"{name} must be a number of years.",
                    "min_value": f"{name} must be 0 or more.",
                    "max_value": f"{name} must be {MAX_AGE} or less.",
                }
            )
        for name in ("start_time", "end_time"):
            fields[name].error_messages["invalid"] = f"{name} must be a time like 09:00."
        fields["proximity"].error_messages.update(
            {
                "invalid": "proximity must be a distance in metres.",
                "min_value": "proximity must be 1 metre or more.",
                "max_value": f"proximity must be {MAX_PROXIMITY_METRES} metres or less.",
            }
        )
        fields["modified_after"].error_messages["invalid"] = (
            "modified_after must be an ISO 8601 date and time, like 2025-01-31T09:00:00Z."
        )
        fields["search"].error_messages["max_length"] = f"search must be {MAX_TEXT_LENGTH} characters or fewer."
        fields["postcode"].error_messages["max_length"] = "postcode must be 60 characters or fewer."
        fields["day"].error_messages["max_length"] = "day must be 100 characters or fewer."

    # Validation ----------------------------------------------------------------

    def _clean_form(self) -> dict[str, Any]:
        cleaned = super()._clean_form()
        form = self.form
        if cleaned.get("day"):
            days = parse_days(cleaned["day"])
            if days is None:
                form.add_error(
                    "day", "day must be a day of the week such as MO or Monday, or several separated by commas."
                )
            else:
                self._days = days
        if cleaned.get("taxonomy_term_id"):
            self._term = selectors.taxonomy_term_get(cleaned["taxonomy_term_id"])
            if self._term is None:
                form.add_error("taxonomy_term_id", "There is no taxonomy term with this id.")
        if cleaned.get("taxonomy_id") and str(cleaned["taxonomy_id"]) not in TAXONOMIES_BY_ID:
            form.add_error("taxonomy_id", "There is no taxonomy with this id.")
        minimum_age, maximum_age = cleaned.get("minimum_age"), cleaned.get("maximum_age")
        if minimum_age is not None and maximum_age is not None and minimum_age > maximum_age:
            form.add_error("maximum_age", "maximum_age must not be less than minimum_age.")
        elif maximum_age is not None and maximum_age < ADULT_MINIMUM_AGE:
            # Every listing is for adults (18 and over, no upper limit): a
            # younger age range overlaps none of them.
            self._matches_nothing = True
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if (start or end) and not parts_within(start, end):
            self._matches_nothing = True
        if cleaned.get("proximity") is not None and not (cleaned.get("postcode") or "").strip():
            form.add_error("proximity", "Give a postcode to search within a distance of it.")
        postcode = (cleaned.get("postcode") or "").strip()
        if postcode:
            try:
                place = place_resolve(postcode)
            except PlaceNotFound as error:
                form.add_error("postcode", str(error))
            else:
                point = self._point(place)
                if cleaned.get("proximity") is not None:
                    self._near = point
                else:
                    self._served_place = point
        return cleaned

    @staticmethod
    def _point(place: Place) -> Point:
        district = ""
        if place.kind == Place.Kind.POSTCODE:
            district = place.name.split()[0].upper()
        elif place.kind == Place.Kind.DISTRICT:
            district = place.name.upper()
        return Point(
            label=place.name,
            latitude=place.latitude,
            longitude=place.longitude,
            locality_slug=place.locality.slug if place.locality else "",
            postcode_district=district,
        )

    # The search ------------------------------------------------------------------

    @property
    def page_number(self) -> int:
        return int(self.form.cleaned_data.get("page") or 1)

    @property
    def page_size(self) -> int:
        return int(self.form.cleaned_data.get("per_page") or DEFAULT_PER_PAGE)

    @property
    def is_full(self) -> bool:
        return bool(self.form.cleaned_data.get("full"))

    def search_query(self, *, page_size: int | None = None) -> ProviderSearch:
        query = super().search_query(page_size=page_size or self.page_size)
        data = self.form.cleaned_data
        changes: dict[str, Any] = {
            "text": " ".join(filter(None, [query.text, (data.get("search") or "").strip()])),
            "days": self._days,
            "modified_after": data.get("modified_after"),
        }
        start, end = data.get("start_time"), data.get("end_time")
        if start or end:
            changes["parts_of_day"] = parts_within(start, end)
        if self._term is not None:
            facet = self._term.taxonomy.key
            if facet == PROVIDER_KINDS.key:
                changes["kinds"] = (*query.kinds, self._term.code)
            else:
                changes[facet] = (*getattr(query, facet), self._term.code)
        if data.get("taxonomy_id"):
            facet = TAXONOMIES_BY_ID[str(data["taxonomy_id"])].key
            if facet != PROVIDER_KINDS.key:  # every listing has a type of provider
                changes["has_any_term_in"] = (facet,)
        if self._near is not None:
            changes["near"] = self._near
            changes["radius_miles"] = float(data["proximity"]) / METRES_PER_MILE
        if self._served_place is not None:
            changes["served_place"] = self._served_place
        return dataclasses.replace(query, **changes)

    def filter_queryset(self, queryset: QuerySet[Provider]) -> QuerySet[Provider]:
        if self._matches_nothing:
            return queryset.none()
        return super().filter_queryset(queryset)
