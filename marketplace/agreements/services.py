"""Every write to agreements, timesheet entries and invoices.

Apps above this one (the budget ledger, online payments) record that an
invoice was paid through `mark_invoice_paid`, in their own transaction, and
post the money themselves.
"""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from marketplace.accounts.models import User

from .models import Invoice


class AgreementError(Exception):
    """Something the agreement rules do not allow; the message is for people."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@transaction.atomic
def mark_invoice_paid(
    *, invoice: Invoice, by: User | None, route: str, reference: str, paid_on: date, now: datetime
) -> Invoice:
    """Record that a payable invoice was paid, by which route and with what reference.

    Locks the invoice row, so two people recording the same payment at once
    record it once: the second gets an AgreementError.
    """
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status == Invoice.Status.PAID:
        raise AgreementError(f"Invoice {locked.number} is already paid.")
    if locked.status != Invoice.Status.PAYABLE:
        raise AgreementError(f"Invoice {locked.number} was cancelled and cannot be paid.")
    if route not in Invoice.Route.values:
        raise AgreementError("Choose how the invoice was paid.", field="route")
    if paid_on < timezone.localdate(locked.issued_at):
        raise AgreementError("The payment date must be on or after the day the invoice was issued.", field="paid_on")
    locked.status = Invoice.Status.PAID
    locked.paid_route = route
    locked.paid_reference = reference.strip()
    locked.paid_on = paid_on
    locked.paid_at = now
    locked.paid_by = by
    locked.save(update_fields=["status", "paid_route", "paid_reference", "paid_on", "paid_at", "paid_by"])
    return locked
