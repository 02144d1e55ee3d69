"""Validators for the official ORUK 3.0 schemas shipped with the app."""

import json
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from marketplace.openreferral.openapi import SCHEMA_DIR, official_document

SCHEMA_FILES = (
    "service.json",
    "service_list.json",
    "service_at_location.json",
    "service_at_location_list.json",
    "taxonomy.json",
    "taxonomy_term.json",
)


# jsonschema checks uuid, email and date itself; date-time and uri need these.
FORMAT_CHECKER = FormatChecker()


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return "T" in value and parsed.tzinfo is not None


@FORMAT_CHECKER.checks("uri")
def is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme in ("http", "https") and parts.netloc)


@cache
def registry() -> Registry:
    resources = []
    for name in SCHEMA_FILES:
        contents = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
        resources.append((name, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return Draft202012Validator(schema, registry=registry(), format_checker=FORMAT_CHECKER)


def page_validator() -> Draft202012Validator:
    schema = dict(official_document()["components"]["schemas"]["Page"])
    schema["required"] = list(schema["properties"])
    return Draft202012Validator(schema)


def errors_for(name: str, instance: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator(name).iter_errors(instance)
    ]


def assert_valid(name: str, instance: Any) -> None:
    errors = errors_for(name, instance)
    assert not errors, "\n".join(errors[:20])


def assert_valid_page(item_schema: str, body: Any) -> None:
    page_errors = [error.message for error in page_validator().iter_errors(body)]
    assert not page_errors, page_errors
    assert isinstance(body["contents"], list)
    for item in body["contents"]:
        assert_valid(item_schema, item)
