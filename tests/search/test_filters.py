"""The search form: every field's bad input gets a clear message; good input becomes a ProviderSearch."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.http import QueryDict

from marketplace.places.models import Place
from marketplace.providers.availability import Day, PartOfDay
from marketplace.providers.models import Provider
from search.filters import MAX_PAGE, MAX_TEXT_LENGTH, ProviderSearchFilterSet
from search.query import ProviderSearch, Sort, WorkerGender
from tests.factories import (
    ClientGroupFactory,
    LanguageFactory,
    PlaceFactory,
    ProviderFactory,
    ServiceTypeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def vocabulary():
    ServiceTypeFactory(name="Personal care", slug="personal-care")
    ServiceTypeFactory(name="Sitting service", slug="sitting-service")
    ClientGroupFactory(name="Older people", slug="older-people")
    LanguageFactory(name="Gujarati", slug="gujarati")
    PlaceFactory(name="Wendlebury", kind=Place.Kind.TOWN, latitude=52.655, longitude=-1.055)
    PlaceFactory(name="WE1", lookup_key="WE1", kind=Place.Kind.DISTRICT, latitude=52.65, longitude=-1.05)


def form_errors(query: str) -> dict[str, list[str]]:
    filterset = ProviderSearchFilterSet(QueryDict(query))
    assert not filterset.form.is_valid(), f"{query!r} should be refused"
    return {name: list(messages) for name, messages in filterset.form.errors.items()}


def valid_search(query: str, **kwargs: object) -> ProviderSearch:
    filterset = ProviderSearchFilterSet(QueryDict(query))
    assert filterset.form.is_valid(), dict(filterset.form.errors)
    return filterset.search_query(**kwargs)  # type: ignore[arg-type]


LONG_TEXT = "a" * 1000

BAD_INPUT = [
    # (query string, field, the message people see)
    ("near=Atlantis", "near", "We could not find a town or village called “Atlantis”. Check the spelling."),
    (
        "near=WE9+9ZZ",
        "near",
        "We could not find the postcode WE9 9ZZ in this area. Check it, or enter a nearby town instead.",
    ),
    ("near=ZZZ+123", "near", "“ZZZ 123” is not a valid postcode. Enter a postcode like WE1 2AB, or a town."),
    ("near=%3Cscript%3E", "near", "Enter a town or postcode using letters, numbers and spaces only."),
    (f"near={LONG_TEXT}", "near", "Postcode or town must be 60 characters or fewer."),
    (f"q={LONG_TEXT}", "q", f"Search words must be {MAX_TEXT_LENGTH} characters or fewer."),
    ("max_price=-3", "max_price", "Maximum price must be more than £0."),
    ("max_price=0", "max_price", "Maximum price must be more than £0."),
    ("max_price=cheap", "max_price", "Enter the maximum price as a number of pounds, like 18 or 18.50."),
    ("max_price=501", "max_price", "Maximum price must be £500 or less."),
    ("max_price=99999999", "max_price", "Maximum price must be £500 or less."),
    ("max_price=1e400", "max_price", "Maximum price must be £500 or less."),
    ("max_price=18.555", "max_price", "Maximum price can have no more than 2 decimal places (pence)."),
    ("day=funday", "day", "Choose a day from the list."),
    ("time=midnight", "time", "Choose a time of day from the list."),
    ("kind=robot", "kind", "Choose a type of provider from the list."),
    ("service=underwater-basket-weaving", "service", "Choose from the options in the list."),
    ("client_group=martians", "client_group", "Choose from the options in the list."),
    ("language=klingon", "language", "Choose from the options in the list."),
    ("gender=robot", "gender", "Choose a gender from the list."),
    ("radius=7", "radius", "Choose a distance from the list."),
    ("radius=far", "radius", "Choose a distance from the list."),
    ("sort=random", "sort", "Choose how to sort from the list."),
    ("page=0", "page", "Page must be 1 or more."),
    ("page=-2", "page", "Page must be 1 or more."),
    ("page=abc", "page", "Page must be a whole number."),
    ("page=1.5", "page", "Page must be a whole number."),
    ("page=99999999999", "page", f"Page must be {MAX_PAGE} or less. Narrow your search to see fewer results."),
    ("sort=distance", "near", "Enter a postcode or town to sort by distance."),
]


@pytest.mark.usefixtures("vocabulary")
@pytest.mark.parametrize(("query", "field", "message"), BAD_INPUT, ids=[case[0][:40] for case in BAD_INPUT])
def test_bad_input_gets_a_clear_message_on_its_field(query, field, message):
    errors = form_errors(query)
    assert message in errors[field]
    assert set(errors) == {field}, "only the field at fault is blamed"


@pytest.mark.usefixtures("vocabulary")
def test_sorting_by_distance_from_an_unknown_place_gives_one_message():
    errors = form_errors("sort=distance&near=Atlantis")
    assert errors == {"near": ["We could not find a town or village called “Atlantis”. Check the spelling."]}


@pytest.mark.usefixtures("vocabulary")
def test_several_bad_fields_are_all_reported_together():
    errors = form_errors("near=Atlantis&max_price=-3&day=funday&page=0")
    assert set(errors) == {"near", "max_price", "day", "page"}


@pytest.mark.usefixtures("vocabulary")
def test_no_input_is_the_default_search():
    assert valid_search("") == ProviderSearch()


@pytest.mark.usefixtures("vocabulary")
def test_every_field_becomes_the_right_search():
    search = valid_search(
        "q=+personal+care+&near=wendlebury&radius=5&kind=personal_assistant&kind=micro_provider"
        "&service=personal-care&service=sitting-service&client_group=older-people&language=gujarati"
        "&gender=female&day=thu&day=tue&time=morning&max_price=18.50&new_clients=on&accredited=on"
        "&sort=price&page=3"
    )
    assert search.near is not None
    assert (search.near.label, search.near.latitude, search.near.longitude) == ("Wendlebury", 52.655, -1.055)
    # The words name a service already chosen: the search is for the service, and says so.
    assert replace(search, near=None) == ProviderSearch(
        text="",
        service_named_by_words="personal care",
        named_service="Personal care",
        kinds=("personal_assistant", "micro_provider"),
        services=("personal-care", "sitting-service"),
        client_groups=("older-people",),
        languages=("gujarati",),
        worker_gender=WorkerGender.FEMALE,
        days=(Day.TUESDAY, Day.THURSDAY),
        parts_of_day=(PartOfDay.MORNING,),
        max_hourly_price=Decimal("18.50"),
        radius_miles=5,
        is_taking_new_clients_only=True,
        is_accredited_only=True,
        sort=Sort.PRICE,
        page=3,
        page_size=20,
    )
    assert search.offset == 40


@pytest.mark.usefixtures("vocabulary")
@pytest.mark.parametrize(
    ("query", "text", "services"),
    [
        ("q=Personal+Care", "", ("personal-care",)),
        ("q=personal+care&service=sitting-service", "", ("sitting-service", "personal-care")),
        ("q=personal+care&match=words", "personal care", ()),
        ("q=personal+care+at+night", "personal care at night", ()),
    ],
)
def test_words_that_name_a_service_become_that_service(query, text, services):
    search = valid_search(query)
    assert (search.text, search.services) == (text, services)


def test_service_names_parts_and_synonyms_name_a_service():
    from search.synonyms import service_named_by

    services = [
        ("respite", "Respite and short breaks"),
        ("domestic-help", "Domestic help"),
        ("sit", "Sitting service"),
    ]
    assert service_named_by("respite", services) == ("respite", "Respite and short breaks")
    assert service_named_by("  Short   Break ", services) == ("respite", "Respite and short breaks")
    assert service_named_by("housework", services) == ("domestic-help", "Domestic help")
    assert service_named_by("befriending", services) == ("sit", "Sitting service")
    assert service_named_by("respite at weekends", services) is None
    assert service_named_by("", services) is None


@pytest.mark.usefixtures("vocabulary")
@pytest.mark.parametrize(
    ("near", "expected_label"),
    [
        ("Wendlebury", "Wendlebury"),
        ("  WENDLEBURY ", "Wendlebury"),
        ("WE1", "WE1"),
        ("we1 9zz", "WE1"),  # a full postcode the table lacks falls back to its district
    ],
)
def test_a_place_is_resolved_to_its_centre(near, expected_label):
    search = valid_search(f"near={near}&sort=distance")
    assert search.near is not None
    assert search.near.label == expected_label
    assert search.sort == Sort.DISTANCE


@pytest.mark.usefixtures("vocabulary")
def test_page_size_comes_from_the_caller_or_the_settings(settings):
    settings.SEARCH_PAGE_SIZE = 7
    assert valid_search("").page_size == 7
    assert valid_search("", page_size=50).page_size == 50


@pytest.mark.usefixtures("vocabulary")
def test_the_filterset_narrows_a_queryset_as_the_search_backend_does():
    ProviderFactory(name="Speaks Gujarati", languages=[LanguageFactory(slug="gujarati")])
    ProviderFactory(name="Does not")
    filterset = ProviderSearchFilterSet(QueryDict("language=gujarati"), queryset=Provider.objects.published())
    assert [provider.name for provider in filterset.qs] == ["Speaks Gujarati"]


def test_each_search_shares_the_choices_and_still_offers_and_refuses_the_same_values(vocabulary):
    """The choices are not copied for each request (FixedChoices, decision 0053), and behave as a list would."""
    one = ProviderSearchFilterSet(QueryDict("service=personal-care&day=mon"), queryset=Provider.objects.none())
    other = ProviderSearchFilterSet(QueryDict("service=unknown&day=someday"), queryset=Provider.objects.none())

    for name in ("service", "day", "kind", "gender", "radius", "sort"):
        assert list(one.form.fields[name].choices) == list(other.form.fields[name].choices)
    # django-filter wraps a field's choices in its own iterator, around the shared ones.
    assert one.form.fields["service"].choices.choices is other.form.fields["service"].choices.choices
    assert [value for value, _ in one.form.fields["service"].choices] == ["personal-care", "sitting-service"]
    assert one.is_valid()
    assert not other.is_valid()
    assert set(other.form.errors) == {"service", "day"}


def test_each_search_gets_its_own_filters_calling_its_own_methods(vocabulary):
    """The filters are copied one level deep (FiltersCopiedShallowly, decision 0053): each request's own."""
    one = ProviderSearchFilterSet(QueryDict("q=care"), queryset=Provider.objects.none())
    other = ProviderSearchFilterSet(QueryDict("q=garden"), queryset=Provider.objects.none())

    for name, each in one.filters.items():
        base = ProviderSearchFilterSet.base_filters[name]
        assert each is not other.filters[name]
        assert each is not base
        assert each.extra == base.extra
        assert each.extra is not base.extra
        assert each.parent is one
        assert other.filters[name].parent is other
        assert each.filter.f is each  # the FilterMethod calls the method on this FilterSet
        assert each.filter.method == one.filter_by_search
    assert not hasattr(ProviderSearchFilterSet.base_filters["q"], "parent")
    one.filters["q"].extra["max_length"] = 1  # a request changing its own copy changes no other
    assert ProviderSearchFilterSet.base_filters["q"].extra["max_length"] == MAX_TEXT_LENGTH


def test_each_search_form_gets_its_own_fields_around_the_shared_widgets_and_messages(vocabulary):
    """The form's fields are copied one level deep (FieldsCopiedShallowly, decision 0057): each form's own."""
    one = ProviderSearchFilterSet(QueryDict("q=care&page=0"), queryset=Provider.objects.none())
    other = ProviderSearchFilterSet(QueryDict("q=garden&page=2"), queryset=Provider.objects.none())
    base_fields = type(one.form).base_fields

    assert type(one.form) is type(other.form)  # one class a listings version
    assert list(one.form.fields) == list(base_fields)
    for name, field in one.form.fields.items():
        assert field is not other.form.fields[name]
        assert field is not base_fields[name]
        assert field.widget is base_fields[name].widget
    one.form.fields["q"].required = True  # a form changing its own field changes no other
    assert not base_fields["q"].required
    assert not other.form.fields["q"].required
    # Each form still checks its own values, with the directory's messages.
    assert not one.is_valid()
    assert one.form.errors["page"] == ["Page must be 1 or more."]
    assert other.is_valid()
