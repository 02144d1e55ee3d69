"""Saving directory searches, the daily alert job, and the signed one-click unsubscribe."""

from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.core.errors import DomainError
from marketplace.core.notifications import email_send
from marketplace.providers.models import Provider
from search.filters import ProviderSearchFilterSet

from .models import SavedSearch, SavedSearchListing
from .selectors import PRESENTATION_PARAMETERS, matching_provider_ids, search_filterset

MAX_SAVED_SEARCHES_PER_USER = 20
UNSUBSCRIBE_SALT = "alerts.unsubscribe"
# An unsubscribe link works for this long; every alert email carries a fresh one.
UNSUBSCRIBE_LINK_MAX_AGE_DAYS = 180


class SavedSearchError(DomainError):
    """Something saved searches do not allow; the message is for people."""


def normalised_query(data: QueryDict) -> str:
    """The search's own parameters, sorted, without page or sort and without empty values."""
    kept = QueryDict(mutable=True)
    for name in sorted(data.keys()):
        if name in PRESENTATION_PARAMETERS or name not in ProviderSearchFilterSet.base_filters:
            continue
        values = sorted({value.strip() for value in data.getlist(name) if value.strip()})
        if values:
            kept.setlist(name, values)
    return kept.urlencode()


def describe_search(filterset: ProviderSearchFilterSet) -> str:
    """'Personal care; near Wendlebury (10 miles); taking new clients', from the validated form."""
    data = filterset.form.cleaned_data
    parts: list[str] = []
    if data.get("q"):
        parts.append(f'"{data["q"].strip()}"')
    for name in ("service", "client_group", "language"):
        names = dict(filterset.form.fields[name].choices)
        if data.get(name):
            parts.append(", ".join(names[slug] for slug in data[name]))
    if data.get("kind"):
        labels = dict(Provider.Kind.choices)
        parts.append(", ".join(labels[kind] for kind in data["kind"]))
    if data.get("near"):
        parts.append(f"near {data['near'].strip()} ({data.get('radius') or 10} miles)")
    if data.get("day"):
        parts.append("on " + ", ".join(code.title() for code in data["day"]))
    if data.get("time"):
        parts.append(", ".join(code for code in data["time"]))
    if data.get("gender"):
        parts.append(f"{data['gender'].replace('_', '-')} workers")
    if data.get("max_price"):
        parts.append(f"up to £{data['max_price']} an hour")
    if data.get("new_clients"):
        parts.append("taking new clients")
    if data.get("accredited"):
        parts.append("accredited")
    return ("; ".join(parts) or "Every listing")[:300]


@transaction.atomic
def saved_search_create(*, user: User, data: QueryDict, now: datetime | None = None) -> SavedSearch:
    """Save a directory search; what it matches now is recorded so only later matches are alerted."""
    if not user.is_authenticated:
        raise SavedSearchError("Sign in to save a search.")
    query = normalised_query(data)
    filterset = search_filterset(query)
    if not filterset.is_valid():
        raise SavedSearchError("Correct the search before saving it.")
    if SavedSearch.objects.filter(user=user).count() >= MAX_SAVED_SEARCHES_PER_USER:
        raise SavedSearchError(
            f"You can save up to {MAX_SAVED_SEARCHES_PER_USER} searches. Delete one you no longer need first."
        )
    moment = now or timezone.now()
    existing = SavedSearch.objects.filter(user=user, query=query).first()
    if existing is not None:
        if existing.unsubscribed_at is not None:
            existing.unsubscribed_at = None
            existing.save(update_fields=["unsubscribed_at"])
        return existing
    try:
        with transaction.atomic():
            saved = SavedSearch.objects.create(
                user=user,
                query=query,
                description=describe_search(filterset),
                created_at=moment,
                last_checked_at=moment,
            )
    except IntegrityError:
        return SavedSearch.objects.get(user=user, query=query)
    SavedSearchListing.objects.bulk_create(
        SavedSearchListing(saved_search=saved, provider_id=provider_id, first_matched_at=moment)
        for provider_id in matching_provider_ids(saved) or set()
    )
    return saved


@transaction.atomic
def saved_search_delete(*, saved_search: SavedSearch, by: User) -> None:
    if saved_search.user_id != by.pk:
        raise SavedSearchError("This is not one of your saved searches.")
    saved_search.delete()


def unsubscribe_token(saved_search: SavedSearch) -> str:
    return signing.dumps(str(saved_search.uuid), salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_path(saved_search: SavedSearch) -> str:
    return reverse("alerts:unsubscribe", args=[unsubscribe_token(saved_search)])


@transaction.atomic
def saved_search_unsubscribe(*, token: str, now: datetime | None = None) -> SavedSearch:
    """Stop a saved search's alerts from the signed link in its email (no sign-in needed).

    Raises SavedSearchError for a link that was altered, is too old, or names a
    search that has been deleted. Using a link twice is harmless.
    """
    try:
        saved_uuid = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_LINK_MAX_AGE_DAYS * 86400)
    except signing.SignatureExpired as error:
        raise SavedSearchError(
            "This unsubscribe link has expired. Sign in to stop the alerts from your saved searches."
        ) from error
    except signing.BadSignature as error:
        raise SavedSearchError(
            "This unsubscribe link is not valid. Sign in to stop the alerts from your saved searches."
        ) from error
    saved = SavedSearch.objects.select_for_update().filter(uuid=saved_uuid).first()
    if saved is None:
        raise SavedSearchError("This saved search has already been deleted, so it sends no more alerts.")
    if saved.unsubscribed_at is None:
        saved.unsubscribed_at = now or timezone.now()
        saved.save(update_fields=["unsubscribed_at"])
    return saved


@transaction.atomic
def saved_search_resubscribe(*, token: str) -> SavedSearch:
    """Undo an unsubscribe from the same signed link (a mail scanner may have followed it)."""
    saved = saved_search_unsubscribe(token=token)
    saved.unsubscribed_at = None
    saved.save(update_fields=["unsubscribed_at"])
    return saved


@dataclass
class AlertSummary:
    searches_checked: int = 0
    emails: int = 0
    listings_alerted: int = 0
    searches_invalid: int = 0

    def __str__(self) -> str:
        return (
            f"{self.searches_checked} saved searches checked, {self.listings_alerted} newly matching listings "
            f"in {self.emails} emails, {self.searches_invalid} no longer valid"
        )


def send_saved_search_alerts(*, now: datetime | None = None) -> AlertSummary:
    """Email each active saved search's owner about listings that newly match it, each listing once per search.

    A listing newly matches when it was not matching at the last check and
    now is: newly published, taking new clients again, availability or
    capacity changed to fit. Each search is handled in its own transaction,
    so one failure does not hold back the rest.
    """
    now = now or timezone.now()
    summary = AlertSummary()
    for saved_id in list(SavedSearch.objects.active().values_list("pk", flat=True)):
        with transaction.atomic():
            saved = SavedSearch.objects.select_for_update().select_related("user").filter(pk=saved_id).first()
            if saved is None or not saved.is_active:
                continue
            summary.searches_checked += 1
            newly = _check(saved, now=now)
            if newly is None:
                summary.searches_invalid += 1
                continue
            if newly:
                providers = list(
                    Provider.objects.filter(pk__in=newly).only("name", "slug", "summary").order_by("name")
                )
                email_send(
                    to=[saved.user.email],
                    subject="New matches for your saved search"
                    if len(providers) > 1
                    else "A new match for your saved search",
                    template="alerts_new_matches",
                    context={
                        "saved_search": saved,
                        "providers": providers,
                        "unsubscribe_path": unsubscribe_path(saved),
                    },
                )
                saved.last_alerted_at = now
                summary.emails += 1
                summary.listings_alerted += len(providers)
            saved.last_checked_at = now
            saved.save(update_fields=["last_checked_at", "last_alerted_at"])
    return summary


def _check(saved: SavedSearch, *, now: datetime) -> list[int] | None:
    """Record what the search matches now; return the listings to alert (matching again, never alerted)."""
    current = matching_provider_ids(saved)
    if current is None:
        return None
    rows = {row.provider_id: row for row in SavedSearchListing.objects.filter(saved_search=saved)}
    to_alert: list[int] = []
    new_rows: list[SavedSearchListing] = []
    for provider_id in current:
        row = rows.get(provider_id)
        if row is None:
            new_rows.append(
                SavedSearchListing(saved_search=saved, provider_id=provider_id, first_matched_at=now, alerted_at=now)
            )
            to_alert.append(provider_id)
        elif not row.is_matching and row.alerted_at is None:
            to_alert.append(provider_id)
    SavedSearchListing.objects.bulk_create(new_rows)
    SavedSearchListing.objects.filter(saved_search=saved, provider_id__in=[p for p in to_alert if p in rows]).update(
        is_matching=True, alerted_at=now
    )
    SavedSearchListing.objects.filter(saved_search=saved, provider_id__in=current, is_matching=False).update(
        is_matching=True
    )
    SavedSearchListing.objects.filter(saved_search=saved, is_matching=True).exclude(provider_id__in=current).update(
        is_matching=False
    )
    return sorted(to_alert)
