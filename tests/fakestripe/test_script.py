"""scripts/with-fakestripe.sh runs a command against a fresh fake Stripe and stops it afterwards; the settings."""

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent.parent
PROBE = """
import json, os, stripe
client = stripe.StripeClient(os.environ["STRIPE_SECRET_KEY"], base_addresses={"api": os.environ["STRIPE_API_BASE"]})
account = client.v1.accounts.create(params={})
print(json.dumps({name: os.environ[name] for name in ("STRIPE_API_BASE", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET",
      "STRIPE_CONNECT_WEBHOOK_SECRET")} | {"account": account.id}))
"""


def test_the_script_exports_the_fakes_address_and_secrets_and_stops_it_afterwards() -> None:
    finished = subprocess.run(
        [str(ROOT / "scripts" / "with-fakestripe.sh"), sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={"PATH": "/usr/bin:/bin", "PYTHON": sys.executable},
    )
    seen = json.loads(finished.stdout.strip().splitlines()[-1])

    assert seen["STRIPE_API_BASE"].startswith("http://127.0.0.1:")
    assert seen["STRIPE_SECRET_KEY"].startswith("sk_test_")
    assert seen["STRIPE_WEBHOOK_SECRET"].startswith("whsec_")
    assert seen["STRIPE_CONNECT_WEBHOOK_SECRET"].startswith("whsec_")
    assert seen["STRIPE_WEBHOOK_SECRET"] != seen["STRIPE_CONNECT_WEBHOOK_SECRET"]
    assert seen["account"].startswith("acct_")
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(seen["STRIPE_API_BASE"] + "/_fake/now", timeout=2)


def test_the_script_answers_with_the_commands_exit_status() -> None:
    finished = subprocess.run(
        [str(ROOT / "scripts" / "with-fakestripe.sh"), "false"], capture_output=True, timeout=120, check=False
    )

    assert finished.returncode == 1


def test_outside_production_the_settings_point_at_a_local_fake_with_test_keys() -> None:
    assert settings.STRIPE_API_BASE.startswith("http://127.0.0.1:")
    assert settings.STRIPE_SECRET_KEY.startswith("sk_test_")
    assert settings.STRIPE_WEBHOOK_SECRET.startswith("whsec_")
    assert settings.STRIPE_CONNECT_WEBHOOK_SECRET.startswith("whsec_")
