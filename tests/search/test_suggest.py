"""/search/suggest: autocomplete suggestions for the search form, as JSON."""

import pytest

from tests.factories import PlaceFactory, ServiceTypeFactory

pytestmark = pytest.mark.django_db


def test_suggests_service_names_and_synonyms_by_word_start(client):
    ServiceTypeFactory(name="Respite and short breaks", slug="respite")
    ServiceTypeFactory(name="Personal care", slug="personal-care")
    response = client.get("/search/suggest", {"q": "sho", "type": "services"})
    assert response.status_code == 200
    labels = [suggestion["label"] for suggestion in response.json()["suggestions"]]
    assert labels == ["Respite and short breaks", "short breaks", "short break"]


def test_suggests_towns_and_villages(client):
    PlaceFactory(name="Wendlebury")
    PlaceFactory(name="Westcott")
    response = client.get("/search/suggest", {"q": "wen", "type": "places"})
    assert response.json()["suggestions"] == [{"label": "Wendlebury", "type": "place"}]


def test_short_queries_suggest_nothing(client):
    ServiceTypeFactory(name="Personal care", slug="personal-care")
    assert client.get("/search/suggest", {"q": "p"}).json()["suggestions"] == []


def test_bad_input_is_a_400_with_a_message(client):
    too_long = client.get("/search/suggest", {"q": "x" * 101})
    assert too_long.status_code == 400
    assert "100 characters" in too_long.json()["error"]
    assert client.get("/search/suggest", {"q": "care", "type": "people"}).status_code == 400
