"""Every write about people: two-factor set-up for staff, provider teams and invitations."""

import base64

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.db import transaction

from .models import User


class AccountError(Exception):
    """A change to an account or a team that the rules do not allow; the message is for people."""


@transaction.atomic
def mfa_totp_activate(*, user: User, secret: str) -> Authenticator:
    """Give `user` an authenticator app with a known base32 `secret` (demo logins and tests).

    People set theirs up on the two-factor pages, where allauth makes the
    secret and shows it as a QR code. Replaces an authenticator app the user
    already had.
    """
    try:
        base64.b32decode(secret, casefold=True)
    except ValueError as error:
        raise AccountError("The authenticator secret must be base32 (letters A to Z and digits 2 to 7)") from error
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    return TOTP.activate(user, secret.upper()).instance


@transaction.atomic
def account_email_mark_verified(*, user: User) -> EmailAddress:
    """Record the user's address as verified and primary, as if they had confirmed it.

    For accounts the council makes itself (demo logins, `createsuperuser`
    followed by this): people who sign up confirm theirs by email.
    """
    EmailAddress.objects.filter(user=user, primary=True).exclude(email__iexact=user.email).update(primary=False)
    address, _ = EmailAddress.objects.update_or_create(
        user=user, email__iexact=user.email, defaults={"email": user.email, "verified": True, "primary": True}
    )
    return address
