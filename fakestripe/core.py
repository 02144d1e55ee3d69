"""What every resource module shares: the fake itself, one request, events, lists and expansion."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fakestripe import API_VERSION
from fakestripe.errors import StripeError
from fakestripe.ids import new_id
from fakestripe.params import Params
from fakestripe.store import Store

# How long after a charge its money can be paid out (Stripe UK's usual standard schedule).
AVAILABLE_AFTER_SECONDS = 3 * 24 * 60 * 60
CURRENCY = "gbp"
COUNTRY = "GB"


@dataclass(frozen=True)
class Endpoint:
    """A webhook endpoint given on the command line: Connect endpoints get connected accounts' events."""

    url: str
    secret: str
    connect: bool


@dataclass
class Fake:
    store: Store
    base_url: str
    api_key_prefix: str = "sk_test_"
    endpoints: list[Endpoint] = field(default_factory=list)

    def now(self) -> int:
        return self.store.now()

    def emit(
        self,
        event_type: str,
        subject: dict[str, Any],
        *,
        account: str | None,
        previous_attributes: dict[str, Any] | None = None,
        request: "Request | None" = None,
    ) -> dict[str, Any]:
        """Record an event about `subject` and queue it for every endpoint that should hear of it."""
        endpoints = [endpoint for endpoint in self.endpoints if endpoint.connect == (account is not None)]
        data: dict[str, Any] = {"object": subject}
        if previous_attributes is not None:
            data["previous_attributes"] = previous_attributes
        event: dict[str, Any] = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": len(endpoints),
            "request": {
                "id": request.request_id if request else None,
                "idempotency_key": request.idempotency_key if request else None,
            },
            "type": event_type,
        }
        if account is not None:
            event["account"] = account
        self.store.insert(event, account=account)
        for endpoint in endpoints:
            self.store.queue_delivery(event_id=event["id"], url=endpoint.url, secret=endpoint.secret)
        return event


@dataclass
class Request:
    """One API request: its parameters, the connected account it acts for (Stripe-Account) and its ids."""

    fake: Fake
    params: Params
    account: str | None
    request_id: str
    idempotency_key: str | None
    path_args: tuple[str, ...] = ()

    @property
    def store(self) -> Store:
        return self.fake.store

    def now(self) -> int:
        return self.fake.now()


Handler = Callable[[Request], dict[str, Any]]


def list_object(
    request: Request,
    objects: list[dict[str, Any]],
    url: str,
    *,
    filters: dict[str, Callable[[dict[str, Any], str], bool]] | None = None,
    also_allowed: set[str] | None = None,
) -> dict[str, Any]:
    """A page of a Stripe list, newest first: ``limit``, ``starting_after``, ``ending_before``, ``created``.

    `filters` are the list's own parameters (``?destination=acct_...``); `also_allowed` names parameters
    the caller has applied itself.
    """
    params = request.params
    allowed = {"limit", "starting_after", "ending_before", "created", *(filters or {}), *(also_allowed or ())}
    params.refuse_unknown(allowed)
    limit = params.integer("limit", minimum=1) or 10
    if limit > 100:
        raise StripeError(
            "This value must be less than or equal to 100.", code="parameter_invalid_integer", param="limit"
        )
    selected = [item for item in objects if _created_matches(params, item)]
    for name, matches in (filters or {}).items():
        wanted = params.string(name)
        if wanted is not None:
            selected = [item for item in selected if matches(item, wanted)]
    ids = [item["id"] for item in selected]
    starting_after = params.string("starting_after")
    ending_before = params.string("ending_before")
    if starting_after is not None:
        if starting_after not in ids:
            raise StripeError(
                f"No such object: '{starting_after}'", status=404, code="resource_missing", param="starting_after"
            )
        page_items = selected[ids.index(starting_after) + 1 :]
        has_more = len(page_items) > limit
        page_items = page_items[:limit]
    elif ending_before is not None:
        if ending_before not in ids:
            raise StripeError(
                f"No such object: '{ending_before}'", status=404, code="resource_missing", param="ending_before"
            )
        before = selected[: ids.index(ending_before)]
        has_more = len(before) > limit
        page_items = before[-limit:]
    else:
        has_more = len(selected) > limit
        page_items = selected[:limit]
    return {"object": "list", "data": page_items, "has_more": has_more, "url": url}


def _created_matches(params: Params, item: dict[str, Any]) -> bool:
    created = params.raw("created")
    if created is None:
        return True
    moment = int(item.get("created", 0))
    if isinstance(created, str):
        return moment == params.required_integer("created")
    if not isinstance(created, dict):
        raise StripeError("Invalid created: must be an integer or a hash", code="parameter_invalid", param="created")
    checks: dict[str, Callable[[int, int], bool]] = {
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }
    for operator, value in created.items():
        if operator not in checks:
            raise StripeError(
                f"Received unknown parameter: created[{operator}]",
                code="parameter_unknown",
                param=f"created[{operator}]",
            )
        bound = params.required_integer(f"created.{operator}")
        del value
        if not checks[operator](moment, bound):
            return False
    return True


def embedded_list(url: str) -> dict[str, Any]:
    return {"object": "list", "data": [], "has_more": False, "total_count": 0, "url": url}


def add_to_embedded(listing: dict[str, Any], item: dict[str, Any]) -> None:
    listing["data"] = [item, *listing["data"]][:10]
    listing["total_count"] = int(listing.get("total_count", 0)) + 1
    listing["has_more"] = listing["total_count"] > 10


def expand(store: Store, body: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """Replace the ids at these dotted paths with the objects they name (``expand[]=payment_intent``)."""
    for path in paths:
        _expand_path(store, body, path.split("."), path)
    return body


def _expand_path(store: Store, node: Any, parts: list[str], path: str) -> None:
    if not isinstance(node, dict):
        return
    first, rest = parts[0], parts[1:]
    if first == "data" and node.get("object") == "list" and rest:
        for item in node["data"]:
            _expand_path(store, item, rest, path)
        return
    if first not in node:
        raise StripeError(f"This property cannot be expanded ({path}).", code="parameter_invalid", param="expand")
    value = node[first]
    if isinstance(value, str):
        found = store.find(value)
        if found is not None:
            node[first] = found
            value = found
    if rest:
        _expand_path(store, value, rest, path)
