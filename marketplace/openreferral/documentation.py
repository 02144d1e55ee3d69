"""The API's documentation page, read from the same OpenAPI document the API serves.

Swagger UI failed the accessibility checks (a select without a name, low
contrast, buttons inside buttons) and needed JavaScript; this page is drawn
by the server in GOV.UK styles from `openapi.document_for`, so it can never
describe an API other than the one served (decision 0034).
"""

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CODE_SPAN = re.compile(r"`([^`]+)`")

HTTP_STATUS_NAMES = {
    "200": "OK",
    "400": "Bad request",
    "404": "Not found",
    "405": "Method not allowed",
    "429": "Too many requests",
}


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    is_required: bool
    type_text: str
    description: SafeString


@dataclass(frozen=True)
class Response:
    status: str
    status_name: str
    description: str
    schema_url: str


@dataclass(frozen=True)
class Endpoint:
    anchor: str
    path: str
    summary: str
    description: str
    parameters: list[Parameter] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    example_url: str = ""


@dataclass(frozen=True)
class ApiReference:
    title: str
    version: str
    description: SafeString
    server_url: str
    licence_name: str
    licence_url: str
    endpoints: list[Endpoint]


def with_code(text: str) -> SafeString:
    """The document's words as HTML, its `backquoted` names as code."""
    # Escaped first, so the only markup is the code elements added here.
    return mark_safe(CODE_SPAN.sub(r"<code>\1</code>", escape(text)))


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """A parameter given as a local $ref, read from the document's components."""
    reference = node.get("$ref", "")
    if not reference.startswith("#/"):
        return node
    target: Any = document
    for part in reference[2:].split("/"):
        target = target[part]
    return dict(target)


def _type_text(schema: dict[str, Any]) -> str:
    words = [str(schema.get("type", "any"))]
    if "format" in schema:
        words.append(f"({schema['format']})")
    if "enum" in schema:
        words.append("one of " + ", ".join(str(value) for value in schema["enum"]))
    if "minimum" in schema and "maximum" in schema:
        words.append(f"from {schema['minimum']} to {schema['maximum']}")
    if "default" in schema:
        words.append(f"default {schema['default']}")
    return " ".join(words)


def _first_schema_url(node: Any) -> str:
    """The first schema file a response refers to (its items for a page of results)."""
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str) and not reference.startswith("#"):
            return reference
        for value in node.values():
            found = _first_schema_url(value)
            if found:
                return found
    if isinstance(node, list):
        for value in node:
            found = _first_schema_url(value)
            if found:
                return found
    return ""


def _anchor(path: str) -> str:
    words = path.strip("/").replace("{id}", "id").replace("/", "-").replace("_", "-")
    return f"get-{words}" if words else "get-api-information"


def _description(path: str, summary: str, description: str) -> str:
    """The description when it adds to the summary.

    The official document repeats the summary as the description, and gives
    two list endpoints the description of a single item ("with id", "Full
    information on a taxonomy term"): those are left out rather than shown wrong.
    """
    if description.rstrip(".") == summary.rstrip("."):
        return ""
    if "{id}" not in path and ("with id" in description or description.startswith("Full information")):
        return ""
    return description


def api_reference(document: dict[str, Any]) -> ApiReference:
    """Every GET endpoint of the document with its parameters and responses, in the document's order."""
    server_url = document["servers"][0]["url"]
    endpoints = []
    for path, item in document["paths"].items():
        operation = item["get"]
        parameters = []
        for node in operation.get("parameters", []):
            parameter = _resolve(document, node)
            parameters.append(
                Parameter(
                    name=parameter["name"],
                    location=parameter.get("in", "query"),
                    is_required=bool(parameter.get("required", False)),
                    type_text=_type_text(parameter.get("schema", {})),
                    description=with_code(parameter.get("description", "")),
                )
            )
        responses = [
            Response(
                status=status,
                status_name=HTTP_STATUS_NAMES.get(status, ""),
                description=response.get("description", ""),
                schema_url=_first_schema_url(response.get("content", {})),
            )
            for status, response in sorted(operation["responses"].items())
        ]
        summary = operation.get("summary", "").strip()
        description = operation.get("description", "").strip()
        endpoints.append(
            Endpoint(
                anchor=_anchor(path),
                path=path,
                summary=summary,
                description=_description(path, summary, description),
                parameters=parameters,
                responses=responses,
                example_url="" if "{id}" in path else f"{server_url}{path}",
            )
        )
    info = document["info"]
    licence = info.get("license", {})
    return ApiReference(
        title=info.get("title", ""),
        version=str(info.get("version", "")),
        description=with_code(info.get("description", "")),
        server_url=server_url,
        licence_name=licence.get("name", ""),
        licence_url=licence.get("url", ""),
        endpoints=endpoints,
    )
