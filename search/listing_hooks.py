"""What search does when the providers app says listings changed (registered in SearchConfig.ready)."""

from marketplace.providers.hooks import register_listing_needs_indexing, register_listings_changed

from . import sqlite_fts
from .indexing import schedule_provider_index
from .versioning import listings_changed


def search_listings_changed(provider_ids: list[int]) -> None:
    """A new listings version (cached searches and filter panels are keyed by it), and the listings' full-text rows.

    No ids: the change may be to every listing (a taxonomy term renamed, a listing deleted in the admin)."""
    listings_changed(provider_ids or None)
    if provider_ids:
        sqlite_fts.replace_rows(provider_ids)


def register_listing_hooks() -> None:
    register_listings_changed(search_listings_changed)
    register_listing_needs_indexing(schedule_provider_index)
