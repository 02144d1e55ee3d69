"""Fixtures shared by the contingency tests."""

from tests.accreditation.test_virus_scan import tcp_clamd  # noqa: F401 (the fake virus scanner, a fixture)
