"""Authenticator-app codes (RFC 6238) with pyotp, using the period and digits allauth.mfa checks.

For the demo logins' fixed secret and for tests; people's own codes come from their phones.
"""

import time

import pyotp
from allauth.mfa import app_settings as mfa_settings


def totp_code(secret: str, *, at: float | None = None) -> str:
    """The code an authenticator app holding `secret` shows at the Unix time `at` (default now)."""
    moment = time.time() if at is None else at
    return pyotp.TOTP(secret, digits=mfa_settings.TOTP_DIGITS, interval=mfa_settings.TOTP_PERIOD).at(int(moment))
