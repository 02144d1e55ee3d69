"""Reads of the payments app."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from marketplace.providers.models import Provider

from .models import PaymentAccount
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


def provider_uuids_paid_online(*, provider_ids: Iterable[int]) -> set[str]:
    """Of these providers, the uuids (as strings) of those that can be paid online: one query for a page."""
    ids = list(provider_ids)
    if not ids or not settings.PAYMENTS_ENABLED:
        return set()
    rows = PaymentAccount.objects.filter(provider_id__in=ids, can_be_paid_online=True)
    return {str(uuid) for uuid in rows.values_list("provider__uuid", flat=True)}
