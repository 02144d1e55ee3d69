"""The directory search form: one FilterSet validates the query string, drives
the HTML form and the open data API, and turns into a `ProviderSearch`."""

import copy
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.choices import BaseChoiceIterator

from marketplace.places.selectors import PlaceNotFound, place_resolve
from marketplace.providers.availability import Day, PartOfDay
from marketplace.providers.models import Provider

from .backends.database import TermCatalogue
from .query import Point, ProviderSearch, Sort, WorkerGender
from .synonyms import service_named_by
from .versioning import VersionMemo, listings_version

MAX_TEXT_LENGTH = 100
MAX_PAGE = 1000
MAX_PRICE = Decimal("500")
RADIUS_CHOICES = [(1, "1 mile"), (3, "3 miles"), (5, "5 miles"), (10, "10 miles"), (20, "20 miles"), (40, "40 miles")]
DAY_CHOICES = [(day.code, day.label) for day in Day]
PART_CHOICES = [(part.code, part.label) for part in PartOfDay]
GENDER_CHOICES = [
    (WorkerGender.FEMALE.value, "Female"),
    (WorkerGender.MALE.value, "Male"),
    (WorkerGender.NON_BINARY.value, "Non-binary"),
]
# match=words searches the words anywhere, even when they name a service.
MATCH_WORDS = "words"
MATCH_CHOICES = [(MATCH_WORDS, "The words anywhere in a listing")]
SORT_CHOICES = [
    (Sort.RELEVANCE.value, "Best match"),
    (Sort.DISTANCE.value, "Distance"),
    (Sort.PRICE.value, "Price (lowest first)"),
]


# Each FilterSet class's form for the current listings version, made once per process (get_form_class).
form_classes = VersionMemo(entries=16)


class FixedChoices(BaseChoiceIterator):
    """Choices no request changes, shared by each request's copies of the filters and form fields.

    A FilterSet deep-copies its class's filters and its form deep-copies the
    form class's fields, each request: copying every choice list was most of
    the cost of reading a search (decision 0053). Django and django-filter
    take a `BaseChoiceIterator` as it is, and copying this one gives itself.
    """

    def __init__(self, choices: Iterable[tuple[Any, Any]]) -> None:
        self.choices = tuple(choices)

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return iter(self.choices)

    def __len__(self) -> int:
        return len(self.choices)

    def __copy__(self) -> "FixedChoices":
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> "FixedChoices":
        return self


class FiltersCopiedShallowly(dict[str, Any]):
    """A FilterSet class's filters, copied for each request one level deep rather than all the way down.

    Each request's FilterSet deep-copies its class's filters and then sets
    their `parent` and `model` (django-filter's `BaseFilterSet.__init__`).
    Nothing below a filter is changed by a request: its options are strings,
    numbers, classes, functions and `FixedChoices`. So each filter is copied
    with its own options dict and its own link to the method it calls on its
    FilterSet, a fifth of the cost of copying all of it (decision 0053).
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {name: _filter_copy(each) for name, each in self.items()}


class FieldsCopiedShallowly(dict[str, forms.Field]):
    """A search form class's fields, copied for each form one level deep rather than all the way down.

    Django deep-copies a form class's fields for each form it makes, so that
    a form may change its own fields' widgets, messages and choices. No search
    form does: each request only reads them. So each form gets its own copy
    of each field, sharing the class's widget, messages, validators and
    `FixedChoices`: 33 µs rather than the 195 µs of copying all of them, out
    of about 5.5 ms for a new search (decision 0057).
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return {name: copy.copy(field) for name, field in self.items()}


def _filter_copy(original: django_filters.Filter) -> django_filters.Filter:
    copied = copy.copy(original)
    copied.__dict__.pop("_field", None)  # a form field made from it: made again for the copy if asked for
    copied.extra = dict(original.extra)
    if original.method is not None:
        copied.method = original.method  # a new FilterMethod, calling the method on the copy's own parent
    return copied


class TermsFilter(django_filters.MultipleChoiceFilter):
    """Taxonomy terms chosen by slug (the cleaned value is the slugs); filtering is done by the search backend.

    The choices are the terms of the listings version the search is made at,
    from the search's own catalogue of them (`ProviderSearchFilterSet`), so
    drawing and checking them asks nothing of the database.
    """

    def __init__(self, *args: Any, facet: str, **kwargs: Any) -> None:
        self.facet = facet
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        kwargs.setdefault("method", "filter_by_search")
        super().__init__(*args, choices=FixedChoices(()), **kwargs)


class ProviderSearchFilterSet(django_filters.FilterSet):
    """Query-string names are short and stable: they appear in shared links."""

    # Words that name a service search for the service (the public directory);
    # the open data API matches words as words.
    reads_service_names = True

    q = django_filters.CharFilter(
        label="What support are you looking for?",
        method="filter_by_search",
        max_length=MAX_TEXT_LENGTH,
    )
    near = django_filters.CharFilter(label="Postcode or town", method="filter_by_search", max_length=60)
    radius = django_filters.TypedChoiceFilter(
        label="Distance",
        choices=FixedChoices(RADIUS_CHOICES),
        coerce=int,
        empty_value=None,
        method="filter_by_search",
    )
    kind = django_filters.MultipleChoiceFilter(
        label="Type of provider",
        choices=FixedChoices(Provider.Kind.choices),
        widget=forms.CheckboxSelectMultiple,
        method="filter_by_search",
    )
    service = TermsFilter(label="Services", facet="services")
    client_group = TermsFilter(label="Who the support is for", facet="client_groups")
    language = TermsFilter(label="Languages spoken", facet="languages")
    gender = django_filters.ChoiceFilter(
        label="Gender of worker", choices=FixedChoices(GENDER_CHOICES), empty_label="Any", method="filter_by_search"
    )
    day = django_filters.MultipleChoiceFilter(
        label="Days", choices=FixedChoices(DAY_CHOICES), widget=forms.CheckboxSelectMultiple, method="filter_by_search"
    )
    time = django_filters.MultipleChoiceFilter(
        label="Time of day",
        choices=FixedChoices(PART_CHOICES),
        widget=forms.CheckboxSelectMultiple,
        method="filter_by_search",
    )
    max_price = django_filters.NumberFilter(
        label="Maximum price per hour, in pounds",
        method="filter_by_search",
        min_value=Decimal("0.01"),
        max_value=MAX_PRICE,
        max_digits=6,
        decimal_places=2,
    )
    new_clients = django_filters.BooleanFilter(
        label="Only show those taking new clients", widget=forms.CheckboxInput, method="filter_by_search"
    )
    accredited = django_filters.BooleanFilter(
        label="Only show accredited providers", widget=forms.CheckboxInput, method="filter_by_search"
    )
    sort = django_filters.ChoiceFilter(
        label="Sort by", choices=FixedChoices(SORT_CHOICES), empty_label=None, method="filter_by_search"
    )
    match = django_filters.ChoiceFilter(
        label="Match",
        choices=FixedChoices(MATCH_CHOICES),
        method="filter_by_search",
        widget=forms.HiddenInput,
    )
    page = django_filters.NumberFilter(
        label="Page",
        method="filter_by_search",
        min_value=1,
        max_value=MAX_PAGE,
        decimal_places=0,
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Provider
        fields: list[str] = []

    @classmethod
    def get_filters(cls) -> dict[str, Any]:
        """The class's filters, for it and every FilterSet made from it (`FiltersCopiedShallowly`)."""
        return FiltersCopiedShallowly(super().get_filters())

    def __init__(self, *args: Any, version: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._place: Point | None = None
        self.version = version or listings_version(self.request)
        # The terms as the search will read them: one catalogue per listings version in this process.
        self.catalogue = TermCatalogue.of_version(self.version)
        self.form.clean = self._clean_form

    def get_form_class(self) -> type[forms.Form]:
        """This FilterSet's form with the version's terms as choices and the directory's messages.

        Made once per class and listings version in each process and kept
        (decision 0052): each request's form is then only an instance of it.
        """
        key = f"{type(self).__module__}.{type(self).__qualname__}"
        return form_classes.get_or_set(self.version, key, self._make_form_class)

    def _make_form_class(self) -> type[forms.Form]:
        form_class: type[forms.Form] = super().get_form_class()
        fields = form_class.base_fields
        for name, term_filter in self.filters.items():
            if isinstance(term_filter, TermsFilter):
                fields[name].choices = FixedChoices(self.catalogue.choices(term_filter.facet))  # type: ignore[attr-defined]
        fields["page"].error_messages.update(
            {
                "invalid": "Page must be a whole number.",
                "min_value": "Page must be 1 or more.",
                "max_value": f"Page must be {MAX_PAGE} or less. Narrow your search to see fewer results.",
                "max_decimal_places": "Page must be a whole number.",
            }
        )
        fields["max_price"].error_messages.update(
            {
                "invalid": "Enter the maximum price as a number of pounds, like 18 or 18.50.",
                "min_value": "Maximum price must be more than £0.",
                "max_value": f"Maximum price must be £{MAX_PRICE} or less.",
                "max_decimal_places": "Maximum price can have no more than 2 decimal places (pence).",
                "max_digits": f"Maximum price must be £{MAX_PRICE} or less.",
            }
        )
        fields["q"].error_messages["max_length"] = f"Search words must be {MAX_TEXT_LENGTH} characters or fewer."
        fields["near"].error_messages["max_length"] = "Postcode or town must be 60 characters or fewer."
        for name, noun in (("day", "day"), ("time", "time of day"), ("kind", "type of provider")):
            fields[name].error_messages["invalid_choice"] = f"Choose a {noun} from the list."
        for name in ("service", "client_group", "language"):
            fields[name].error_messages["invalid_choice"] = "Choose from the options in the list."
        fields["radius"].error_messages["invalid_choice"] = "Choose a distance from the list."
        fields["sort"].error_messages["invalid_choice"] = "Choose how to sort from the list."
        fields["gender"].error_messages["invalid_choice"] = "Choose a gender from the list."
        fields["match"].error_messages["invalid_choice"] = "Choose what to match from the list."
        form_class.base_fields = FieldsCopiedShallowly(fields)
        return form_class

    def _clean_form(self) -> dict[str, Any]:
        form = self.form
        cleaned: dict[str, Any] = forms.Form.clean(form) or form.cleaned_data
        near = (cleaned.get("near") or "").strip()
        if near:
            try:
                place = place_resolve(near)
            except PlaceNotFound as error:
                form.add_error("near", str(error))
            else:
                self._place = Point(label=place.name, latitude=place.latitude, longitude=place.longitude)
        if cleaned.get("sort") == Sort.DISTANCE and not near and "near" not in form.errors:
            form.add_error("near", "Enter a postcode or town to sort by distance.")
        return cleaned

    def filter_by_search(self, queryset: QuerySet[Provider], name: str, value: Any) -> QuerySet[Provider]:
        """Filters are applied together by the search backend in `filter_queryset`."""
        return queryset

    def filter_queryset(self, queryset: QuerySet[Provider]) -> QuerySet[Provider]:
        from .api import database_backend

        return database_backend().filter_queryset(queryset, self.search_query())

    def search_query(self, *, page_size: int | None = None) -> ProviderSearch:
        """The validated search. Call only when the form is valid."""
        data = self.form.cleaned_data
        text = (data.get("q") or "").strip()
        services = tuple(data.get("service") or ())
        named: tuple[str, str] | None = None
        if self.reads_service_names and text and data.get("match") != MATCH_WORDS:
            named = service_named_by(text, self.catalogue.choices("services"))
        if named:
            services = services if named[0] in services else (*services, named[0])
        return ProviderSearch(
            text="" if named else text,
            service_named_by_words=text if named else "",
            named_service=named[1] if named else "",
            kinds=tuple(data.get("kind") or ()),
            services=services,
            client_groups=tuple(data.get("client_group") or ()),
            languages=tuple(data.get("language") or ()),
            worker_gender=WorkerGender(data["gender"]) if data.get("gender") else None,
            days=tuple(day for day in Day if day.code in (data.get("day") or ())),
            parts_of_day=tuple(part for part in PartOfDay if part.code in (data.get("time") or ())),
            max_hourly_price=data.get("max_price"),
            near=self._place,
            radius_miles=data.get("radius") or settings.SEARCH_DEFAULT_RADIUS_MILES,
            is_taking_new_clients_only=bool(data.get("new_clients")),
            is_accredited_only=bool(data.get("accredited")),
            sort=Sort(data.get("sort") or Sort.RELEVANCE),
            page=int(data.get("page") or 1),
            page_size=page_size or settings.SEARCH_PAGE_SIZE,
        )
