"""The one thing search keeps in the database itself: the version of the published listings."""

from django.db import models


class ListingsVersion(models.Model):
    """One row whose token changes whenever what the directory can show may have changed.

    Caches of search results and of the rendered filter panel are keyed by the
    token (search/versioning.py), so a change shows on the very next request in
    every web worker, and nothing needs to be deleted from a cache.
    """

    ROW = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=ROW)
    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "listings version"

    def __str__(self) -> str:
        return f"Listings version {self.token} ({self.changed_at:%Y-%m-%d %H:%M})"
