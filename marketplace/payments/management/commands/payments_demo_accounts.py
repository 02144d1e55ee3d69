"""Give a couple of demo providers connected accounts that can be paid online, on the fake Stripe.

    python manage.py payments_demo_accounts

Run by scripts/run-dev.sh once the fake Stripe answers. The demo load
(load_demo_data) never needs the fake: it records no payment accounts. This
command makes them afterwards, through the gateway only, and only when the API
base is not the real Stripe. If the fake is not running it records nothing.
Safe to run again: accounts the fake still knows are read again; ones it has
forgotten (its data removed) are made anew, on the same PaymentAccount row when
demo payments were already made to it (they keep pointing at it).
"""

import json
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from marketplace.payments import gateway
from marketplace.payments.gateway import PaymentGatewayError
from marketplace.payments.models import PaymentAccount
from marketplace.payments.services import PaymentsError, payment_account_connect, payment_account_refresh
from marketplace.providers.models import Provider

# One of each: a day service and a home care agency. The demo PA (pa@demo.example) is
# left to onboard themselves, and so is the demo micro-provider.
DEMO_KINDS = (Provider.Kind.DAY_SERVICE, Provider.Kind.HOME_CARE_AGENCY)
DEMO_EMAIL_SUFFIX = "@demo.example"


class Command(BaseCommand):
    help = "Connect a day service and a home care agency of the demo county to the fake Stripe (demo only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.PAYMENTS_ENABLED:
            self.stdout.write("Demo payments: PAYMENTS_ENABLED is off; recorded nothing.")
            return
        if not gateway.is_demo():
            raise CommandError("STRIPE_API_BASE is the real Stripe: demo accounts are only made on the fake.")
        providers = [self._provider_of_kind(kind) for kind in DEMO_KINDS]
        for provider in [provider for provider in providers if provider is not None]:
            try:
                account = self._ensure_ready(provider)
            except (PaymentsError, PaymentGatewayError) as error:
                message = getattr(error, "message", str(error))
                self.stdout.write(f"Demo payments: the fake Stripe did not answer ({message}); recorded nothing more.")
                return
            state = "can be paid online" if account.can_be_paid_online else "not ready"
            self.stdout.write(f"Demo payments: {provider.name} ({account.stripe_account_id}) {state}.")

    def _provider_of_kind(self, kind: str) -> Provider | None:
        return (
            Provider.objects.published()
            .filter(kind=kind)
            .exclude(memberships__user__email__endswith=DEMO_EMAIL_SUFFIX)
            .order_by("pk")
            .first()
        )

    def _ensure_ready(self, provider: Provider) -> PaymentAccount:
        account = PaymentAccount.objects.filter(provider=provider).first()
        forgotten = False
        if account is not None:
            try:
                account = payment_account_refresh(account=account)
            except PaymentsError as error:
                if error.is_unreachable:
                    raise
                forgotten = True  # the fake's data was removed: make the account again
        if account is None or forgotten:
            snapshot = gateway.create_connected_account(
                email=provider.contact_email or f"payments-{provider.pk}{DEMO_EMAIL_SUFFIX}",
                business_name=provider.name,
                reference=f"demo-{provider.uuid}",
            )
            if account is not None:
                # Earlier demo payments PROTECT the row, so it is kept and pointed at the new account.
                PaymentAccount.objects.filter(pk=account.pk).update(stripe_account_id=snapshot.account_id)
            account = payment_account_connect(provider=provider, snapshot=snapshot)
        if not account.can_be_paid_online:
            self._finish_onboarding_on_the_fake(account.stripe_account_id)
            account = payment_account_refresh(account=account)
        return account

    def _finish_onboarding_on_the_fake(self, account_id: str) -> None:
        """The fake's own helper (no such thing on Stripe): what its "Finish onboarding" button does."""
        data = urllib.parse.urlencode({"account": account_id}).encode()
        url = str(settings.STRIPE_API_BASE).rstrip("/") + "/_fake/onboarding"
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as response:
                json.loads(response.read())
        except OSError as error:
            raise PaymentGatewayError(gateway.UNREACHABLE_MESSAGE, is_unreachable=True) from error
