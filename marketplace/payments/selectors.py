"""Reads of the payments app."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch
from wagtail.models import Site

from marketplace.accounts.models import DirectPaymentHolder
from marketplace.agreements.models import Invoice
from marketplace.providers.models import Provider

from .models import Payment, PaymentAccount, PaymentItem, PaymentSettings
from .requirements import plain_requirements


@dataclass(frozen=True)
class PaymentAccountStatus:
    account: PaymentAccount | None
    can_be_paid_online: bool
    still_needed: list[str]

    @property
    def has_started(self) -> bool:
        return self.account is not None


def payment_account_status(*, provider: Provider) -> PaymentAccountStatus:
    account = PaymentAccount.objects.filter(provider=provider).first()
    if account is None:
        return PaymentAccountStatus(account=None, can_be_paid_online=False, still_needed=[])
    return PaymentAccountStatus(
        account=account,
        can_be_paid_online=account.can_be_paid_online,
        still_needed=plain_requirements(list(account.requirements_due)),
    )


def provider_can_be_paid_online(*, provider: Provider) -> bool:
    if not settings.PAYMENTS_ENABLED:
        return False
    return PaymentAccount.objects.filter(provider=provider, can_be_paid_online=True).exists()


def provider_ids_paid_online(*, provider_ids: Iterable[int] | None = None) -> set[int]:
    """Of these providers (of every one, when None), the ids of those that can be paid online: one query."""
    ids = None if provider_ids is None else list(provider_ids)
    if ids == [] or not settings.PAYMENTS_ENABLED:
        return set()
    rows = PaymentAccount.objects.filter(can_be_paid_online=True)
    if ids is not None:
        rows = rows.filter(provider_id__in=ids)
    return set(rows.values_list("provider_id", flat=True))


def payment_settings() -> PaymentSettings:
    """The council's payment settings (the default site's; the defaults when never saved)."""
    site = Site.objects.filter(is_default_site=True).first()
    return PaymentSettings.for_site(site) if site else PaymentSettings()


@dataclass(frozen=True)
class ProviderToPay:
    """A provider the holder owes, with the invoices to pay and whether it can be paid online."""

    provider: Provider
    can_be_paid_online: bool
    invoices: list[Invoice]
    # Invoices already in a live online payment, by invoice id: the payment (to continue or see).
    in_payment: dict[int, Payment]

    @property
    def rows(self) -> list[tuple[Invoice, Payment | None]]:
        """Each invoice with the live payment it is in, if any."""
        return [(invoice, self.in_payment.get(invoice.pk)) for invoice in self.invoices]

    @property
    def choosable(self) -> list[Invoice]:
        return [invoice for invoice in self.invoices if invoice.pk not in self.in_payment]


def holder_invoices_by_provider(*, holder: DirectPaymentHolder) -> list[ProviderToPay]:
    """The holder's invoices to pay, by provider, in three queries whatever their number."""
    invoices = list(
        Invoice.objects.filter(holder=holder, status=Invoice.Status.PAYABLE)
        .select_related("provider")
        .order_by("provider__name", "provider_id", "due_on", "pk")
    )
    provider_ids = {invoice.provider_id for invoice in invoices}
    online = provider_ids_paid_online(provider_ids=provider_ids)
    in_payment = (
        {
            item.invoice_id: item.payment
            for item in PaymentItem.objects.filter(is_live=True, invoice__in=invoices).select_related("payment")
        }
        if invoices
        else {}
    )
    grouped: dict[int, ProviderToPay] = {}
    for invoice in invoices:
        entry = grouped.get(invoice.provider_id)
        if entry is None:
            entry = grouped[invoice.provider_id] = ProviderToPay(
                provider=invoice.provider,
                can_be_paid_online=invoice.provider_id in online,
                invoices=[],
                in_payment={},
            )
        entry.invoices.append(invoice)
        if invoice.pk in in_payment:
            entry.in_payment[invoice.pk] = in_payment[invoice.pk]
    return list(grouped.values())


def holder_payments(*, holder: DirectPaymentHolder, limit: int = 20) -> list[Payment]:
    """The holder's latest online payments with their invoices, newest first (two queries)."""
    return list(
        Payment.objects.filter(holder=holder)
        .select_related("provider")
        .prefetch_related(Prefetch("items", queryset=PaymentItem.objects.select_related("invoice")))[:limit]
    )


def provider_payments(*, provider: Provider, limit: int = 50) -> list[Payment]:
    """Online payments to a provider that have reached Stripe, newest first (two queries)."""
    return list(
        Payment.objects.filter(provider=provider)
        .exclude(status=Payment.Status.QUEUED)
        .prefetch_related(Prefetch("items", queryset=PaymentItem.objects.select_related("invoice")))[:limit]
    )
