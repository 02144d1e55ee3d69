"""Production refuses to start with payments on and a webhook secret missing (like test_deployment_config)."""

import subprocess

import pytest

from tests.settings_process import run_with_settings

BASE_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "a-real-secret-for-this-test-only-0123456789",
    "FIELD_ENCRYPTION_KEYS": "a-test-key",
    "DATABASE_URL": "postgres://care:care@127.0.0.1:5432/care",
    "DJANGO_ALLOWED_HOSTS": "care.example",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}
STRIPE = {
    "STRIPE_SECRET_KEY": "sk_live_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_platform",
    "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_connect",
}


def load_production_settings(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    program = "from django.conf import settings; print(settings.PAYMENTS_ENABLED, settings.STRIPE_API_BASE)"
    return run_with_settings({**BASE_ENVIRONMENT, **extra}, program, leave_out=("STRIPE_", "PAYMENTS_", "DJANGO_"))


def test_payments_are_off_in_production_unless_switched_on() -> None:
    loaded = load_production_settings({})

    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == ["False", "https://api.stripe.com"]


def test_payments_on_with_every_secret_starts() -> None:
    loaded = load_production_settings({"PAYMENTS_ENABLED": "true", **STRIPE})

    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split()[0] == "True"


@pytest.mark.parametrize("missing", sorted(STRIPE))
def test_payments_on_without_a_secret_refuses_to_start(missing: str) -> None:
    loaded = load_production_settings(
        {"PAYMENTS_ENABLED": "true", **{k: v for k, v in STRIPE.items() if k != missing}}
    )

    assert loaded.returncode != 0
    assert "ImproperlyConfigured" in loaded.stderr
    assert missing in loaded.stderr
