"""The HTTP server: Stripe's authentication, idempotency keys, errors and routes, and the hosted pages."""

import hashlib
import json
import logging
import re
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fakestripe import API_VERSION, pages, testhelpers
from fakestripe.core import Fake, Handler, Request, expand
from fakestripe.errors import StripeError
from fakestripe.forms import decode
from fakestripe.ids import request_id
from fakestripe.params import Params
from fakestripe.resources import (
    accounts,
    balance,
    charges,
    checkout,
    disputes,
    events,
    payments,
    payouts,
    refunds,
    transfers,
)
from fakestripe.resources.accounts import finish_onboarding, onboarding_link
from fakestripe.resources.charges import Billing
from fakestripe.webhooks import Deliverer, without_fake_keys

logger = logging.getLogger("fakestripe")

IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60
# Stripe keeps the results of requests that started running: successes and card errors, not refusals.
_SAVED_STATUSES = {200, 402}

ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    (method, re.compile(pattern + r"/?$"), handler)
    for module in (
        accounts,
        checkout,
        payments,
        charges,
        refunds,
        transfers,
        disputes,
        payouts,
        balance,
        events,
        testhelpers,
    )
    for method, pattern, handler in module.ROUTES
]
# The only writes a Stripe-Account header may make: direct charges are outside the fake.
_ACTS_FOR_CONNECTED_ACCOUNTS: set[Handler] = {payouts.create_payout}
_CHECKOUT_PAGE = re.compile(r"^/hosted/checkout/(cs_test_[A-Za-z0-9]+)/?$")
_ONBOARDING_PAGE = re.compile(r"^/hosted/onboarding/(onb_[A-Za-z0-9]+)/?$")


def route(method: str, path: str) -> tuple[Handler, tuple[str, ...]] | None:
    for route_method, pattern, handler in ROUTES:
        match = pattern.match(path)
        if match and route_method == method:
            return handler, match.groups()
    return None


class FakeStripeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, fake: Fake, deliverer: Deliverer) -> None:
        self.fake = fake
        self.deliverer = deliverer
        super().__init__(("127.0.0.1", port), RequestHandler)


class RequestHandler(BaseHTTPRequestHandler):
    server: FakeStripeServer
    server_version = "fakestripe"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        logger.info("%s %s", self.address_string(), format % args)

    @property
    def fake(self) -> Fake:
        return self.server.fake

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        body = self._body()
        try:
            if url.path.startswith("/hosted/"):
                self._hosted(method, url.path, body)
            else:
                self._api(method, url.path, url.query, body)
        except Exception:  # answer as Stripe does rather than drop the connection
            logger.exception("fake Stripe failed on %s %s", method, self.path)
            self._json(
                500,
                StripeError("An unknown error occurred", status=500, error_type="api_error").body(request_id()),
                {},
            )

    def _body(self) -> str:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode("utf-8", errors="replace") if length else ""

    # The API.

    def _api(self, method: str, path: str, query: str, body: str) -> None:
        rid = request_id()
        headers = {"Request-Id": rid, "Stripe-Version": API_VERSION}
        try:
            found = route(method, path)
            if found is None:
                raise StripeError(f"Unrecognized request URL ({method}: {path}).", status=404)
            handler, args = found
            api_key = self._api_key() if path.startswith("/v1/") else "fake-helpers"
            params = decode(query if method == "GET" else body)
            key = self.headers.get("Idempotency-Key") if method == "POST" else None
            request = Request(
                fake=self.fake,
                params=Params(params),
                account=self.headers.get("Stripe-Account") or None,
                request_id=rid,
                idempotency_key=key,
                path_args=args,
            )
            if request.account is not None and path.startswith("/v1/"):
                self.fake.store.get("account", request.account, account=None, param="Stripe-Account")
                if method == "POST" and handler not in _ACTS_FOR_CONNECTED_ACCOUNTS:
                    raise StripeError(
                        f"The fake Stripe cannot do {path} on a connected account (Stripe-Account): only payouts. "
                        "Use destination charges or separate charges and transfers from the platform.",
                        param="Stripe-Account",
                    )
            if key is None:
                status, response = self._run(handler, request)
            else:
                headers["Idempotency-Key"] = key
                status, response, replayed = self._idempotent(handler, request, api_key, key, method, path, params)
                if replayed:
                    headers["Idempotent-Replayed"] = "true"
        except StripeError as error:
            status, response = error.status, error.body(rid)
        self._json(status, response, headers)

    def _api_key(self) -> str:
        authorization = self.headers.get("Authorization") or ""
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credentials.startswith(self.fake.api_key_prefix) or len(credentials) < 12:
            raise StripeError(
                "Invalid API Key provided: the fake Stripe takes test secret keys only (sk_test_...)."
                if credentials
                else "You did not provide an API key. Provide it in the Authorization header (Bearer sk_test_...).",
                status=401,
            )
        return credentials

    def _run(self, handler: Handler, request: Request) -> tuple[int, dict[str, Any]]:
        """Run the handler in one transaction; a card error keeps what it recorded (the failed charge)."""
        store = self.fake.store
        with store.transaction():
            try:
                response = handler(request)
            except StripeError as error:
                if error.status != HTTPStatus.PAYMENT_REQUIRED:
                    raise
                return error.status, error.body(request.request_id)
        return 200, expand(store, json.loads(json.dumps(response)), request.params.expand())

    def _idempotent(
        self, handler: Handler, request: Request, api_key: str, key: str, method: str, path: str, params: Any
    ) -> tuple[int, dict[str, Any], bool]:
        fingerprint = hashlib.sha256(
            json.dumps([method, path, request.account, params], sort_keys=True).encode()
        ).hexdigest()
        store = self.fake.store
        with store.transaction():
            saved = store.saved_response(api_key, key)
            if saved is not None and saved[3] > store.now() - IDEMPOTENCY_WINDOW_SECONDS:
                saved_fingerprint, status, body, _created = saved
                if saved_fingerprint != fingerprint:
                    raise StripeError(
                        "Keys for idempotent requests can only be used with the same parameters they were first "
                        f"used with. Try using a key other than '{key}' if you meant to execute a different request.",
                        error_type="idempotency_error",
                    )
                return status, json.loads(body), True
            status, response = self._run(handler, request)
            if status in _SAVED_STATUSES:
                store.save_response(api_key, key, fingerprint, status, json.dumps(response))
        return status, response, False

    def _json(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        payload = json.dumps(without_fake_keys(body), indent=2).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    # The hosted pages.

    def _hosted(self, method: str, path: str, body: str) -> None:
        checkout_match = _CHECKOUT_PAGE.match(path)
        onboarding_match = _ONBOARDING_PAGE.match(path)
        if checkout_match and method in ("GET", "POST"):
            self._checkout(method, checkout_match.group(1), body)
        elif onboarding_match and method in ("GET", "POST"):
            self._onboarding(method, onboarding_match.group(1), body)
        else:
            self._html(404, pages.not_found_page())

    def _checkout(self, method: str, session_id: str, body: str) -> None:
        store = self.fake.store
        session = store.find(session_id)
        if session is None or session["object"] != "checkout.session":
            self._html(404, pages.not_found_page())
            return
        if session["status"] == "complete" and method == "POST":  # the second click of a double click
            self._redirect(checkout.success_url_of(session))
            return
        if session["status"] != "open":
            self._html(410 if session["status"] == "expired" else 200, pages.closed_checkout_page(session))
            return
        if method == "GET":
            self._html(200, pages.checkout_page(session, pages.CardForm(email=session["customer_email"] or "")))
            return
        form = pages.CardForm.from_post(dict(parse_qsl(body, keep_blank_values=True)))
        card = form.card(store.now())
        if card is None:
            self._html(400, pages.checkout_page(session, form))
            return
        request = Request(
            fake=self.fake, params=Params({}), account=None, request_id=request_id(), idempotency_key=None
        )
        declined = False
        try:
            with store.transaction():
                session = store.get("checkout.session", session_id)
                if session["status"] == "open":  # not paid or expired while the form was being filled in
                    billing = Billing(name=form.name, email=form.email or None)
                    try:
                        session = checkout.pay(self.fake, session, card, billing, request=request)
                    except StripeError as error:
                        if error.status != HTTPStatus.PAYMENT_REQUIRED:
                            raise  # and nothing is kept
                        declined = True  # the failed charge is kept, as on Stripe
        except StripeError as error:
            self._html(error.status, pages.problem_page(error.message))
            return
        if declined:
            form.number = ""
            self._html(402, pages.checkout_page(session, form, declined=True))
        elif session["status"] == "complete":  # paid now, or by a first click of a double click
            self._redirect(checkout.success_url_of(session))
        else:
            self._html(410, pages.closed_checkout_page(session))

    def _onboarding(self, method: str, token: str, body: str) -> None:
        store = self.fake.store
        link = onboarding_link(self.fake, token)
        if link is None:
            self._html(404, pages.not_found_page())
            return
        if link["used"] or link["expires_at"] < store.now():
            self._redirect(link["refresh_url"])  # as Stripe does with a used or expired link
            return
        if method == "GET":
            self._html(200, pages.onboarding_page(store.get("account", link["account"])))
            return
        action = dict(parse_qsl(body)).get("action")
        if action not in ("finish", "leave"):
            self._html(400, pages.onboarding_page(store.get("account", link["account"])))
            return
        with store.transaction():
            finish_onboarding(self.fake, link["account"], with_bank_details=action == "finish")
            link["used"] = True
            store.save(link)
        self._redirect(link["return_url"])

    def _html(self, status: int, document: str) -> None:
        payload = document.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(payload)

    def _redirect(self, location: str) -> None:
        self.send_response(303)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()
