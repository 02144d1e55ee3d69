"""Random and hostile parameters at every endpoint: always JSON, never a 5xx."""

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

LIST_ENDPOINTS = ("", "services", "service_at_locations", "taxonomies", "taxonomy_terms")
DETAIL_ENDPOINTS = ("services", "service_at_locations", "taxonomies", "taxonomy_terms")
DOCUMENTED_PARAMETERS = (
    "search",
    "page",
    "per_page",
    "taxonomy_term_id",
    "taxonomy_id",
    "minimum_age",
    "maximum_age",
    "start_time",
    "end_time",
    "day",
    "postcode",
    "proximity",
    "modified_after",
    "full",
    "minimal",
    "format",
    "organization_id",
)
HOSTILE_VALUES = (
    "",
    " ",
    "\x00",
    "-1",
    "0",
    "1e309",
    "NaN",
    "-Infinity",
    "99999999999999999999999999",
    "1.5",
    "' OR 1=1 --",
    "%",
    "_",
    "\\",
    "<script>alert(1)</script>",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00-12:00",
    "24:00",
    "23:59:60",
    "MO,,TU",
    "WE1 2AB",
    "3f7b145d-84af-42d7-8fae-eaca714b02b2",
    "\uff37\uff25\uff11",  # full-width "WE1"
    "\ud7ff" * 3,
    "x" * 5000,
)
HYPOTHESIS_SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

values = st.one_of(st.sampled_from(HOSTILE_VALUES), st.text(max_size=60), st.integers().map(str), st.floats().map(str))
parameter_names = st.one_of(st.sampled_from(DOCUMENTED_PARAMETERS), st.text(min_size=1, max_size=20))
queries = st.lists(st.tuples(parameter_names, values), max_size=8)


def assert_answered_properly(response) -> None:
    assert response.status_code < 500, response.content[:500]
    assert response["Access-Control-Allow-Origin"] == "*"
    if response.status_code != 304:
        assert response["Content-Type"] == "application/json"
        response.json()


@HYPOTHESIS_SETTINGS
@given(endpoint=st.sampled_from(LIST_ENDPOINTS), query=queries)
def test_list_endpoints_survive_any_parameters(client, day_service, wendle_places, endpoint, query):
    query_string = "&".join(f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in query)

    assert_answered_properly(client.get(f"/openreferral/{endpoint}?{query_string}"))


@HYPOTHESIS_SETTINGS
@given(endpoint=st.sampled_from(("services", "service_at_locations")), query=queries)
def test_search_endpoints_survive_any_parameters_sent_as_a_form(client, day_service, wendle_places, endpoint, query):
    data: dict[str, list[str]] = {}
    for name, value in query:
        data.setdefault(name, []).append(value)

    assert_answered_properly(client.get(f"/openreferral/{endpoint}", data))


@HYPOTHESIS_SETTINGS
@given(
    endpoint=st.sampled_from(DETAIL_ENDPOINTS),
    identifier=st.one_of(st.sampled_from(HOSTILE_VALUES), st.text(min_size=1, max_size=80), st.uuids().map(str)),
)
def test_detail_endpoints_survive_any_id(client, day_service, endpoint, identifier):
    assert_answered_properly(client.get(f"/openreferral/{endpoint}/{quote(identifier, safe='')}"))


@HYPOTHESIS_SETTINGS
@given(path=st.text(max_size=80))
def test_any_path_under_the_api_answers_in_json(client, path):
    assert_answered_properly(client.get(f"/openreferral/{quote(path, safe='/')}"))
