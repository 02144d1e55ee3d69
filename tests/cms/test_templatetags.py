"""Template helpers: the brand colour guard, money, distance and links."""

from decimal import Decimal

import pytest
from django.http import QueryDict
from django.template import Context
from django.test import RequestFactory

from cms.directory import query_with, query_without
from cms.templatetags.govuk import (
    absolute,
    back_to_search_url,
    miles_away,
    per_unit,
    pounds,
    safe_brand_colour,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("#1d70b8", "#1d70b8"),
        ("1D70B8", "#1d70b8"),
        ("#036", "#003366"),
        ("#0b0c0c", "#0b0c0c"),
        # White header text would be unreadable on these.
        ("#ffdd00", ""),
        ("#ffffff", ""),
        ("#00a3e0", ""),
        # Not a colour: never reaches the style sheet.
        ("red", ""),
        ("#12345", ""),
        ("#1d70b8;}body{display:none", ""),
        ("</style>", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_brand_colour_is_used_only_when_it_is_a_readable_hex_colour(value: object, expected: str) -> None:
    assert safe_brand_colour(value) == expected


def test_money_and_units_read_as_plain_english() -> None:
    assert pounds(Decimal("18")) == "£18.00"
    assert pounds(Decimal("1250.5")) == "£1,250.50"
    assert pounds(None) == ""
    assert per_unit("hour") == "an hour"
    assert per_unit("night") == "a night"
    assert absolute(Decimal("-1.75")) == Decimal("1.75")


@pytest.mark.parametrize(
    ("distance", "expected"),
    [(2.44, "2.4 miles away"), (1.0, "1 mile away"), (0.96, "1 mile away"), (0.02, "Less than 0.1 miles away")],
)
def test_distances_are_rounded_to_a_tenth_of_a_mile(distance: float, expected: str) -> None:
    assert miles_away(distance) == expected


def test_query_without_drops_only_the_named_parameters() -> None:
    query = QueryDict("q=respite&page=4&service=a&service=b")

    assert query_without(query, "page") == "?q=respite&service=a&service=b"
    assert query_without(query, "page", "q", "service") == "?"


def test_query_with_sets_one_parameter_and_goes_back_to_the_first_page() -> None:
    query = QueryDict("q=personal+care&page=4&service=a")

    assert query_with(query, "match", "words") == "?q=personal+care&service=a&match=words"
    # A parameter already there keeps its place; its values give way to the one value.
    assert query_with(QueryDict("match=x&match=y&q=a+b%26c&page=2"), "match", "words") == "?match=words&q=a+b%26c"


@pytest.mark.parametrize(
    ("referer", "expected"),
    [
        ("http://testserver/directory/?q=autism", "/directory/?q=autism"),
        ("http://testserver/directory/", "/directory/"),
        ("http://testserver/admin/?q=autism", "/directory/"),
        ("https://evil.example/directory/?q=autism", "/directory/"),
        ("javascript:alert(1)", "/directory/"),
        ("", "/directory/"),
    ],
)
def test_back_link_only_returns_to_this_site_s_directory(referer: str, expected: str) -> None:
    request = RequestFactory().get("/directory/someone/", HTTP_REFERER=referer)

    assert back_to_search_url(Context({"request": request}), "/directory/") == expected
