"""Payouts in GBP from connected accounts to their bank accounts: daily and automatic, or asked for."""

from datetime import UTC, datetime, timedelta
from typing import Any

from fakestripe.core import CURRENCY, Fake, Request, list_object
from fakestripe.errors import StripeError, invalid
from fakestripe.ids import new_id
from fakestripe.resources import balance

ARRIVAL_SECONDS = 24 * 60 * 60


def pay_out(
    fake: Fake,
    account_id: str,
    *,
    automatic: bool,
    include_pending: bool = False,
    amount: int | None = None,
    request: Request | None = None,
) -> dict[str, Any] | None:
    """Pay out the account's balance (what is available, or everything not yet paid out); None if nothing."""
    account = fake.store.get("account", account_id, account=None, param="account")
    if not account["payouts_enabled"]:
        raise StripeError(
            f"Payouts are not enabled for {account_id}: its onboarding is not finished.", code="payouts_not_allowed"
        )
    every_line = fake.store.all("balance_transaction", account=account_id)
    now = fake.now()
    available = sum(line["net"] for line in every_line if line["available_on"] <= now)
    pending = sum(line["net"] for line in every_line if line["available_on"] > now)
    total = available + pending if include_pending else available
    if amount is not None:
        if amount > total:
            raise StripeError(
                "You have insufficient funds in your Stripe account for this payout.",
                code="balance_insufficient",
                param="amount",
            )
        total = amount
    if total <= 0:
        return None
    payout_id = new_id("po")
    if amount is None:  # a whole-balance payout: its lines are the ones ?payout=po_ lists
        for line in balance.unpaid(fake, account_id, available_only=not include_pending):
            line["fake_paid_out"] = payout_id
            fake.store.save(line)
    transaction = balance.record(
        fake,
        account=account_id,
        amount=-total,
        kind="payout",
        source=payout_id,
        description="STRIPE PAYOUT",
        available_now=True,
    )
    bank_accounts = account["external_accounts"]["data"]
    payout = {
        "amount": total,
        "application_fee": None,
        "application_fee_amount": None,
        "arrival_date": _next_midnight(now + ARRIVAL_SECONDS),
        "automatic": automatic,
        "balance_transaction": transaction["id"],
        "created": now,
        "currency": CURRENCY,
        "description": "STRIPE PAYOUT",
        "destination": bank_accounts[0]["id"] if bank_accounts else None,
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "id": payout_id,
        "livemode": False,
        "metadata": request.params.metadata() if request else {},
        "method": "standard",
        "object": "payout",
        "original_payout": None,
        "payout_method": None,
        "reconciliation_status": "completed" if automatic else "not_applicable",
        "reversed_by": None,
        "source_type": "card",
        "statement_descriptor": None,
        "status": "pending",
        "trace_id": {"status": "pending", "value": None},
        "type": "bank_account",
    }
    fake.store.insert(payout, account=account_id)
    fake.emit("payout.created", payout, account=account_id, request=request)
    return payout


def _next_midnight(moment: int) -> int:
    day = datetime.fromtimestamp(moment, tz=UTC).date() + timedelta(days=1)
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def settle(fake: Fake) -> None:
    """What the passing of time does: pending payouts are paid on arrival; each day, available balances go out."""
    now = fake.now()
    for account in fake.store.all("account", account=None):
        if not account["payouts_enabled"]:
            continue
        for payout in fake.store.all("payout", account=account["id"]):
            if payout["status"] == "pending" and payout["arrival_date"] <= now:
                payout["status"] = "paid"
                payout["trace_id"] = {"status": "supported", "value": "FAKE" + payout["id"][-8:].upper()}
                fake.store.save(payout)
                fake.emit("payout.paid", payout, account=account["id"], previous_attributes={"status": "pending"})
        pay_out(fake, account["id"], automatic=True)


def create_payout(request: Request) -> dict[str, Any]:
    params = request.params
    params.refuse_unknown({"amount", "currency", "description", "metadata", "method", "statement_descriptor"})
    if request.account is None:
        raise invalid("amount", "The fake Stripe pays out from connected accounts only (send Stripe-Account).")
    amount = params.required_integer("amount", minimum=1)
    if params.required_string("currency").lower() != CURRENCY:
        raise invalid("currency", "Payouts are in GBP (gbp) only.")
    payout = pay_out(request.fake, request.account, automatic=False, amount=amount, request=request)
    assert payout is not None
    return payout


def retrieve_payout(request: Request) -> dict[str, Any]:
    (payout_id,) = request.path_args
    return request.store.get("payout", payout_id, account=request.account, param="payout")


def list_payouts(request: Request) -> dict[str, Any]:
    return list_object(
        request,
        request.store.all("payout", account=request.account),
        "/v1/payouts",
        filters={"status": lambda item, wanted: item["status"] == wanted},
    )


ROUTES = [
    ("POST", r"/v1/payouts", create_payout),
    ("GET", r"/v1/payouts", list_payouts),
    ("GET", r"/v1/payouts/([^/]+)", retrieve_payout),
]
