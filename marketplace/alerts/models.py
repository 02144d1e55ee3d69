"""Saved directory searches and which listings each has already told its owner about.

A saved search keeps the directory FilterSet's own query string, so it is
evaluated by the same FilterSet and search interface as the results page.
"""

import uuid

from django.conf import settings
from django.db import models


class SavedSearchQuerySet(models.QuerySet["SavedSearch"]):
    def active(self) -> "SavedSearchQuerySet":
        return self.filter(unsubscribed_at__isnull=True)


class SavedSearch(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    # The directory's query string, validated and without page or sort: "service=personal-care&near=WE1".
    query = models.CharField(max_length=2000)
    description = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_alerted_at = models.DateTimeField(null=True, blank=True)
    # Alerts stop when this is set (the one-click link in each email, or the list page).
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    objects = SavedSearchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "query"], name="one_saved_search_per_query")]

    def __str__(self) -> str:
        return self.description

    @property
    def is_active(self) -> bool:
        return self.unsubscribed_at is None


class SavedSearchListing(models.Model):
    """A listing a saved search has matched: whether it matches now, and when (if ever) it was alerted.

    Listings that matched when the search was saved are recorded without an
    alert; a listing is alerted at most once per search.
    """

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="listings")
    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE, related_name="+")
    is_matching = models.BooleanField(default=True)
    first_matched_at = models.DateTimeField()
    alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["saved_search", "provider"], name="one_row_per_listing_per_search")
        ]

    def __str__(self) -> str:
        return f"{self.provider} for {self.saved_search}"
