"""The API's own documentation needs no server but this one."""

import json

import pytest

pytestmark = pytest.mark.django_db


def all_references(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from all_references(value)
    elif isinstance(node, list):
        for item in node:
            yield from all_references(item)


def test_openapi_document_refers_only_to_this_site(client):
    document = client.get("/openreferral/openapi.json").json()
    external = [ref for ref in all_references(document) if not ref.startswith(("#", "http://testserver/"))]
    assert external == []
    schema_refs = [ref for ref in all_references(document) if ref.startswith("http://testserver/")]
    assert "http://testserver/openreferral/schema/service.json" in schema_refs


def test_every_referenced_schema_is_served(client):
    document = client.get("/openreferral/openapi.json").json()
    for reference in {ref for ref in all_references(document) if ref.startswith("http://testserver/")}:
        response = client.get(reference.removeprefix("http://testserver"))
        assert response.status_code == 200, reference
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "properties" in json.loads(response.content) or "$ref" in response.content.decode()


@pytest.mark.parametrize("name", ["nothing.json", "..%2Fopenapi30.json", "service.txt"])
def test_unknown_schema_is_a_json_404(client, name):
    response = client.get(f"/openreferral/schema/{name}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
