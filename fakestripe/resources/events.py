"""Events (v1/events): what happened, for reconciliation; the same objects the webhooks carry."""

from typing import Any

from fakestripe.core import Request, list_object


def retrieve_event(request: Request) -> dict[str, Any]:
    (event_id,) = request.path_args
    event = request.store.get("event", event_id, account=request.account)
    event["pending_webhooks"] = request.store.pending_deliveries(event_id)
    return event


def list_events(request: Request) -> dict[str, Any]:
    wanted_types = request.params.raw("types")
    events = request.store.all("event", account=request.account)
    if wanted_types is not None:
        names = [wanted_types] if isinstance(wanted_types, str) else list(wanted_types)
        events = [event for event in events if event["type"] in names]
    return list_object(
        request,
        events,
        "/v1/events",
        filters={"type": lambda event, wanted: _type_matches(event["type"], wanted)},
        also_allowed={"types"},
    )


def _type_matches(event_type: str, wanted: str) -> bool:
    """``type=charge.*`` matches every charge event, as on Stripe."""
    if wanted.endswith(".*"):
        return event_type.startswith(wanted[:-1])
    return event_type == wanted


ROUTES = [
    ("GET", r"/v1/events", list_events),
    ("GET", r"/v1/events/([^/]+)", retrieve_event),
]
