"""Authenticator-app codes (RFC 6238), computed the way allauth.mfa checks them.

For the demo logins' fixed secret and for tests; people's own codes come from their phones.
"""

import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value


def totp_code(secret: str, *, at: float | None = None) -> str:
    """The code an authenticator app holding `secret` shows at the Unix time `at` (default now)."""
    moment = time.time() if at is None else at
    return format_hotp_value(hotp_value(secret, int(moment) // mfa_settings.TOTP_PERIOD))
