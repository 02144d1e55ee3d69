"""Fields encrypted at rest with Fernet (AES-128-CBC with an HMAC), from `cryptography`.

`FIELD_ENCRYPTION_KEYS` lists keys, newest first: values are written with the
first and read with any, so a key can be rotated by putting a new one in front
and re-saving rows. Production refuses to start without it; elsewhere a key is
derived from SECRET_KEY so the embedded default needs no set-up.
See docs/decisions/0013-encrypting-dbs-certificate-numbers.md.
"""

import base64
import hashlib
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


def derive_key(secret: str) -> str:
    """A Fernet key derived from a secret string (used when no key is configured)."""
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()).decode()


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_text(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured("An encrypted value could not be read with FIELD_ENCRYPTION_KEYS") from error


class EncryptedTextField(models.TextField):
    """Text stored encrypted; reads give the plain text back. Not searchable or orderable."""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt_text(str(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value in (None, ""):
            return value
        return decrypt_text(value)
