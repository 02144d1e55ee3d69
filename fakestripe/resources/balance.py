"""Balance transactions (the ledger behind every money movement), the balance, and Stripe's UK card fee."""

from typing import Any

from fakestripe.core import AVAILABLE_AFTER_SECONDS, CURRENCY, Fake, Request, list_object
from fakestripe.ids import new_id

# Stripe's standard UK pricing for UK cards: 1.5% + 20p.
PERCENT_FEE_PER_THOUSAND = 15
FIXED_FEE_PENCE = 20
DISPUTE_FEE_PENCE = 2000


def card_fee(amount: int) -> int:
    """Stripe's fee on a UK card charge in pence: 1.5% rounded half up, plus 20p."""
    return (amount * PERCENT_FEE_PER_THOUSAND * 2 + 1000) // 2000 + FIXED_FEE_PENCE


def record(
    fake: Fake,
    *,
    account: str | None,
    amount: int,
    kind: str,
    source: str,
    description: str | None = None,
    fee: int = 0,
    fee_description: str = "Stripe processing fees",
    available_now: bool = False,
    reporting_category: str | None = None,
) -> dict[str, Any]:
    """A balance transaction on the platform (account None) or a connected account."""
    now = fake.now()
    transaction = {
        "amount": amount,
        "available_on": now if available_now else now + AVAILABLE_AFTER_SECONDS,
        "balance_type": "payments",
        "created": now,
        "currency": CURRENCY,
        "description": description,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": (
            [
                {
                    "amount": fee,
                    "application": None,
                    "currency": CURRENCY,
                    "description": fee_description,
                    "type": "stripe_fee",
                }
            ]
            if fee
            else []
        ),
        "id": new_id("txn"),
        "net": amount - fee,
        "object": "balance_transaction",
        "reporting_category": reporting_category or kind,
        "source": source,
        "status": "available" if available_now else "pending",
        "type": kind,
        "fake_paid_out": None,
    }
    fake.store.insert(transaction, account=account)
    return transaction


def public(transaction: dict[str, Any], now: int) -> dict[str, Any]:
    """As shown: pending until its money is available (the fake's own keys are dropped by the server)."""
    shown = dict(transaction)
    shown["status"] = "available" if transaction["available_on"] <= now else "pending"
    return shown


def unpaid(fake: Fake, account: str | None, *, available_only: bool) -> list[dict[str, Any]]:
    """Balance transactions not yet in a payout (those whose money is available, if asked)."""
    now = fake.now()
    return [
        item
        for item in fake.store.all("balance_transaction", account=account)
        if item["fake_paid_out"] is None
        and item["type"] != "payout"
        and (not available_only or item["available_on"] <= now)
    ]


def retrieve_balance_transaction(request: Request) -> dict[str, Any]:
    (transaction_id,) = request.path_args
    found = request.store.get("balance_transaction", transaction_id, account=request.account)
    return public(found, request.now())


def list_balance_transactions(request: Request) -> dict[str, Any]:
    now = request.now()
    page = list_object(
        request,
        request.store.all("balance_transaction", account=request.account),
        "/v1/balance_transactions",
        filters={
            "type": lambda item, wanted: item["type"] == wanted,
            "source": lambda item, wanted: item["source"] == wanted,
            "currency": lambda item, wanted: item["currency"] == wanted,
            "payout": lambda item, wanted: item["type"] != "payout" and item["fake_paid_out"] == wanted,
        },
    )
    page["data"] = [public(item, now) for item in page["data"]]
    return page


def retrieve_balance(request: Request) -> dict[str, Any]:
    request.params.refuse_unknown(())
    now = request.now()
    available = pending = 0
    for item in request.store.all("balance_transaction", account=request.account):
        if item["available_on"] <= now:
            available += item["net"]
        else:
            pending += item["net"]
    return {
        "object": "balance",
        "available": [{"amount": available, "currency": CURRENCY, "source_types": {"card": available}}],
        "connect_reserved": [{"amount": 0, "currency": CURRENCY}],
        "livemode": False,
        "pending": [{"amount": pending, "currency": CURRENCY, "source_types": {"card": pending}}],
    }


ROUTES = [
    ("GET", r"/v1/balance_transactions", list_balance_transactions),
    ("GET", r"/v1/balance_transactions/([^/]+)", retrieve_balance_transaction),
    ("GET", r"/v1/balance", retrieve_balance),
]
