"""The search form's fields, kept per listings version and value, groups of choices with holes for their counts.

`search_field` (decisions 0051 and 0052) must draw exactly what the GOV.UK
component draws when included directly, whatever is typed or ticked and
whatever the counts, and must not draw a kept field again for another
search's counts.
"""

import re
from typing import Any
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.template import Context
from django.template.loader import render_to_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.templatetags import govuk
from search.filters import ProviderSearchFilterSet
from search.query import FacetValue
from search.versioning import listings_version
from tests.factories import ServiceTypeFactory

pytestmark = pytest.mark.django_db

SERVICES = ["personal-care", "respite", "day-opportunities"]
# (component, field, its facet in the results, the options the directory gives it)
GROUPS: list[tuple[str, str, bool, dict[str, Any]]] = [
    ("govuk/checkboxes.html", "kind", True, {"small": True, "hide_when_empty": True}),
    ("govuk/checkboxes.html", "service", True, {"legend": "Support offered", "small": True, "hide_when_empty": True}),
    ("govuk/radios.html", "gender", True, {"legend": "Gender", "small": True, "empty_is_default": True}),
    ("govuk/checkboxes.html", "day", False, {"legend": "Days support is needed", "small": True}),
    ("govuk/input.html", "q", False, {"label": "What support?", "hint": "For example", "limit_length": True}),
    ("govuk/input.html", "max_price", False, {"prefix": "£", "width": 5, "inputmode": "decimal"}),
    ("govuk/select.html", "radius", False, {"label": "Distance from there", "default": 10}),
    ("govuk/select.html", "sort", False, {}),
]


@pytest.fixture
def services() -> None:
    for slug in SERVICES:
        ServiceTypeFactory(slug=slug, name=slug.replace("-", " ").capitalize())


def both_ways(query: str, group: tuple[str, str, bool, dict[str, Any]], counts: dict[str, int]) -> tuple[str, str]:
    """The field drawn by including its component directly, and by `search_field`."""
    template_name, name, has_facet, options = group
    version = listings_version()
    filterset = ProviderSearchFilterSet(QueryDict(query), version=version)
    form = filterset.form
    form.is_valid()
    field = form[name]
    facet = [FacetValue(value=value, label=value, count=count) for value, count in counts.items()]
    if not has_facet:
        facet = None
    direct = render_to_string(template_name, {"field": field, "facet": facet, **options})
    kept = govuk.search_field(
        Context({"terms_version": filterset.catalogue.version}), template_name, field, facet, **options
    )
    return direct, kept


choice_values = {
    "kind": ["personal_assistant", "micro_provider", "day_service", "home_care_agency"],
    "service": SERVICES,
    "gender": ["female", "male", "non_binary"],
    "day": ["mon", "tue", "sun"],
    # Typed values, some the form refuses (drawn afresh with their error), some with characters to escape.
    "q": ["personal care", " care ", "<b>&amp;\"'", "x" * 101],
    "max_price": ["18", "18.50", "0", "lots", "18.505"],
    "radius": ["1", "10", "40", "7"],
    "sort": ["relevance", "price", "distance", "sideways"],
}
# One value at most: a text box or a select has a single value.
SINGLE = {"gender", "q", "max_price", "radius", "sort"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    group=st.sampled_from(GROUPS),
    data=st.data(),
)
def test_a_kept_field_draws_what_the_component_draws_for_any_value_and_counts(services, group, data):
    values = choice_values[group[1]]
    ticked = data.draw(st.lists(st.sampled_from(values), unique=True, max_size=1 if group[1] in SINGLE else 3))
    query = urlencode([(group[1], value) for value in ticked])
    for _ in range(2):  # drawn, then from the memo with other counts
        counts = data.draw(st.dictionaries(st.sampled_from(values), st.integers(0, 200_000)))
        direct, kept = both_ways(query, group, counts)
        assert kept == direct


def test_a_kept_field_is_drawn_once_for_every_search_with_the_same_value(services):
    group = GROUPS[1]
    with mock.patch.object(govuk, "render_to_string", wraps=govuk.render_to_string) as draw:
        _, first = both_ways("service=respite", group, {"respite": 3, "personal-care": 12})
        _, second = both_ways("service=respite", group, {"respite": 1, "personal-care": 40})
        assert draw.call_count == 1
        both_ways("service=respite&service=personal-care", group, {"respite": 1})
        assert draw.call_count == 2
    assert ">Respite (3)</label>" in first
    assert ">Respite (1)</label>" in second
    assert ">Personal care (40)</label>" in second
    assert ">Day opportunities (0)</label>" in second


def test_a_field_with_errors_is_drawn_afresh(services):
    version = listings_version()
    filterset = ProviderSearchFilterSet(QueryDict("service=nonsense"), version=version)
    form = filterset.form
    assert not form.is_valid()
    with mock.patch.object(govuk, "render_to_string", wraps=govuk.render_to_string) as draw:
        for _ in range(2):
            context = Context({"terms_version": filterset.catalogue.version})
            html = govuk.search_field(context, "govuk/checkboxes.html", form["service"])
            assert "Choose from the options in the list." in html
        assert draw.call_count == 2


def test_a_select_given_a_value_it_does_not_offer_shows_its_default_beside_the_error(services):
    """An edited address (radius=7): the distance a search without one uses, not the first option (1 mile), which
    a person pressing Search again would send without having chosen it."""
    form = ProviderSearchFilterSet(QueryDict("radius=7"), version=listings_version()).form
    assert not form.is_valid()

    html = render_to_string("govuk/select.html", {"field": form["radius"], "label": "Distance", "default": 10})

    assert "Choose a distance from the list." in html
    assert re.findall(r'<option value="(\w+)" selected>', html) == ["10"]
    chosen = render_to_string("govuk/select.html", {"field": form_with("radius=40")["radius"], "default": 10})
    assert re.findall(r'<option value="(\w+)" selected>', chosen) == ["40"]


def form_with(query: str) -> Any:
    form = ProviderSearchFilterSet(QueryDict(query), version=listings_version()).form
    form.is_valid()
    return form
