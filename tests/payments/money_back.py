"""Succeeded online payments for the refund, dispute and reconciliation tests.

A payment is charged through the fake Stripe as the payments code would
(a payment intent with `transfer_data` to the provider's connected account and
the council's application fee, confirmed with a test card), then our rows are
made to match: the Payment, its items, and each invoice paid online through
the budgets service, so the ledger has the invoice payments a refund reverses.
"""

import uuid
from datetime import UTC, date, datetime
from datetime import time as clock_time
from typing import Any

from django.utils import timezone

from marketplace.accounts.models import DirectPaymentHolder
from marketplace.agreements.models import Agreement, Invoice
from marketplace.budgets.services import budget_set, invoice_payment_record
from marketplace.payments import gateway
from marketplace.payments.models import Payment, PaymentAccount, PaymentItem
from marketplace.payments.services import payment_account_connect
from tests.factories import AgreementFactory, DirectPaymentHolderFactory, InvoiceFactory, ProviderFactory

PAID_ON = date(2026, 3, 10)


def moment(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock_time(hour, 0)))


def connected_provider_account(fake: Any, *, name: str = "Willow Care") -> PaymentAccount:
    """A provider with an onboarded connected account at the fake, kept as ours."""
    provider = ProviderFactory(name=name)
    snapshot = gateway.create_connected_account(
        email="owner@example.org", business_name=name, reference=str(provider.uuid)
    )
    fake.helper("/_fake/onboarding", account=snapshot.account_id)
    return payment_account_connect(
        provider=provider, snapshot=gateway.retrieve_account(account_id=snapshot.account_id)
    )


def holder_with_budget() -> DirectPaymentHolder:
    holder: DirectPaymentHolder = DirectPaymentHolderFactory()
    budget_set(
        holder=holder,
        starts_on=date(2026, 1, 6),
        council_payment_pence=100_000,
        own_money_pence=10_000,
        by=None,
        now=moment(date(2026, 1, 6)),
    )
    return holder


def issue_invoice(agreement: Agreement, *, total: int, own: int, issued_on: date = PAID_ON) -> Invoice:
    return InvoiceFactory(
        agreement=agreement, total_pence=total, own_money_pence=own, issued_on=issued_on, issued_hour=9
    )


def paid_payment(
    *,
    account: PaymentAccount,
    holder: DirectPaymentHolder | None = None,
    invoices: tuple[tuple[int, int], ...] = ((6000, 1000),),
    fee: int = 300,
    card: str = "pm_card_visa",
    paid_on: date = PAID_ON,
    now: datetime | None = None,
) -> Payment:
    """A SUCCEEDED payment of invoices given as (total, own money part), charged at the fake now."""
    holder = holder or holder_with_budget()
    agreement = AgreementFactory(holder=holder, provider=account.provider)
    made = [issue_invoice(agreement, total=total, own=own) for total, own in invoices]
    amount = sum(invoice.total_pence for invoice in made)
    key = f"test-payment-{uuid.uuid4().hex}"
    intent = gateway.client().v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": "gbp",
            "transfer_data": {"destination": account.stripe_account_id},
            "application_fee_amount": fee,
            "payment_method": card,
            "confirm": True,
            "metadata": {"payment": key},
        },
        options={"idempotency_key": key},
    )
    # Our times are the charge's own, so a test compares them with Stripe's whatever the real clock says.
    when = now or datetime.fromtimestamp(intent.created, tz=UTC)
    payment = Payment.objects.create(
        holder=holder,
        provider=account.provider,
        payment_account=account,
        status=Payment.Status.SUCCEEDED,
        amount_pence=amount,
        application_fee_pence=fee,
        idempotency_key=key,
        stripe_payment_intent_id=intent.id,
        stripe_charge_id=str(intent.latest_charge),
        created_at=when,
        updated_at=when,
        succeeded_at=when,
    )
    for invoice in made:
        PaymentItem.objects.create(payment=payment, invoice=invoice, amount_pence=invoice.total_pence)
        invoice_payment_record(
            invoice=invoice,
            by=holder.user,
            route=Invoice.Route.ONLINE,
            reference=intent.id,
            paid_on=paid_on,
            now=moment(paid_on, 11),
        )
    return payment
