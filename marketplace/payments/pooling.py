"""Paying a pooled share: once its charge succeeds, transfer it to the provider (separate charges and transfers).

Each member of a pooled agreement pays their own share's invoice in their own
Checkout session. The session is an ordinary charge on the platform carrying
the invoice's `transfer_group` (not a destination charge), because one
provider is paid from several people's charges and Stripe's separate charges
and transfers keep each person's charge, refund and dispute apart while the
transfer group ties the period's shares together. Once a share's charge has
succeeded, `pooled_share_transfer` moves the share (less any platform fee) to
the provider's connected account, from that charge (`source_transaction`).

Idempotent twice over: a payment with a transfer id is left alone, and the
request carries an idempotency key made from the payment, so a retry after a
lost answer gets the same transfer back. While Stripe is unreachable the task
retries with backoff, and a sweep every few minutes picks up any share whose
retries ran out. The code that marks a payment paid (the checkout webhooks)
calls the functions in `checkout.POOLED_PAYMENT_SUCCEEDED` after the save
commits; `tasks.transfer_pooled_share_soon` is registered there (apps.py).
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from . import gateway
from .gateway import PaymentGatewayError
from .models import Payment, Refund
from .refunds import COUNTED_REFUND_STATUSES, WITHHELD, provider_part_pence
from .services import PaymentsError

# A share part refunded before its transfer is still transferred (the rest); a share refunded in full is not.
TRANSFERABLE = frozenset({Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED})


def transfer_idempotency_key(payment: Payment) -> str:
    return f"pooled-share-transfer-{payment.uuid}"


def is_pooled_share(payment: Payment) -> bool:
    return bool(payment.transfer_group)


def pooled_share_transfer(*, payment_pk: int, now: datetime | None = None) -> Payment:
    """Transfer a paid pooled share to the provider once; returns the payment with `stripe_transfer_id` set.

    Does nothing for a payment that is not a pooled share, not yet paid, or
    already transferred. Raises PaymentsError when Stripe cannot be reached
    (`is_unreachable`, so the task retries) or refuses the transfer.
    """
    payment = Payment.objects.select_related("payment_account").get(pk=payment_pk)
    if not is_pooled_share(payment) or payment.stripe_transfer_id or payment.status not in TRANSFERABLE:
        return payment
    if not payment.stripe_charge_id:
        raise PaymentsError("This share has no charge to transfer from yet.")
    amount = _transfer_amount_fixed(payment, now=now)
    if amount <= 0:
        return payment
    try:
        transfer = gateway.create_transfer(
            amount=amount,
            destination=payment.payment_account.stripe_account_id,
            transfer_group=payment.transfer_group,
            source_transaction=payment.stripe_charge_id,
            idempotency_key=transfer_idempotency_key(payment),
        )
    except PaymentGatewayError as error:
        raise PaymentsError(error.message, is_unreachable=error.is_unreachable) from error
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if not locked.stripe_transfer_id:
            locked.stripe_transfer_id = transfer.transfer_id
            locked.updated_at = now or timezone.now()
            locked.save(update_fields=["stripe_transfer_id", "updated_at"])
    return locked


def _transfer_amount_fixed(payment: Payment, *, now: datetime | None) -> int:
    """The share's transfer amount, fixed under a row lock the first time a transfer is tried.

    Refunds made before that moment are taken off the amount (the provider's
    part of them is never moved, so they are marked withheld, not reversed);
    refunds made after it, even while Stripe's answer to the transfer is lost,
    are reversed from the transfer once it is known. Every retry therefore asks
    Stripe for the same transfer with the same Idempotency-Key.
    """
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.transfer_requested_pence is not None:
            return locked.transfer_requested_pence
        refunded_before = list(
            locked.refunds.filter(status__in=COUNTED_REFUND_STATUSES, stripe_transfer_reversal_id="")
        )
        refunded = sum(refund.amount_pence for refund in refunded_before)
        amount = locked.amount_pence - locked.application_fee_pence - provider_part_pence(locked, refunded)
        if amount <= 0:
            return 0
        locked.transfer_requested_pence = amount
        locked.updated_at = now or timezone.now()
        locked.save(update_fields=["transfer_requested_pence", "updated_at"])
        Refund.objects.filter(pk__in=[refund.pk for refund in refunded_before]).update(
            stripe_transfer_reversal_id=WITHHELD
        )
        return amount


def pooled_shares_waiting_for_transfer(*, limit: int = 500) -> list[int]:
    """Paid pooled shares with no transfer yet (a worker was down, or retries ran out), oldest first."""
    return list(
        Payment.objects.filter(status__in=TRANSFERABLE, stripe_transfer_id="")
        .exclude(transfer_group="")
        .exclude(stripe_charge_id="")
        .order_by("succeeded_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
