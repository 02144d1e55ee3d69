"""A webhook receiver for the tests: records what the fake Stripe POSTs, answers what it is told to."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import stripe


@dataclass(frozen=True)
class Received:
    path: str
    signature: str
    payload: str
    received_at: float
    answered: int = 200  # the status this receiver gave


class WebhookReceiver:
    def __init__(self, port: int = 0, answer: int = 200) -> None:
        self.received: list[Received] = []
        self.answer = answer  # set before the server starts: a request may arrive at once
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                payload = self.rfile.read(length).decode()
                signature = self.headers.get("Stripe-Signature", "")
                answer = receiver.answer  # read once, before the test can see this request and change it
                receiver.received.append(Received(self.path, signature, payload, time.time(), answer))
                self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self, path: str, secret: str) -> list[stripe.Event]:
        """Every event received at `path` whose signature verifies with `secret` (others raise).

        Each was signed when it was sent: its time is checked against when it
        arrived, with Stripe's tolerance, so an event received long before
        (the fake is shared by the session) still verifies.
        """
        events = []
        for item in list(self.received):
            if item.path != path:
                continue
            event = stripe.Webhook.construct_event(item.payload, item.signature, secret, tolerance=None)
            signed_at = int(item.signature.split(",")[0].removeprefix("t="))
            assert abs(item.received_at - signed_at) <= stripe.Webhook.DEFAULT_TOLERANCE, "signed too long before"
            events.append(event)
        return events

    def wait_for(
        self, path: str, secret: str, matches: Callable[[stripe.Event], bool], timeout: float = 15.0
    ) -> stripe.Event:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events(path, secret):
                if matches(event):
                    return event
            time.sleep(0.05)
        raise AssertionError(f"no matching event reached {path} in {timeout}s")
