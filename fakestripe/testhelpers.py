"""Test helpers under ``/_fake/``: nothing like them exists on the real Stripe.

They move the fake's clock, empty it, open disputes, pay out, finish onboarding, pay a Checkout Session
without a browser, add to the platform's balance, and show the webhook delivery log.
"""

from typing import Any

from fakestripe.core import Fake, Request
from fakestripe.errors import invalid
from fakestripe.ids import new_id
from fakestripe.resources import balance, checkout, payouts, refunds
from fakestripe.resources.accounts import finish_onboarding
from fakestripe.resources.charges import TEST_CARDS, Billing
from fakestripe.resources.disputes import open_dispute, win_dispute


def sweep(fake: Fake) -> None:
    """What time passing does: sessions expire, refunds of a refund-failing card fail, payouts are made and paid,
    old idempotency keys go."""
    with fake.store.transaction():
        checkout.expire_due(fake)
        refunds.fail_due(fake)
        payouts.settle(fake)
        fake.store.forget_responses_before(fake.now() - 24 * 60 * 60)


def advance_time(request: Request) -> dict[str, Any]:
    request.params.refuse_unknown({"seconds"})
    seconds = request.params.required_integer("seconds", minimum=0)
    request.store.advance(seconds)
    sweep(request.fake)
    return {"object": "fake.clock", "now": request.now()}


def clock(request: Request) -> dict[str, Any]:
    return {"object": "fake.clock", "now": request.now()}


def reset(request: Request) -> dict[str, Any]:
    request.store.reset()
    return {"object": "fake.reset", "reset": True}


def trigger_dispute(request: Request) -> dict[str, Any]:
    request.params.refuse_unknown({"charge"})
    return open_dispute(request.fake, request.params.required_string("charge"), request=request)


def dispute_won(request: Request) -> dict[str, Any]:
    request.params.refuse_unknown({"dispute"})
    return win_dispute(request.fake, request.params.required_string("dispute"), request=request)


def payout(request: Request) -> dict[str, Any]:
    request.params.refuse_unknown({"account", "include_pending"})
    made = payouts.pay_out(
        request.fake,
        request.params.required_string("account"),
        automatic=True,
        include_pending=request.params.boolean("include_pending", default=True),
        request=request,
    )
    return made or {"object": "fake.no_payout", "reason": "nothing to pay out"}


def onboarding(request: Request) -> dict[str, Any]:
    request.params.refuse_unknown({"account", "with_bank_details"})
    return finish_onboarding(
        request.fake,
        request.params.required_string("account"),
        with_bank_details=request.params.boolean("with_bank_details", default=True),
        request=request,
    )


def pay_session(request: Request) -> dict[str, Any]:
    params = request.params
    params.refuse_unknown({"session", "card", "name", "email"})
    session = request.store.get("checkout.session", params.required_string("session"), param="session")
    number = params.required_string("card")
    if number not in TEST_CARDS:
        raise invalid("card", f"Use a test card: {', '.join(TEST_CARDS)}")
    billing = Billing(name=params.string("name") or "Test Person", email=params.string("email"))
    return checkout.pay(request.fake, session, TEST_CARDS[number], billing, request=request)


def top_up(request: Request) -> dict[str, Any]:
    """Add money to the platform's available balance (what the council's own income would be on Stripe)."""
    request.params.refuse_unknown({"amount"})
    amount = request.params.required_integer("amount", minimum=1)
    return balance.record(
        request.fake, account=None, amount=amount, kind="topup", source=new_id("tu"), available_now=True
    )


def deliveries(request: Request) -> dict[str, Any]:
    return {"object": "list", "data": request.store.delivery_log(), "has_more": False, "url": "/_fake/deliveries"}


ROUTES = [
    ("POST", r"/_fake/advance_time", advance_time),
    ("GET", r"/_fake/now", clock),
    ("POST", r"/_fake/reset", reset),
    ("POST", r"/_fake/trigger_dispute", trigger_dispute),
    ("POST", r"/_fake/win_dispute", dispute_won),
    ("POST", r"/_fake/payouts", payout),
    ("POST", r"/_fake/onboarding", onboarding),
    ("POST", r"/_fake/checkout/pay", pay_session),
    ("POST", r"/_fake/top_up", top_up),
    ("GET", r"/_fake/deliveries", deliveries),
]
