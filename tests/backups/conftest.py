"""The people and agreement of tests/reviews/conftest.py, shared with the back-up tests."""

from tests.reviews.conftest import _fresh_cache, agreement, people

__all__ = ["_fresh_cache", "agreement", "people"]
