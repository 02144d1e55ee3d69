"""The fake Stripe's hosted pages in a real browser: onboarding a connected account, and paying on Checkout
with a declined test card and then a good one. Both pages pass axe-core.
"""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from fakestripe.testing import FakeStripeProcess


class _ReturnPage(BaseHTTPRequestHandler):
    """Stands in for the site the person comes back to."""

    def do_GET(self) -> None:
        body = b"<!DOCTYPE html><html lang='en'><head><title>Back on the site</title></head><body><main>"
        body += b"<h1>Back on the site</h1></main></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def site_root() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ReturnPage)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake_stripe(tmp_path: Path) -> Iterator[FakeStripeProcess]:
    with FakeStripeProcess.start(tmp_path) as running:
        yield running


@pytest.mark.browser
def test_a_provider_onboards_and_a_holder_pays_with_a_test_card(
    page: Page, fake_stripe: FakeStripeProcess, site_root: str, axe_check: Any, screenshot: Any
) -> None:
    client = fake_stripe.client()
    account = client.v1.accounts.create(
        params={
            "controller": {"fees": {"payer": "application"}, "losses": {"payments": "application"},
                           "stripe_dashboard": {"type": "express"}},
            "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
            "email": "sam.pa@example.com",
        }
    )  # fmt: skip
    link = client.v1.account_links.create(
        params={"account": account.id, "type": "account_onboarding", "refresh_url": f"{site_root}/again/",
                "return_url": f"{site_root}/onboarded/"}
    )  # fmt: skip

    page.goto(link.url)
    expect(page.get_by_role("heading", name="Set up payments")).to_be_visible()
    axe_check(page)
    screenshot(page, "onboarding")
    page.get_by_role("button", name="Finish onboarding").click()
    expect(page).to_have_url(f"{site_root}/onboarded/")
    assert client.v1.accounts.retrieve(account.id).charges_enabled is True

    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [{"price_data": {"currency": "gbp", "unit_amount": 4250,
                                           "product_data": {"name": "Invoice INV-12: support in March"}},
                            "quantity": 1}],
            "payment_intent_data": {"transfer_data": {"destination": account.id}, "application_fee_amount": 0},
            "success_url": f"{site_root}/paid/?session={{CHECKOUT_SESSION_ID}}",
            "cancel_url": f"{site_root}/cancelled/",
        }
    )  # fmt: skip
    page.goto(session.url or "")
    expect(page.get_by_role("heading", name="Pay £42.50")).to_be_visible()
    axe_check(page)
    screenshot(page, "checkout")

    page.get_by_label("Email address").fill("jo.holder@example.com")
    page.get_by_label("Name on card").fill("Jo Holder")
    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.get_by_label("Expiry date").fill("12/49")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name="Pay £42.50").click()
    expect(page.get_by_role("alert")).to_contain_text("Your card was declined. Nothing has been charged.")
    expect(page.get_by_label("Name on card")).to_have_value("Jo Holder")
    axe_check(page)
    screenshot(page, "declined")
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"

    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay £42.50").click()
    expect(page).to_have_url(f"{site_root}/paid/?session={session.id}")
    paid = client.v1.checkout.sessions.retrieve(session.id)
    assert (paid.status, paid.payment_status) == ("complete", "paid")
