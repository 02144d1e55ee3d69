"""Our version of the official ORUK 3.0 OpenAPI document.

The official document (standard/openapi30.json, CC BY-SA 4.0, from
OpenReferralUK/uk-profile; see standard/SOURCE) is served with this site as
its server, the optional parameters we support added to the paths they
apply to, our error responses described, and slips in the official
document corrected: the taxonomy term operation ids are the wrong way round,
/service_at_locations/{id} names the service schema instead of the
service_at_location schema, and start_time and end_time have "type": "time",
which OpenAPI does not have (a string with format time).
"""

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from search.filters import MAX_PAGE

STANDARD_DIR = Path(__file__).resolve().parent / "standard"
SCHEMA_DIR = STANDARD_DIR / "schema"
COMPILED_SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/compiled/"
# Where the official document points for schemas; served from this site instead
# (standard/schema/), so reading the documentation needs no other server.
OFFICIAL_SCHEMA_BASES = (
    COMPILED_SCHEMA_BASE,
    "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/",
)
PROFILE_URL = "https://github.com/OpenReferralUK/uk-profile"
HSDS_VERSION = "3.0"

ERROR_SCHEMA = {
    "type": "object",
    "required": ["status", "message"],
    "properties": {
        "status": {"type": "integer", "description": "The HTTP status code."},
        "message": {"type": "string", "description": "What went wrong, for the person writing the client."},
        "errors": {
            "type": "object",
            "description": "Messages for each query parameter that was not understood.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}
LOCAL_PARAMETERS = {
    "services": ["modified_after", "full", "postcode", "proximity"],
    "service_at_locations": ["modified_after"],
}


@cache
def official_document() -> dict[str, Any]:
    with (STANDARD_DIR / "openapi30.json").open(encoding="utf-8") as handle:
        document: dict[str, Any] = json.load(handle)
    return document


def error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def document_for(server_url: str) -> dict[str, Any]:
    """The document with `server_url` (…/openreferral) as its one server."""
    document = copy.deepcopy(official_document())
    document["servers"] = [{"url": server_url, "description": "This directory's Open Referral UK API"}]
    document["info"]["description"] = (
        "Open Referral UK 3.0 API of the council's directory of adult social care providers: personal "
        "assistants, micro-providers, day services and home care agencies. Open to all, no key needed; "
        "requests are limited per client address (429 with Retry-After when exceeded). Every listing is one "
        "organization with one service; ids are stable UUIDs. Optional extras: `modified_after` for a feed of "
        "changes, `full=true` for fully nested services in lists, and `postcode`/`proximity` on /services."
    )
    components = document["components"]
    components["schemas"]["Error"] = ERROR_SCHEMA
    parameters = components["parameters"]
    parameters["per_page"]["schema"].update({"minimum": 1, "maximum": 500, "default": 50})
    parameters["page"]["schema"].update({"minimum": 1, "maximum": MAX_PAGE, "default": 1})
    parameters["page"]["description"] = (
        f"{parameters['page'].get('description', '')} Pages 1 to {MAX_PAGE}; total_pages never counts past "
        f"{MAX_PAGE}, so to read more than {MAX_PAGE} pages' worth ask for more per_page, or use modified_after."
    ).strip()
    parameters["day"]["description"] += (
        " One of MO, TU, WE, TH, FR, SA, SU (or the day's name); several may be given separated by commas."
    )
    for name in ("start_time", "end_time"):
        # The official document says "type": "time", which is not an OpenAPI type.
        parameters[name]["schema"] = {"type": "string", "format": "time", "example": "09:00"}
        parameters[name]["description"] += (
            " As HH:MM or HH:MM:SS, local time in the UK; a time with a zone (09:00:00Z, 09:00+01:00) is"
            " converted to UK time on the day of the request."
        )
    parameters["minimum_age"]["description"] += " Every listing here serves adults: 18 and over, with no upper limit."
    parameters["proximity"]["description"] += " Up to 200000 metres; requires `postcode`."
    parameters["full"]["description"] = "On /services: return fully nested services in the list, for bulk harvesting."

    paths = document["paths"]
    for path, names in LOCAL_PARAMETERS.items():
        operation = paths[f"/{path}"]["get"]
        present = {parameter.get("$ref") for parameter in operation["parameters"]}
        for name in names:
            reference = f"#/components/parameters/{name}"
            if reference not in present:
                operation["parameters"].append({"$ref": reference})

    paths["/taxonomy_terms"]["get"]["operationId"] = "getPaginatedListOfTaxonomyTerms"
    paths["/taxonomy_terms/{id}"]["get"]["operationId"] = "getTaxonomyTermById"
    paths["/service_at_locations/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": f"{COMPILED_SCHEMA_BASE}service_at_location.json"
    }
    for path, item in paths.items():
        responses = item["get"]["responses"]
        responses["429"] = error_response("Too many requests from this address; wait for the seconds in Retry-After.")
        if "{id}" in path:
            responses["400"] = error_response("The id is not a UUID.")
            responses["404"] = error_response("Nothing published has this id.")
        elif item["get"].get("parameters"):
            responses["400"] = error_response("A query parameter was not understood; `errors` says which and why.")
    return with_local_schema_references(document, f"{server_url}/schema/")


def with_local_schema_references(node: Any, local_base: str) -> Any:
    """The document with each reference to an official schema file pointed at our copy."""
    if isinstance(node, dict):
        rewritten = {key: with_local_schema_references(value, local_base) for key, value in node.items()}
        reference = rewritten.get("$ref")
        if isinstance(reference, str):
            for base in OFFICIAL_SCHEMA_BASES:
                if reference.startswith(base):
                    rewritten["$ref"] = local_base + reference.removeprefix(base)
                    break
        return rewritten
    if isinstance(node, list):
        return [with_local_schema_references(item, local_base) for item in node]
    return node


def schema_file(name: str) -> dict[str, Any] | None:
    """One of the bundled official schemas by file name, or None."""
    path = SCHEMA_DIR / name
    if path.parent != SCHEMA_DIR or path.suffix != ".json" or not path.is_file():
        return None
    with path.open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema
