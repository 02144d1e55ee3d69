"""Reads for the commissioners' payments screens: each a fixed number of queries whatever the rows."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from .models import Dispute, Payment, Payout, ReconciliationReport, Refund

CHARGED_STATUSES = (
    Payment.Status.SUCCEEDED,
    Payment.Status.PARTIALLY_REFUNDED,
    Payment.Status.REFUNDED,
    Payment.Status.DISPUTED,
)


def payments_for_admin() -> QuerySet[Payment]:
    return Payment.objects.select_related("provider", "holder").order_by("-created_at", "-pk")


def payment_for_admin(pk: int) -> Payment:
    return Payment.objects.select_related("provider", "holder", "payment_account", "created_by").get(pk=pk)


def payment_history(payment: Payment) -> tuple[list[Refund], list[Dispute]]:
    refunds = list(payment.refunds.select_related("created_by", "ledger_transaction").order_by("created_at", "pk"))
    disputes = list(payment.disputes.select_related("ledger_transaction").order_by("opened_at", "pk"))
    return refunds, disputes


@dataclass(frozen=True)
class PaymentTotals:
    count: int
    amount_pence: int
    fees_pence: int
    refunded_pence: int

    @property
    def net_pence(self) -> int:
        return self.amount_pence - self.refunded_pence


def payment_totals(payments: QuerySet[Payment]) -> PaymentTotals:
    """The listed payments' totals (one query): only charged payments count towards money."""
    charged = Q(status__in=CHARGED_STATUSES)
    figures = payments.order_by().aggregate(
        count=Count("pk"),
        amount=Sum("amount_pence", filter=charged),
        fees=Sum("application_fee_pence", filter=charged),
        refunded=Sum("refunded_pence", filter=charged),
    )
    return PaymentTotals(
        count=int(figures["count"] or 0),
        amount_pence=int(figures["amount"] or 0),
        fees_pence=int(figures["fees"] or 0),
        refunded_pence=int(figures["refunded"] or 0),
    )


def payouts_for_admin() -> QuerySet[Payout]:
    return Payout.objects.select_related("payment_account__provider").order_by("-stripe_created_at", "-pk")


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), zone),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), zone),
    )


@dataclass(frozen=True)
class ProviderTotals:
    provider_id: int
    provider: str
    payments: int
    paid_pence: int
    fees_pence: int
    refunded_pence: int
    failed: int
    disputed: int
    payouts_pence: int

    @property
    def net_pence(self) -> int:
        """Paid, less the council's fees and the money refunded (the part of a fee refunded with a refund
        is not counted back: Stripe's fee refunds are not kept here)."""
        return self.paid_pence - self.fees_pence - self.refunded_pence


def provider_totals(*, start: date, end: date) -> list[ProviderTotals]:
    """Payments made and payouts sent in the period, by provider (two queries)."""
    moment_from, moment_to = _bounds(start, end)
    charged = Q(status__in=CHARGED_STATUSES)
    payments = (
        Payment.objects.filter(created_at__gte=moment_from, created_at__lt=moment_to)
        .order_by()
        .values("provider_id", "provider__name")
        .annotate(
            payments=Count("pk", filter=charged),
            paid=Sum("amount_pence", filter=charged),
            fees=Sum("application_fee_pence", filter=charged),
            refunded=Sum("refunded_pence", filter=charged),
            failed=Count("pk", filter=Q(status__in=Payment.NOT_PAID_STATUSES)),
            disputed=Count("pk", filter=Q(status=Payment.Status.DISPUTED)),
        )
    )
    payouts = {
        row["payment_account__provider_id"]: (row["payment_account__provider__name"], int(row["total"] or 0))
        for row in Payout.objects.filter(stripe_created_at__gte=moment_from, stripe_created_at__lt=moment_to)
        .order_by()
        .values("payment_account__provider_id", "payment_account__provider__name")
        .annotate(total=Sum("amount_pence"))
    }
    rows = [
        ProviderTotals(
            provider_id=row["provider_id"],
            provider=row["provider__name"],
            payments=row["payments"],
            paid_pence=int(row["paid"] or 0),
            fees_pence=int(row["fees"] or 0),
            refunded_pence=int(row["refunded"] or 0),
            failed=row["failed"],
            disputed=row["disputed"],
            payouts_pence=payouts.pop(row["provider_id"], ("", 0))[1],
        )
        for row in payments
    ]
    rows += [
        ProviderTotals(provider_id, name, 0, 0, 0, 0, 0, 0, total) for provider_id, (name, total) in payouts.items()
    ]
    return sorted(rows, key=lambda row: (row.provider.lower(), row.provider_id))


def reconciliation_reports() -> QuerySet[ReconciliationReport]:
    return ReconciliationReport.objects.order_by("-day")
