"""Object ids in Stripe's forms (a prefix and random letters and digits)."""

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def request_id() -> str:
    return new_id("req", 14)
