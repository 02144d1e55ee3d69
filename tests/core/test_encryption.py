"""Encrypted fields: what reaches the database is not the plain text, and reads give it back."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from marketplace.accreditation.models import ProviderCheck
from marketplace.core.encryption import decrypt_text, derive_key, encrypt_text
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def check_type():
    from marketplace.accreditation.models import CheckType

    return CheckType.objects.get_or_create(
        code="test-dbs", defaults={"name": "Test DBS", "public_description": "A DBS check"}
    )[0]


def test_certificate_number_is_stored_encrypted_and_read_back(check_type):
    provider_check = ProviderCheck.objects.create(
        provider=ProviderFactory(), check_type=check_type, certificate_number="001234567890"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT certificate_number FROM accreditation_providercheck WHERE id = %s", [provider_check.pk])
        stored = cursor.fetchone()[0]
    assert "001234567890" not in stored
    assert ProviderCheck.objects.get(pk=provider_check.pk).certificate_number == "001234567890"


def test_empty_values_stay_empty(check_type):
    provider_check = ProviderCheck.objects.create(provider=ProviderFactory(), check_type=check_type)
    assert ProviderCheck.objects.get(pk=provider_check.pk).certificate_number == ""


def test_an_older_key_still_reads_after_rotation(settings):
    old_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    token = encrypt_text("001234567890")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]
    assert decrypt_text(token) == "001234567890"


def test_a_value_no_configured_key_can_read_is_a_clear_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    token = encrypt_text("001234567890")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        decrypt_text(token)


def test_the_settings_derivation_matches_the_helper(settings):
    # base.py derives the default key inline (it cannot import models at settings time),
    # from the secret key it has at that point.
    from config.settings import base

    configured_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    assert configured_keys == [derive_key(base.SECRET_KEY)]


def test_private_files_on_disk_have_no_url(tmp_path):
    from marketplace.core.storage import PrivateFileSystemStorage

    storage = PrivateFileSystemStorage(location=tmp_path)
    with pytest.raises(NotImplementedError):
        storage.url("evidence/1/abc")
