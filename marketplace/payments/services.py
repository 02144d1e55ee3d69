"""Every write of the payments app: connected accounts and Stripe events.

Stripe is called only through `gateway`. A connected account's state is never
taken from a webhook's body: an event only tells us *which* account to read
again, so events that arrive late, twice or out of order leave the account as
Stripe has it now.
"""

from collections.abc import Callable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.providers import hooks as provider_hooks
from marketplace.providers.models import Provider

from . import gateway, refunds
from .errors import PaymentsError
from .gateway import AccountSnapshot, PaymentGatewayError, VerifiedEvent
from .models import PaymentAccount, StripeEvent

__all__ = ["PaymentsError"]

# Who can join: providers paid per invoice. A PA employed by the person is paid
# through the person's payroll, never through a connected account.
ELIGIBLE_KINDS = frozenset(
    {
        Provider.Kind.PERSONAL_ASSISTANT,
        Provider.Kind.MICRO_PROVIDER,
        Provider.Kind.DAY_SERVICE,
        Provider.Kind.HOME_CARE_AGENCY,
    }
)
# Events that say something about a connected account: we read the account again.
ACCOUNT_EVENT_TYPES = frozenset({"account.updated", "capability.updated", "account.application.deauthorized"})


def provider_may_join_payments(provider: Provider) -> bool:
    return provider.kind in ELIGIBLE_KINDS


def payment_account_start_onboarding(
    *, provider: Provider, by: User, return_url: str, refresh_url: str, now: datetime | None = None
) -> str:
    """Make the provider's connected account if it has none, and a fresh onboarding link to Stripe.

    Each call makes a new link (links are single-use and expire in minutes).
    """
    if not provider_may_join_payments(provider):
        raise PaymentsError(
            "Online payments are for personal assistants, micro-providers, day services and home care agencies."
        )
    moment = now or timezone.now()
    account = PaymentAccount.objects.filter(provider=provider).first()
    try:
        if account is None:
            snapshot = gateway.create_connected_account(
                email=by.email, business_name=provider.name, reference=str(provider.uuid)
            )
            account = _payment_account_create(provider=provider, snapshot=snapshot, now=moment)
        return gateway.create_onboarding_link(
            account_id=account.stripe_account_id, return_url=return_url, refresh_url=refresh_url
        )
    except PaymentGatewayError as error:
        raise PaymentsError(error.message, is_unreachable=error.is_unreachable) from error


def payment_account_connect(
    *, provider: Provider, snapshot: AccountSnapshot, now: datetime | None = None
) -> PaymentAccount:
    """Keep a connected account already made through the gateway as the provider's (one per provider)."""
    return _payment_account_create(provider=provider, snapshot=snapshot, now=now or timezone.now())


@transaction.atomic
def _payment_account_create(*, provider: Provider, snapshot: AccountSnapshot, now: datetime) -> PaymentAccount:
    # The gateway's idempotency key gives the same Stripe account for a provider twice;
    # get_or_create keeps one row if two requests race here.
    account, _ = PaymentAccount.objects.get_or_create(
        provider=provider,
        defaults={"stripe_account_id": snapshot.account_id, "created_at": now, "refreshed_at": now},
    )
    _apply(account, snapshot, now)
    return account


def payment_account_refresh(*, account: PaymentAccount, now: datetime | None = None) -> PaymentAccount:
    """Read the account from Stripe again and keep what it says."""
    try:
        snapshot = gateway.retrieve_account(account_id=account.stripe_account_id)
    except PaymentGatewayError as error:
        raise PaymentsError(error.message, is_unreachable=error.is_unreachable) from error
    with transaction.atomic():
        locked = PaymentAccount.objects.select_for_update().get(pk=account.pk)
        _apply(locked, snapshot, now or timezone.now())
    return locked


def is_ready_for_payments(snapshot: AccountSnapshot) -> bool:
    return (
        snapshot.charges_enabled
        and snapshot.payouts_enabled
        and snapshot.card_payments_status == "active"
        and snapshot.transfers_status == "active"
    )


def _apply(account: PaymentAccount, snapshot: AccountSnapshot, now: datetime) -> None:
    account.charges_enabled = snapshot.charges_enabled
    account.payouts_enabled = snapshot.payouts_enabled
    account.details_submitted = snapshot.details_submitted
    account.card_payments_status = snapshot.card_payments_status
    account.transfers_status = snapshot.transfers_status
    account.requirements_due = snapshot.requirements_due
    account.disabled_reason = snapshot.disabled_reason
    was_payable = account.can_be_paid_online
    account.can_be_paid_online = is_ready_for_payments(snapshot)
    account.refreshed_at = now
    account.save()
    if account.can_be_paid_online != was_payable:
        # Whether a provider can be paid online shows on its public profile: cached pages need a new version.
        provider_hooks.listings_changed([account.provider_id])


def stripe_event_record(
    *, event: VerifiedEvent, endpoint: str, now: datetime | None = None
) -> tuple[StripeEvent, bool]:
    """Keep a verified event once by its id; (the row, whether it is new). A repeat only counts the delivery."""
    moment = now or timezone.now()
    try:
        with transaction.atomic():
            row = StripeEvent.objects.create(
                event_id=event.event_id,
                endpoint=endpoint,
                type=event.type,
                account_id=event.account_id,
                object_id=event.object_id,
                stripe_created=event.created,
                payload=event.payload,
                received_at=moment,
            )
            return row, True
    except IntegrityError:
        StripeEvent.objects.filter(event_id=event.event_id).update(delivery_count=F("delivery_count") + 1)
        return StripeEvent.objects.get(event_id=event.event_id), False


def _account_event(event: StripeEvent, now: datetime) -> str:
    account_id = event.account_id or (event.object_id if event.object_id.startswith("acct_") else "")
    account = PaymentAccount.objects.filter(stripe_account_id=account_id).first()
    if account is None:
        return "ignored: not one of our connected accounts"
    refreshed = payment_account_refresh(account=account, now=now)
    return "account read again: " + ("can be paid online" if refreshed.can_be_paid_online else "not ready")


# What we do with each event type we act on: one function per type, given the
# stored event and the moment; it returns a short outcome kept on the event.
# Each must be idempotent and must re-read the object from Stripe rather than
# trust the event's body, so replayed and out-of-order events change nothing.
EventHandler = Callable[[StripeEvent, datetime], str]
EVENT_HANDLERS: dict[str, EventHandler] = dict.fromkeys(ACCOUNT_EVENT_TYPES, _account_event)
EVENT_HANDLERS.update(dict.fromkeys(refunds.REFUND_EVENT_TYPES, refunds.refund_event))
EVENT_HANDLERS["charge.refunded"] = refunds.charge_refunded_event
EVENT_HANDLERS.update(dict.fromkeys(refunds.DISPUTE_EVENT_TYPES, refunds.dispute_event))
EVENT_HANDLERS.update(dict.fromkeys(refunds.PAYOUT_EVENT_TYPES, refunds.payout_event))


def stripe_event_process(*, event_pk: int, now: datetime | None = None) -> str:
    """Act on a stored event once. Safe to call again: a processed event is left alone.

    Raises PaymentsError when Stripe cannot be reached, so the task retries later.
    """
    moment = now or timezone.now()
    event = StripeEvent.objects.get(pk=event_pk)
    if event.processed_at is not None:
        return event.outcome
    handler = EVENT_HANDLERS.get(event.type)
    outcome = handler(event, moment) if handler else "ignored: not an event we act on"
    StripeEvent.objects.filter(pk=event.pk, processed_at__isnull=True).update(processed_at=moment, outcome=outcome)
    return outcome
