"""A new listings version when Wagtail itself writes something a cached public page shows (decisions 0042, 0045).

One rule for the listings version: the code that writes calls
`listings_changed`. Every write the project's own services make calls it
explicitly, inside the writing transaction: the providers' services through
`provider_refresh_search_fields`, and the accreditation, reviews and payments
services through `marketplace.providers.hooks.listings_changed` when a
listing's checks, workers, published reviews or online payment change.

Writes that no service of ours makes are Wagtail's own: pages (edited,
published by hand or on a schedule, moved, deleted), sites, site settings
(the council's settings and rates, payment settings) and the reference data
edited in Wagtail's generic snippet views (check types and their
requirements, taxonomy terms, localities). Wagtail's admin hooks do not see
scheduled publishing or settings saves, so these receivers, on those models
only, stand in for the service call Wagtail does not make. Nothing but the
version changes here: no domain logic.

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

# (app label, model name) of the models Wagtail writes that a listing as the results page shows it reads (a
# service's slug in its prices, its locality's name, its accreditation's checks): a write to them may change
# every listing. A write to the other watched models changes no listing, so each worker keeps what it loaded
# and drew of the listings (search.versioning.ListingMemo: the listing and its result card, which is drawn
# from the listing alone; decision 0053).
READ_BY_LISTINGS = [
    ("accreditation", "CheckType"),
    ("accreditation", "CheckRequirement"),
    ("providers", "ServiceType"),
    ("providers", "ClientGroup"),
    ("providers", "Specialism"),
    ("providers", "Language"),
    ("places", "Locality"),
]
# (app label, model name) of what Wagtail's own views write and a cached public page shows. A model the
# project's services write is not listed: its services call `listings_changed` themselves.
WATCHED_MODELS = [
    ("wagtailcore", "Site"),
    # Which pages are public: the footer's statement links are kept per version (cms/site_memo.py).
    ("wagtailcore", "PageViewRestriction"),
    ("cms", "CouncilSettings"),
    ("cms", "ManagedServiceRate"),
    ("payments", "PaymentSettings"),
    *READ_BY_LISTINGS,
]


def _reads(model: Any) -> bool:
    meta = getattr(model, "_meta", None)
    return meta is not None and (meta.app_label, meta.object_name) in READ_BY_LISTINGS


def _changed(*models: Any) -> None:
    """A new version: of a change that may be to every listing, or to none of them (pages, sites, settings)."""
    listings_changed(None if any(_reads(model) for model in models) else ())


def _on_write(sender: Any, **kwargs: Any) -> None:
    # Every write, not once per transaction: a request may read the version between two writes of one
    # transaction (a test's, or a management command's), and one row updated twice costs little.
    if kwargs.get("raw"):  # fixtures being loaded
        return
    _changed(sender)


def _on_page_write(sender: Any, instance: Any = None, **kwargs: Any) -> None:
    if isinstance(instance, Page):
        _on_write(sender, **kwargs)


def _on_relation_change(sender: Any, action: str = "", model: Any = None, instance: Any = None, **kwargs: Any) -> None:
    if action.startswith("post_"):
        _changed(model, type(instance))  # either side of the relation may be the watched model


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
