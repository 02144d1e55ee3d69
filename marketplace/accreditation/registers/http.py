"""The one way the register clients make an HTTP request: a timeout, no redirects, errors as the client's type."""

from datetime import date
from typing import Any

import requests
from django.conf import settings

from . import RegisterError, RegisterNotFound


def timeout_seconds() -> float:
    return float(settings.REGISTER_TIMEOUT_SECONDS)


def http_get(
    url: str,
    *,
    error: type[RegisterError],
    not_found: type[RegisterNotFound] | None = None,
    timeout: float,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
) -> requests.Response:
    """GET `url` and return a 2xx response, or raise `error` (or `not_found` on a 404).

    The messages name the register and what went wrong but never the URL,
    and the original exception is not chained: both would put query
    parameters (a DBS certificate holder's date of birth) into logs.
    """
    name = error.register
    try:
        response = requests.get(
            url, params=params, headers=headers, auth=auth, timeout=(timeout, timeout), allow_redirects=False
        )
    except (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema, requests.exceptions.InvalidURL):
        raise error(f"{name}'s address in the settings is not a valid URL.") from None
    except requests.Timeout:
        raise error(f"{name} did not answer within {timeout:g} seconds.", is_temporary=True) from None
    except requests.RequestException as exception:
        raise error(f"{name} could not be reached ({type(exception).__name__}).", is_temporary=True) from None
    status = response.status_code
    if 200 <= status < 300:
        return response
    if status == 404 and not_found is not None:
        raise not_found(f"{name} has no record with that identifier.")
    if status in (401, 403):
        raise error(f"{name} refused our request (HTTP {status}): check the API key or account in the settings.")
    if status == 429:
        raise error(f"{name} asked us to slow down (HTTP 429).", is_temporary=True)
    if status >= 500:
        raise error(f"{name} had a problem answering (HTTP {status}).", is_temporary=True)
    raise error(f"{name} did not accept our request (HTTP {status}).")


def json_object(response: requests.Response, *, error: type[RegisterError]) -> dict[str, Any]:
    """The response body as a JSON object, or `error` when it is not one."""
    try:
        body = response.json()
    except ValueError:
        raise error(f"{error.register} sent an answer that is not JSON.") from None
    if not isinstance(body, dict):
        raise error(f"{error.register} sent JSON of an unexpected shape.")
    return body


def iso_date(value: Any) -> date | None:
    """A date from an ISO string (a time after the date is ignored); None when absent or unreadable."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
