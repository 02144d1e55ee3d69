"""State lives in SQLite under the data directory: a restart keeps objects, events and idempotency keys."""

from pathlib import Path

import pytest
import stripe

from fakestripe.testing import FakeStripeProcess


def test_a_restart_keeps_everything(tmp_path: Path) -> None:
    with FakeStripeProcess.start(tmp_path) as fake:
        client = fake.client()
        account = client.v1.accounts.create(params={"capabilities": {"transfers": {"requested": True}}})
        fake.helper("/_fake/onboarding", account=account.id)
        intent = client.v1.payment_intents.create(
            params={"amount": 1500, "currency": "gbp", "transfer_data": {"destination": account.id},
                    "payment_method": "pm_card_visa", "confirm": True},
            options={"idempotency_key": "before-restart"},
        )  # fmt: skip
        fake.helper("/_fake/advance_time", seconds=3600)
        moved_to = fake.helper("/_fake/now", method="GET")["now"]

        fake.restart()

        assert fake.helper("/_fake/now", method="GET")["now"] >= moved_to
        assert client.v1.accounts.retrieve(account.id).charges_enabled is True
        assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"
        assert client.v1.transfers.list(params={"destination": account.id}).data[0].amount == 1500
        replayed = client.v1.payment_intents.create(
            params={"amount": 1500, "currency": "gbp", "transfer_data": {"destination": account.id},
                    "payment_method": "pm_card_visa", "confirm": True},
            options={"idempotency_key": "before-restart"},
        )  # fmt: skip
        assert replayed.id == intent.id
        assert {event.type for event in client.v1.events.list(params={"limit": 100}).data} >= {
            "payment_intent.succeeded",
            "charge.succeeded",
        }


def test_reset_empties_it(tmp_path: Path) -> None:
    with FakeStripeProcess.start(tmp_path) as fake:
        client = fake.client()
        account = client.v1.accounts.create(params={})

        fake.helper("/_fake/reset")

        with pytest.raises(stripe.InvalidRequestError) as missing:
            client.v1.accounts.retrieve(account.id)
        assert missing.value.http_status == 404
