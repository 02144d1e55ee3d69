"""Signed webhook delivery with retries: each event POSTed to its endpoints until one answers 2xx.

The signature is Stripe's: ``Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.payload">`` with the
endpoint's secret, which ``stripe.Webhook.construct_event`` verifies. The time signed is the real clock, not
the fake's moved one, because receivers check it against their own clock. A receiver that is down or answers
anything else is tried again after 1, 2, 4, 8... times the base delay (an hour at most), up to a limit.
"""

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from fakestripe.store import Store

logger = logging.getLogger("fakestripe.webhooks")

MAX_DELAY_SECONDS = 3600.0
TIMEOUT_SECONDS = 5.0


def signature_header(payload: str, secret: str, timestamp: int) -> str:
    signed = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signed}"


def without_fake_keys(value: Any) -> Any:
    """The object as Stripe would show it: the fake's own bookkeeping (``fake_...`` keys) left out."""
    if isinstance(value, dict):
        return {key: without_fake_keys(item) for key, item in value.items() if not key.startswith("fake_")}
    if isinstance(value, list):
        return [without_fake_keys(item) for item in value]
    return value


class Deliverer:
    """A background thread that sends due deliveries and, every few seconds, runs the fake's housekeeping."""

    def __init__(
        self,
        store: Store,
        *,
        base_delay: float,
        max_attempts: int,
        housekeeping: Callable[[], None] | None = None,
        housekeeping_every: float = 2.0,
        tick: float = 0.1,
    ) -> None:
        self.store = store
        self.base_delay = base_delay
        self.max_attempts = max_attempts
        self.housekeeping = housekeeping
        self.housekeeping_every = housekeeping_every
        self.tick = tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fakestripe-webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()  # within a tick and one delivery's timeout

    def _run(self) -> None:
        # time.sleep, not Event.wait(timeout): a timed wait on a lock never wakes under libfaketime,
        # with which the suite runs again on a moved clock.
        last_housekeeping = time.monotonic()
        while not self._stop.is_set():
            time.sleep(self.tick)
            if self.housekeeping is not None and time.monotonic() - last_housekeeping >= self.housekeeping_every:
                last_housekeeping = time.monotonic()
                try:
                    self.housekeeping()
                except Exception:  # housekeeping that fails must not stop deliveries
                    logger.exception("fake Stripe housekeeping failed")
            self.deliver_due()

    def deliver_due(self) -> None:
        for delivery in self.store.due_deliveries(time.time()):
            event = self.store.find(delivery.event_id)
            if event is None:  # reset since it was queued
                self.store.record_attempt(delivery.id, delivered=False, result="event gone", retry_at=None)
                continue
            event["pending_webhooks"] = self.store.pending_deliveries(delivery.event_id)
            payload = json.dumps(without_fake_keys(event), indent=2)
            delivered, result = self._post(delivery.url, payload, delivery.secret)
            attempts = delivery.attempts + 1
            retry_at = None
            if not delivered and attempts < self.max_attempts:
                retry_at = time.time() + min(self.base_delay * 2 ** (attempts - 1), MAX_DELAY_SECONDS)
            self.store.record_attempt(delivery.id, delivered=delivered, result=result, retry_at=retry_at)
            if not delivered:
                logger.warning("webhook %s to %s: %s (attempt %d)", delivery.event_id, delivery.url, result, attempts)

    def _post(self, url: str, payload: str, secret: str) -> tuple[bool, str]:
        request = urllib.request.Request(
            url,
            data=payload.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks) fakestripe",
                "Stripe-Signature": signature_header(payload, secret, int(time.time())),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                return 200 <= response.status < 300, str(response.status)
        except urllib.error.HTTPError as error:
            return False, str(error.code)
        except (OSError, ValueError) as error:
            return False, type(error).__name__
