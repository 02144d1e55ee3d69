from typing import Any

from django import template
from django.conf import settings

from marketplace.payments.models import Dispute, Refund

register = template.Library()


@register.simple_tag
def payments_enabled() -> bool:
    """Whether online payments are switched on (PAYMENTS_ENABLED), for links to the payment pages."""
    return bool(settings.PAYMENTS_ENABLED)


@register.simple_tag
def invoice_money_back(invoice: Any) -> list[dict[str, Any]]:
    """Money given back on the online payment of an invoice (refunds, lost card disputes), oldest first.

    For the invoice page, which the holder's side and the provider's side both
    see: the invoice stays paid; this says what came back. Two queries.
    """
    refunds = Refund.objects.filter(payment__items__invoice=invoice, status=Refund.Status.SUCCEEDED).values(
        "amount_pence", "created_at", "payment__amount_pence"
    )
    disputes = Dispute.objects.filter(payment__items__invoice=invoice, status=Dispute.Status.LOST).values(
        "amount_pence", "closed_at", "payment__amount_pence"
    )
    found = [
        {"amount_pence": row["amount_pence"], "on": row["created_at"], "what": "Refunded to the card",
         "payment_pence": row["payment__amount_pence"]}
        for row in refunds
    ] + [
        {"amount_pence": row["amount_pence"], "on": row["closed_at"], "what": "Returned to the card after a dispute",
         "payment_pence": row["payment__amount_pence"]}
        for row in disputes
    ]  # fmt: skip
    return sorted(found, key=lambda item: item["on"])
