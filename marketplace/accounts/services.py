"""Every write about people: two-factor set-up for staff, provider teams and invitations."""

import base64

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
