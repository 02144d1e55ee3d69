"""Transfers to connected accounts and their reversals, and the platform's application fees.

A transfer lands on the connected account as a payment (a ``py_`` charge there) with its own balance
transaction. Destination charges make one for the whole charge and then take the application fee back;
separate charges and transfers make them with ``POST /v1/transfers`` (``source_transaction``,
``transfer_group``).
"""

from typing import Any

from fakestripe.core import CURRENCY, Fake, Request, add_to_embedded, embedded_list, list_object
from fakestripe.errors import StripeError, invalid, no_such
from fakestripe.ids import new_id
from fakestripe.resources import balance
from fakestripe.resources.accounts import destination_account
from fakestripe.resources.charges import Billing, charge_object


def _transfer(
    fake: Fake,
    *,
    amount: int,
    destination: str,
    source_transaction: str | None,
    transfer_group: str | None,
    description: str | None,
    metadata: dict[str, str],
    source_charge_available_now: bool,
) -> dict[str, Any]:
    transfer_id = new_id("tr")
    payment_id = new_id("py")
    now = fake.now()
    platform_transaction = balance.record(
        fake,
        account=None,
        amount=-amount,
        kind="transfer",
        source=transfer_id,
        description=description,
        available_now=True,
    )
    payment = charge_object(
        charge_id=payment_id,
        amount=amount,
        created=now,
        payment_intent=None,
        payment_method=None,
        card=None,
        billing=Billing(),
        metadata={},
        description=description,
        transfer_group=transfer_group,
        succeeded=True,
    )
    payment["source_transfer"] = transfer_id
    payment["payment_method_details"] = {"stripe_account": {}, "type": "stripe_account"}
    payment_transaction = balance.record(
        fake,
        account=destination,
        amount=amount,
        kind="payment",
        source=payment_id,
        description=description,
        available_now=source_charge_available_now,
    )
    payment["balance_transaction"] = payment_transaction["id"]
    fake.store.insert(payment, account=destination)
    transfer = {
        "amount": amount,
        "amount_reversed": 0,
        "balance_transaction": platform_transaction["id"],
        "created": now,
        "currency": CURRENCY,
        "description": description,
        "destination": destination,
        "destination_payment": payment_id,
        "id": transfer_id,
        "livemode": False,
        "metadata": metadata,
        "object": "transfer",
        "reversals": embedded_list(f"/v1/transfers/{transfer_id}/reversals"),
        "reversed": False,
        "source_transaction": source_transaction,
        "source_type": "card",
        "transfer_group": transfer_group,
    }
    fake.store.insert(transfer, account=None)
    fake.emit("transfer.created", transfer, account=None)
    return transfer


def transfer_for_charge(
    fake: Fake, charge: dict[str, Any], *, destination: str, amount: int, application_fee_amount: int | None
) -> dict[str, Any]:
    """The transfer a destination charge makes as it succeeds."""
    transfer = _transfer(
        fake,
        amount=amount,
        destination=destination,
        source_transaction=charge["id"],
        transfer_group=charge["transfer_group"],
        description=None,
        metadata={},
        source_charge_available_now=False,
    )
    if application_fee_amount:
        payment = fake.store.get("charge", transfer["destination_payment"])
        payment["application_fee_amount"] = application_fee_amount
        fake.store.save(payment)
    return transfer


def application_fee_for(fake: Fake, charge: dict[str, Any], transfer: dict[str, Any], amount: int) -> dict[str, Any]:
    """The platform's fee, taken back from the connected account's payment."""
    fee_id = new_id("fee")
    destination = transfer["destination"]
    payment = fake.store.get("charge", transfer["destination_payment"])
    platform_transaction = balance.record(
        fake, account=None, amount=amount, kind="application_fee", source=fee_id, available_now=False
    )
    balance.record(fake, account=destination, amount=-amount, kind="application_fee", source=fee_id)
    fee = {
        "account": destination,
        "amount": amount,
        "amount_refunded": 0,
        "application": "ca_fakestripeplatform",
        "balance_transaction": platform_transaction["id"],
        "charge": payment["id"],
        "created": fake.now(),
        "currency": CURRENCY,
        "fee_source": {"charge": payment["id"], "type": "charge"},
        "id": fee_id,
        "livemode": False,
        "object": "application_fee",
        "originating_transaction": charge["id"],
        "refunded": False,
        "refunds": embedded_list(f"/v1/application_fees/{fee_id}/refunds"),
    }
    fake.store.insert(fee, account=None)
    payment["application_fee"] = fee_id
    fake.store.save(payment)
    fake.emit("application_fee.created", fee, account=None)
    return fee


def reverse(
    fake: Fake,
    transfer: dict[str, Any],
    amount: int,
    *,
    metadata: dict[str, str],
    source_refund: str | None,
    request: Request | None,
) -> dict[str, Any]:
    """Take `amount` back from the connected account: a reversal, a refund of its payment, two ledger lines."""
    remaining = transfer["amount"] - transfer["amount_reversed"]
    if amount > remaining:
        raise invalid(
            "amount", f"Transfer reversal amount ({amount}) is greater than the amount left to reverse ({remaining})."
        )
    reversal_id = new_id("trr")
    payment_refund_id = new_id("pyr")
    platform_transaction = balance.record(
        fake,
        account=None,
        amount=amount,
        kind="transfer_refund",
        source=reversal_id,
        available_now=True,
        reporting_category="transfer_reversal",
    )
    payment_refund_transaction = balance.record(
        fake,
        account=transfer["destination"],
        amount=-amount,
        kind="payment_refund",
        source=payment_refund_id,
        available_now=True,
    )
    payment = fake.store.get("charge", transfer["destination_payment"])
    payment_refund = {
        "amount": amount,
        "balance_transaction": payment_refund_transaction["id"],
        "charge": payment["id"],
        "created": fake.now(),
        "currency": CURRENCY,
        "destination_details": None,
        "id": payment_refund_id,
        "metadata": {},
        "object": "refund",
        "payment_intent": None,
        "reason": None,
        "receipt_number": None,
        "source_transfer_reversal": reversal_id,
        "status": "succeeded",
        "transfer_reversal": None,
        "customer": None,
        "customer_account": None,
        "payment_method": None,
    }
    fake.store.insert(payment_refund, account=transfer["destination"])
    payment["amount_refunded"] += amount
    payment["refunded"] = payment["amount_refunded"] >= payment["amount"]
    add_to_embedded(payment["refunds"], payment_refund)
    fake.store.save(payment)
    reversal = {
        "amount": amount,
        "balance_transaction": platform_transaction["id"],
        "created": fake.now(),
        "currency": CURRENCY,
        "destination_payment_refund": payment_refund_id,
        "id": reversal_id,
        "metadata": metadata,
        "object": "transfer_reversal",
        "source_refund": source_refund,
        "transfer": transfer["id"],
    }
    fake.store.insert(reversal, account=None)
    transfer["amount_reversed"] += amount
    transfer["reversed"] = transfer["amount_reversed"] >= transfer["amount"]
    add_to_embedded(transfer["reversals"], reversal)
    fake.store.save(transfer)
    fake.emit("transfer.reversed", transfer, account=None, request=request)
    return reversal


def refund_fee(fake: Fake, fee: dict[str, Any], amount: int, *, request: Request | None) -> dict[str, Any]:
    """Give back (part of) the platform's application fee to the connected account."""
    remaining = fee["amount"] - fee["amount_refunded"]
    if amount > remaining:
        raise invalid("amount", f"Refund amount ({amount}) is greater than the unrefunded fee ({remaining}).")
    refund_id = new_id("fr")
    platform_transaction = balance.record(
        fake,
        account=None,
        amount=-amount,
        kind="application_fee_refund",
        source=refund_id,
        available_now=True,
        reporting_category="fee",
    )
    balance.record(
        fake,
        account=fee["account"],
        amount=amount,
        kind="application_fee_refund",
        source=refund_id,
        available_now=True,
        reporting_category="fee",
    )
    fee_refund = {
        "amount": amount,
        "balance_transaction": platform_transaction["id"],
        "created": fake.now(),
        "currency": CURRENCY,
        "fee": fee["id"],
        "id": refund_id,
        "metadata": {},
        "object": "fee_refund",
    }
    fake.store.insert(fee_refund, account=None)
    fee["amount_refunded"] += amount
    fee["refunded"] = fee["amount_refunded"] >= fee["amount"]
    add_to_embedded(fee["refunds"], fee_refund)
    fake.store.save(fee)
    fake.emit("application_fee.refunded", fee, account=None, request=request)
    return fee_refund


def create_transfer(request: Request) -> dict[str, Any]:
    params = request.params
    params.refuse_unknown(
        {"amount", "currency", "destination", "transfer_group", "source_transaction", "description", "metadata"}
    )
    amount = params.required_integer("amount", minimum=1)
    if params.required_string("currency").lower() != CURRENCY:
        raise invalid("currency", "The fake Stripe moves GBP (gbp) only.")
    destination = params.required_string("destination")
    destination_account(request, destination, param="destination")
    source_transaction = params.string("source_transaction")
    available_now = True
    if source_transaction is not None:
        charge = request.store.get("charge", source_transaction, account=None, param="source_transaction")
        if charge["status"] != "succeeded":
            raise invalid("source_transaction", "The source transaction must be a succeeded charge.")
        already = sum(
            item["amount"]
            for item in request.store.all("transfer", account=None)
            if item["source_transaction"] == source_transaction
        )
        if already + amount > charge["amount"]:
            raise StripeError(
                f"The transfer amount ({amount}) is greater than what is left of the source transaction "
                f"({charge['amount'] - already}).",
                code="transfer_source_balance_parameters_mismatch",
                param="amount",
            )
        available_now = False  # the money follows the charge's own availability
    else:
        available = sum(item["net"] for item in balance.unpaid(request.fake, None, available_only=True))
        if amount > available:
            raise StripeError(
                "You have insufficient available funds in your Stripe account. Try adding funds directly to your "
                "available balance, or use source_transaction to transfer from a pending charge.",
                code="balance_insufficient",
            )
    return _transfer(
        request.fake,
        amount=amount,
        destination=destination,
        source_transaction=source_transaction,
        transfer_group=params.string("transfer_group"),
        description=params.string("description"),
        metadata=params.metadata(),
        source_charge_available_now=available_now,
    )


def retrieve_transfer(request: Request) -> dict[str, Any]:
    (transfer_id,) = request.path_args
    return request.store.get("transfer", transfer_id, account=None, param="transfer")


def list_transfers(request: Request) -> dict[str, Any]:
    return list_object(
        request,
        request.store.all("transfer", account=None),
        "/v1/transfers",
        filters={
            "destination": lambda item, wanted: item["destination"] == wanted,
            "transfer_group": lambda item, wanted: item["transfer_group"] == wanted,
        },
    )


def create_reversal(request: Request) -> dict[str, Any]:
    (transfer_id,) = request.path_args
    params = request.params
    params.refuse_unknown({"amount", "metadata", "description", "refund_application_fee"})
    transfer = request.store.get("transfer", transfer_id, account=None, param="id")
    amount = params.integer("amount", minimum=1)
    if amount is None:
        amount = transfer["amount"] - transfer["amount_reversed"]
    return reverse(request.fake, transfer, amount, metadata=params.metadata(), source_refund=None, request=request)


def list_reversals(request: Request) -> dict[str, Any]:
    (transfer_id,) = request.path_args
    request.store.get("transfer", transfer_id, account=None, param="id")
    reversals = [item for item in request.store.all("transfer_reversal") if item["transfer"] == transfer_id]
    return list_object(request, reversals, f"/v1/transfers/{transfer_id}/reversals")


def retrieve_reversal(request: Request) -> dict[str, Any]:
    transfer_id, reversal_id = request.path_args
    reversal = request.store.get("transfer_reversal", reversal_id, account=None)
    if reversal["transfer"] != transfer_id:
        raise no_such("transfer reversal", reversal_id)
    return reversal


def retrieve_application_fee(request: Request) -> dict[str, Any]:
    (fee_id,) = request.path_args
    return request.store.get("application_fee", fee_id, account=None, param="id")


def list_application_fees(request: Request) -> dict[str, Any]:
    return list_object(
        request,
        request.store.all("application_fee", account=None),
        "/v1/application_fees",
        filters={"charge": lambda item, wanted: wanted in (item["charge"], item["originating_transaction"])},
    )


ROUTES = [
    ("POST", r"/v1/transfers", create_transfer),
    ("GET", r"/v1/transfers", list_transfers),
    ("GET", r"/v1/transfers/([^/]+)", retrieve_transfer),
    ("POST", r"/v1/transfers/([^/]+)/reversals", create_reversal),
    ("GET", r"/v1/transfers/([^/]+)/reversals", list_reversals),
    ("GET", r"/v1/transfers/([^/]+)/reversals/([^/]+)", retrieve_reversal),
    ("GET", r"/v1/application_fees", list_application_fees),
    ("GET", r"/v1/application_fees/([^/]+)", retrieve_application_fee),
]
