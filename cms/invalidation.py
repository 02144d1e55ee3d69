"""A new listings version when anything a cached public page shows is written (decision 0042).

The providers' services already give the listings a new version for every
change to what a search answers (decision 0036). Whole cached pages show more:
Wagtail pages and their menus, the council's settings and rates, a profile's
published reviews, its council checks and whether it can be paid online. Their
writes come from several apps (some written by other teams, and the admin's
own forms), so rather than a call in each, these receivers watch the models
and change the version inside the writing transaction.

This is cache invalidation, not domain logic: nothing but the version changes.
Bulk loads (`bulk_create`, the demo builder) send no signals; the demo loader
changes the version once at the end.
"""

from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from search.versioning import listings_changed

# (app label, model name) of everything a cached public page shows besides the search columns.
WATCHED_MODELS = [
    ("wagtailcore", "Site"),
    ("cms", "CouncilSettings"),
    ("cms", "ManagedServiceRate"),
    ("payments", "PaymentSettings"),
    ("payments", "PaymentAccount"),
    ("reviews", "Review"),
    ("accreditation", "CheckType"),
    ("accreditation", "CheckRequirement"),
    ("accreditation", "Worker"),
    ("accreditation", "ProviderCheck"),
    ("providers", "Provider"),
    ("providers", "ProviderPrice"),
    ("providers", "ProviderLocation"),
    ("providers", "ServiceType"),
    ("providers", "ClientGroup"),
    ("providers", "Specialism"),
    ("providers", "Language"),
    ("places", "Locality"),
]


def _on_write(sender: Any, **kwargs: Any) -> None:
    # Every write, not once per transaction: a request may read the version between two writes of one
    # transaction (a test's, or a management command's), and one row updated twice costs little.
    if kwargs.get("raw"):  # fixtures being loaded
        return
    listings_changed()


def _on_page_write(sender: Any, instance: Any = None, **kwargs: Any) -> None:
    if isinstance(instance, Page):
        _on_write(sender, **kwargs)


def _on_relation_change(sender: Any, action: str = "", **kwargs: Any) -> None:
    if action.startswith("post_"):
        listings_changed()


def connect() -> None:
    """Called once from CmsConfig.ready()."""
    watched: list[type[models.Model]] = []
    for label, name in WATCHED_MODELS:
        try:
            watched.append(apps.get_model(label, name))
        except LookupError:  # an app this deployment does not install
            continue
    for model in watched:
        post_save.connect(_on_write, sender=model, dispatch_uid=f"page-cache-save-{model._meta.label}")
        post_delete.connect(_on_write, sender=model, dispatch_uid=f"page-cache-delete-{model._meta.label}")
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_on_relation_change, sender=through, dispatch_uid=f"page-cache-m2m-{through}")
    # Any page type: its title, menu, body, place in the tree or publication.
    post_save.connect(_on_page_write, dispatch_uid="page-cache-page-save")
    post_delete.connect(_on_page_write, dispatch_uid="page-cache-page-delete")
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(_on_write, dispatch_uid=f"page-cache-{id(signal)}")
