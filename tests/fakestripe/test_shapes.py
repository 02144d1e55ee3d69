"""Every object the fake returns has the keys of Stripe's own example object for its type, with the right types.

The examples are Stripe's official fixtures (tests/fakestripe/stripe_fixtures/, from stripe/openapi).
"""

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import stripe

from fakestripe.testing import TEST_SECRET_KEY, FakeStripeProcess
from tests.fakestripe.conftest import CARD_DISPUTED, pay_on_page

FIXTURES = json.loads((Path(__file__).parent / "stripe_fixtures" / "fixtures3.json").read_text())["resources"]
ID_PREFIXES = {
    "account": "acct_", "charge": ("ch_", "py_"), "checkout.session": "cs_test_", "payment_intent": "pi_",
    "balance_transaction": "txn_", "transfer": "tr_", "transfer_reversal": "trr_", "refund": ("re_", "pyr_"),
    "application_fee": "fee_", "fee_refund": "fr_", "payout": "po_", "dispute": "dp_", "event": "evt_",
}  # fmt: skip


def _kind(value: Any) -> str:
    return "integer" if isinstance(value, int) and not isinstance(value, bool) else type(value).__name__


def shape_problems(kind: str, ours: dict[str, Any], example: dict[str, Any], where: str = "") -> list[str]:
    problems = []
    for key, expected in example.items():
        path = f"{where}{key}"
        if key not in ours:
            problems.append(f"{kind}: no {path}")
            continue
        value = ours[key]
        if expected is None or value is None:
            continue
        if isinstance(expected, dict) and set(expected) <= {"id", "object"} and isinstance(value, str):
            continue  # an expandable reference, shown unexpanded
        if key == "payment_method_details" and value.get("type") != expected.get("type"):
            continue  # its keys depend on its type: a transfer's payment is "stripe_account", the example a card
        if _kind(value) != _kind(expected) and not (isinstance(expected, dict) and "object" in expected):
            problems.append(f"{kind}: {path} is {_kind(value)}, Stripe's is {_kind(expected)}")
        elif isinstance(expected, dict) and isinstance(value, dict) and "object" not in expected and where == "":
            problems.extend(shape_problems(kind, value, expected, f"{path}."))
    return problems


def _get(fake_stripe: FakeStripeProcess, path: str, account: str | None = None) -> dict[str, Any]:
    request = urllib.request.Request(fake_stripe.base_url + path)
    request.add_header("Authorization", f"Bearer {TEST_SECRET_KEY}")
    if account:
        request.add_header("Stripe-Account", account)
    with urllib.request.urlopen(request, timeout=10) as response:
        return dict(json.loads(response.read()))


@pytest.fixture
def objects(
    client: stripe.StripeClient, fake_stripe: FakeStripeProcess, make_session: Any, onboarded_account: stripe.Account
) -> list[dict[str, Any]]:
    """One of everything, read back as the raw JSON the fake answers."""
    account_id = onboarded_account.id
    link = client.v1.account_links.create(
        params={"account": account_id, "type": "account_onboarding", "refresh_url": "http://127.0.0.1/r",
                "return_url": "http://127.0.0.1/b"}
    )  # fmt: skip
    session = make_session(account_id, amount=4000, fee=200)
    pay_on_page(fake_stripe, session, CARD_DISPUTED)
    session_json = _get(fake_stripe, f"/v1/checkout/sessions/{session.id}")
    intent = _get(fake_stripe, f"/v1/payment_intents/{session_json['payment_intent']}")
    charge = _get(fake_stripe, f"/v1/charges/{intent['latest_charge']}")
    refund = client.v1.refunds.create(
        params={"charge": charge["id"], "amount": 1000, "reverse_transfer": True, "refund_application_fee": True}
    )
    fee = _get(fake_stripe, f"/v1/application_fees/{charge['application_fee']}")
    transfer = _get(fake_stripe, f"/v1/transfers/{charge['transfer']}")
    payout = fake_stripe.helper("/_fake/payouts", account=account_id)
    destination_payment = _get(fake_stripe, f"/v1/charges/{transfer['destination_payment']}", account_id)
    return [
        _get(fake_stripe, f"/v1/accounts/{account_id}"),
        {**link.to_dict()},
        _get(fake_stripe, f"/v1/accounts/{account_id}/capabilities/transfers"),
        session_json,
        intent,
        charge,
        destination_payment,
        _get(fake_stripe, f"/v1/balance_transactions/{charge['balance_transaction']}"),
        transfer,
        transfer["reversals"]["data"][0],
        _get(fake_stripe, f"/v1/refunds/{refund.id}"),
        fee,
        fee["refunds"]["data"][0],
        _get(fake_stripe, f"/v1/payouts/{payout['id']}", account_id),
        _get(fake_stripe, f"/v1/disputes?charge={charge['id']}")["data"][0],
        _get(fake_stripe, "/v1/events?limit=1")["data"][0],
        _get(fake_stripe, "/v1/balance", account_id),
    ]


def test_every_object_has_the_keys_and_types_of_stripes_example(objects: list[dict[str, Any]]) -> None:
    assert {item["object"] for item in objects} == set(FIXTURES)
    problems = []
    for item in objects:
        kind = item["object"]
        problems.extend(shape_problems(kind, item, FIXTURES[kind]))
        if kind in ID_PREFIXES:
            assert isinstance(item["id"], str)
            assert item["id"].startswith(ID_PREFIXES[kind]), item["id"]
        amounts = ["amount", "amount_total", "amount_received", "amount_refunded", "amount_reversed"]
        for money in amounts + (["fee", "net"] if kind == "balance_transaction" else []):
            if money in item and item[money] is not None:
                assert _kind(item[money]) == "integer", f"{kind}.{money}"
        if "currency" in item:
            assert item["currency"] == "gbp", kind
        if "status" in item:
            assert isinstance(item["status"], str), kind
    assert problems == []


def test_the_shape_check_notices_a_missing_key_or_a_wrong_type() -> None:
    example = FIXTURES["transfer"]
    broken = {**example, "amount": "1100"}
    del broken["destination"]

    assert shape_problems("transfer", broken, example) == [
        "transfer: amount is str, Stripe's is integer",
        "transfer: no destination",
    ]
