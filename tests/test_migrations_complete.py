"""Every model change has its migration: a change without one fails here, not on a council's server."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration() -> None:
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as missing:  # makemigrations --check exits 1 when a migration would be written
        pytest.fail(f"Models changed without a migration (exit {missing.code}):\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()
