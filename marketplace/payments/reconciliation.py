"""The nightly reconciliation: our payments and refunds for a day compared with Stripe's.

Run each night for the day before (`reconciliation_run(today=...)`), once per
day: a second run for the same day returns the report already made. Stripe's
side is read through the gateway (charges and refunds created in the period,
every page); ours is the payments that succeeded and the refunds made in it.
Each difference is kept on the report:

- missing_ours: Stripe has a charge or refund we have no row for;
- missing_stripe: we have a payment or refund Stripe does not know;
- amount: the amount (or the amount refunded) differs;
- status: Stripe says paid, refunded or disputed and we do not (or the other way).

Commissioners are told by email (the outbox) when a report has any difference.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.selectors import commissioner_email_addresses
from marketplace.core.notifications import email_send

from . import gateway
from .errors import PaymentsError
from .gateway import ChargeSnapshot, PaymentGatewayError, RefundSnapshot
from .models import Payment, ReconciliationReport, Refund

# Our statuses for a payment whose charge succeeded at Stripe.
CHARGED = frozenset(
    {
        Payment.Status.SUCCEEDED,
        Payment.Status.PARTIALLY_REFUNDED,
        Payment.Status.REFUNDED,
        Payment.Status.DISPUTED,
    }
)


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[midnight at the start of `start`, midnight after `end`) in the site's time zone."""
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), zone),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), zone),
    )


def _difference(kind: str, obj: str, payment: Payment | None, ours: Any, stripe: Any, detail: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "object": obj,
        "payment": payment.pk if payment is not None else None,
        "provider": payment.provider.name if payment is not None else "",
        "ours": ours,
        "stripe": stripe,
        "detail": detail,
    }


def _compare_payment(payment: Payment, charge: ChargeSnapshot) -> list[dict[str, Any]]:
    found = []
    if charge.amount != payment.amount_pence:
        found.append(
            _difference("amount", charge.charge_id, payment, payment.amount_pence, charge.amount, "Amount charged")
        )
    if charge.amount_refunded != payment.refunded_pence:
        found.append(
            _difference(
                "amount", charge.charge_id, payment, payment.refunded_pence, charge.amount_refunded, "Amount refunded"
            )
        )
    charged_here = payment.status in CHARGED
    if (charge.status == "succeeded") != charged_here:
        found.append(_difference("status", charge.charge_id, payment, payment.status, charge.status, "Paid or not"))
    elif charge.disputed != (payment.status == Payment.Status.DISPUTED or payment.disputes.exists()):
        found.append(
            _difference(
                "status", charge.charge_id, payment, payment.status, "disputed" if charge.disputed else "not disputed",
                "Disputed or not",
            )
        )  # fmt: skip
    return found


def _compare_refund(refund: Refund, snapshot: RefundSnapshot) -> list[dict[str, Any]]:
    found = []
    if snapshot.amount != refund.amount_pence:
        found.append(
            _difference(
                "amount", snapshot.refund_id, refund.payment, refund.amount_pence, snapshot.amount, "Amount refunded"
            )
        )
    if snapshot.status != refund.status:
        found.append(
            _difference("status", snapshot.refund_id, refund.payment, refund.status, snapshot.status, "Refund status")
        )
    return found


def _read_stripe(start: datetime, end: datetime) -> tuple[list[ChargeSnapshot], list[RefundSnapshot]]:
    try:
        charges = gateway.list_charges(created_from=int(start.timestamp()), created_before=int(end.timestamp()))
        refunds = gateway.list_refunds(created_from=int(start.timestamp()), created_before=int(end.timestamp()))
    except PaymentGatewayError as error:
        raise PaymentsError(error.message, is_unreachable=error.is_unreachable) from error
    return [charge for charge in charges if charge.status == "succeeded"], refunds


def _charge_elsewhere(charge_id: str) -> ChargeSnapshot | None:
    """A charge of ours made outside the period (it succeeded later); None when Stripe has no such charge."""
    try:
        return gateway.retrieve_charge(charge_id=charge_id)
    except PaymentGatewayError as error:
        if error.is_unreachable:
            raise PaymentsError(error.message, is_unreachable=True) from error
        return None


def reconcile(*, start: date, end: date) -> dict[str, Any]:
    """Compare the period's payments and refunds with Stripe's; the report's figures and differences."""
    moment_from, moment_to = _day_bounds(start, end)
    charges, stripe_refunds = _read_stripe(moment_from, moment_to)
    ours = list(
        Payment.objects.filter(succeeded_at__gte=moment_from, succeeded_at__lt=moment_to)
        .select_related("provider")
        .prefetch_related("disputes")
    )
    our_refunds = list(
        Refund.objects.filter(created_at__gte=moment_from, created_at__lt=moment_to).select_related(
            "payment__provider"
        )
    )
    differences: list[dict[str, Any]] = []
    charge_ids = {charge.charge_id for charge in charges}
    by_charge = {
        payment.stripe_charge_id: payment
        for payment in Payment.objects.filter(stripe_charge_id__in=charge_ids)
        .select_related("provider")
        .prefetch_related("disputes")
    }
    by_intent = {
        payment.stripe_payment_intent_id: payment
        for payment in Payment.objects.filter(
            stripe_payment_intent_id__in={charge.payment_intent_id for charge in charges} - {""}
        ).select_related("provider")
    }
    for charge in sorted(charges, key=lambda item: (item.created, item.charge_id)):
        payment = by_charge.get(charge.charge_id) or by_intent.get(charge.payment_intent_id)
        if payment is None:
            differences.append(
                _difference(
                    "missing_ours", charge.charge_id, None, None, charge.amount, "A charge we have no payment for"
                )
            )
        else:
            differences.extend(_compare_payment(payment, charge))
    for payment in ours:
        if payment.stripe_charge_id in charge_ids:
            continue
        elsewhere = _charge_elsewhere(payment.stripe_charge_id) if payment.stripe_charge_id else None
        if elsewhere is None:
            differences.append(
                _difference(
                    "missing_stripe", payment.stripe_charge_id or str(payment.uuid), payment, payment.amount_pence,
                    None, "A payment Stripe has no charge for",
                )
            )  # fmt: skip
        else:
            differences.extend(_compare_payment(payment, elsewhere))
    known_refunds = {
        refund.stripe_refund_id: refund
        for refund in Refund.objects.filter(
            stripe_refund_id__in=[item.refund_id for item in stripe_refunds]
        ).select_related("payment__provider")
    }
    stripe_refund_ids = set()
    for snapshot in stripe_refunds:
        stripe_refund_ids.add(snapshot.refund_id)
        known = known_refunds.get(snapshot.refund_id)
        if known is None:
            differences.append(
                _difference(
                    "missing_ours", snapshot.refund_id, None, None, snapshot.amount, "A refund we have no record of"
                )
            )
        else:
            differences.extend(_compare_refund(known, snapshot))
    for refund in our_refunds:
        if refund.stripe_refund_id not in stripe_refund_ids:
            differences.append(
                _difference(
                    "missing_stripe", refund.stripe_refund_id, refund.payment, refund.amount_pence, None,
                    "A refund Stripe has no record of in this period",
                )
            )  # fmt: skip
    counted_refunds = [refund for refund in our_refunds if refund.status == Refund.Status.SUCCEEDED]
    return {
        "our_payments": len(ours),
        "our_payments_pence": sum(payment.amount_pence for payment in ours),
        "stripe_charges": len(charges),
        "stripe_charges_pence": sum(charge.amount for charge in charges),
        "our_refunds": len(counted_refunds),
        "our_refunds_pence": sum(refund.amount_pence for refund in counted_refunds),
        "stripe_refunds": len([item for item in stripe_refunds if item.status == "succeeded"]),
        "stripe_refunds_pence": sum(item.amount for item in stripe_refunds if item.status == "succeeded"),
        "differences": differences,
    }


def reconciliation_run(*, today: date, now: datetime | None = None) -> ReconciliationReport:
    """Reconcile yesterday (the day before `today`) once; a second run for the same day returns the first report.

    Raises PaymentsError while Stripe is unreachable (nothing is stored, so the task retries).
    """
    moment = now or timezone.now()
    existing = ReconciliationReport.objects.filter(day=today).first()
    if existing is not None:
        return existing
    period = today - timedelta(days=1)
    figures = reconcile(start=period, end=period)
    try:
        with transaction.atomic():
            report = ReconciliationReport.objects.create(
                day=today,
                period_start=period,
                period_end=period,
                difference_count=len(figures["differences"]),
                created_at=moment,
                **figures,
            )
            if report.difference_count:
                email_send(
                    to=commissioner_email_addresses(),
                    subject=f"Online payments: {report.difference_count} difference"
                    f"{'s' if report.difference_count != 1 else ''} with Stripe for {period:%-d %B %Y}",
                    template="payments_reconciliation",
                    context={"report": report, "admin_path": reverse("payments_admin:report", args=[report.pk])},
                )
                report.commissioners_told_at = moment
                report.save(update_fields=["commissioners_told_at"])
    except IntegrityError:  # two runs at once: the other one's report stands
        return ReconciliationReport.objects.get(day=today)
    return report
