"""What search keeps in the database: the version of the published listings, and what each change was to."""

from django.db import models

from marketplace.core.models import VersionRow


class ListingsVersion(VersionRow):
    """One row whose token changes whenever what the directory can show may have changed.

    Caches of search results and of the rendered filter panel are keyed by the
    token (search/versioning.py), so a change shows on the very next request in
    every web worker, and nothing needs to be deleted from a cache.
    """

    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "listings version"

    def __str__(self) -> str:
        return f"Listings version {self.token} ({self.changed_at:%Y-%m-%d %H:%M})"


class ListingsChange(models.Model):
    """One new listings version and the listings its change was to (none named: it may be to every listing).

    Each worker keeps what it loaded and drew of each listing across versions
    for the listings no change since has named (`search.versioning.ListingMemo`):
    a provider editing one listing no longer makes every worker draw every
    result card again (decision 0053). Only the latest `CHANGES_KEPT` are kept.
    """

    token = models.CharField(max_length=32, unique=True)
    # The ids of the listings changed; null when the change may be to every listing.
    provider_ids = models.JSONField(null=True)

    class Meta:
        verbose_name = "listings change"

    def __str__(self) -> str:
        return f"Listings change {self.token}"
