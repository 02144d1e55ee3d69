"""Provider writes: the listing lifecycle, availability and its reminders, search fields."""

import datetime
from collections.abc import Callable
from decimal import Decimal
from itertools import product

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from marketplace.providers.availability import Day, PartOfDay, WeeklyAvailability
from marketplace.providers.models import ListingText, Provider, ProviderPrice, ProviderStatusChange
from marketplace.providers.services import (
    ALLOWED_TRANSITIONS,
    ProviderError,
    provider_change_status,
    provider_refresh_search_fields,
    provider_send_availability_reminders,
    provider_update_availability,
)
from marketplace.providers.tasks import flag_stale_availability
from tests.factories import (
    LanguageFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    ProviderPriceFactory,
    ServiceTypeFactory,
    UserFactory,
    days_ago,
)

pytestmark = pytest.mark.django_db

Status = Provider.Status
ALLOWED = sorted((source, target) for source, targets in ALLOWED_TRANSITIONS.items() for target in targets)
FORBIDDEN = sorted(
    (source, target)
    for source, target in product(Status.values, Status.values)
    if source != target and target not in ALLOWED_TRANSITIONS[source]
)


# The listing lifecycle ------------------------------------------------------


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_every_allowed_transition_moves_the_listing(from_status, to_status):
    provider = ProviderFactory(status=from_status)
    provider_change_status(provider=provider, to_status=to_status, by=UserFactory(), reason="Checked with them")
    provider.refresh_from_db()
    assert provider.status == to_status


@pytest.mark.parametrize(("from_status", "to_status"), FORBIDDEN)
def test_every_other_transition_is_refused_with_a_readable_message(from_status, to_status):
    provider = ProviderFactory(status=from_status)
    with pytest.raises(ProviderError) as error:
        provider_change_status(provider=provider, to_status=to_status, by=None, reason="Because")
    expected = f"A {Status(from_status).label.lower()} listing cannot become {Status(to_status).label.lower()}."
    assert str(error.value) == expected
    provider.refresh_from_db()
    assert provider.status == from_status
    assert not ProviderStatusChange.objects.filter(provider=provider).exists()


def test_the_lifecycle_covers_every_status():
    assert set(ALLOWED_TRANSITIONS) == set(Status.values)
    assert FORBIDDEN, "some transitions must be forbidden"
    assert (Status.DRAFT, Status.PUBLISHED) in FORBIDDEN  # publishing needs a review first


@pytest.mark.parametrize("to_status", [Status.SUSPENDED, Status.WITHDRAWN])
@pytest.mark.parametrize("reason", ["", "   \n "])
def test_suspending_or_withdrawing_needs_a_reason(to_status, reason):
    provider = ProviderFactory(status=Status.PUBLISHED)
    expected = f"Give a reason for marking the listing {Status(to_status).label.lower()}."
    with pytest.raises(ProviderError, match=expected):
        provider_change_status(provider=provider, to_status=to_status, by=UserFactory(), reason=reason)
    provider.refresh_from_db()
    assert provider.status == Status.PUBLISHED
    assert not provider.status_changes.exists()


def test_a_status_change_records_who_when_and_why():
    commissioner = UserFactory()
    provider = ProviderFactory(status=Status.PUBLISHED)
    before = timezone.now()
    change = provider_change_status(
        provider=provider, to_status=Status.SUSPENDED, by=commissioner, reason="  DBS check lapsed  "
    )
    stored = ProviderStatusChange.objects.get(pk=change.pk)
    assert (stored.provider, stored.from_status, stored.to_status) == (provider, Status.PUBLISHED, Status.SUSPENDED)
    assert stored.changed_by == commissioner
    assert stored.reason == "DBS check lapsed"
    assert before <= stored.changed_at <= timezone.now()


def test_history_keeps_every_step_in_order_newest_first():
    provider = ProviderFactory(status=Status.DRAFT, published_at=None)
    editor = UserFactory()
    provider_change_status(provider=provider, to_status=Status.SUBMITTED, by=editor)
    provider_change_status(provider=provider, to_status=Status.PUBLISHED, by=editor)
    provider_change_status(provider=provider, to_status=Status.SUSPENDED, by=editor, reason="Complaint")
    steps = [(change.from_status, change.to_status) for change in provider.status_changes.all()]
    assert steps == [
        (Status.PUBLISHED, Status.SUSPENDED),
        (Status.SUBMITTED, Status.PUBLISHED),
        (Status.DRAFT, Status.SUBMITTED),
    ]


def test_first_publication_sets_published_at_and_republishing_keeps_it():
    provider = ProviderFactory(status=Status.SUBMITTED, published_at=None)
    provider_change_status(provider=provider, to_status=Status.PUBLISHED, by=None)
    provider.refresh_from_db()
    first_published = provider.published_at
    assert first_published is not None
    provider_change_status(provider=provider, to_status=Status.SUSPENDED, by=None, reason="Checks")
    provider_change_status(provider=provider, to_status=Status.PUBLISHED, by=None)
    provider.refresh_from_db()
    assert provider.published_at == first_published


def test_status_change_reads_the_current_row_not_a_stale_copy():
    provider = ProviderFactory(status=Status.PUBLISHED)
    stale_copy = Provider.objects.get(pk=provider.pk)
    provider_change_status(provider=provider, to_status=Status.SUSPENDED, by=None, reason="Checks")
    # The stale copy still says "published", but the database says "suspended".
    with pytest.raises(ProviderError, match="A suspended listing cannot become submitted"):
        provider_change_status(provider=stale_copy, to_status=Status.SUBMITTED, by=None)


# Availability -----------------------------------------------------------------


def test_updating_availability_saves_the_grid_and_confirms_it_today():
    provider = ProviderFactory(
        availability_mask=0,
        availability_confirmed_on=days_ago(90),
        taking_new_clients_confirmed_on=days_ago(90),
        is_taking_new_clients=True,
    )
    grid = WeeklyAvailability.from_slots([(Day.MONDAY, PartOfDay.MORNING), (Day.FRIDAY, PartOfDay.EVENING)])
    provider_update_availability(provider=provider, availability=grid, is_taking_new_clients=False)
    provider.refresh_from_db()
    assert provider.availability == grid
    assert provider.availability_confirmed_on == timezone.localdate()
    assert provider.taking_new_clients_confirmed_on == timezone.localdate()
    assert provider.is_taking_new_clients is False
    assert not provider.availability_is_stale()


def test_confirming_unchanged_availability_still_moves_the_dates():
    grid = WeeklyAvailability.from_slots([(Day.SUNDAY, PartOfDay.OVERNIGHT)])
    provider = ProviderFactory(availability_mask=grid.mask, availability_confirmed_on=days_ago(45))
    assert provider.availability_is_stale()
    provider_update_availability(provider=provider, availability=grid, is_taking_new_clients=True)
    provider.refresh_from_db()
    assert provider.availability_confirmed_on == timezone.localdate()
    assert provider.availability == grid


# Availability reminders ----------------------------------------------------------


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime.date], None]:
    """Move the services' idea of today (the scheduled job runs on many days)."""

    def set_today(day: datetime.date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return set_today


def send_reminders(capture_on_commit_callbacks) -> int:
    """The reminder job as the worker runs it: its emails go once the transaction commits."""
    with capture_on_commit_callbacks(execute=True):
        return provider_send_availability_reminders()


def test_a_published_provider_with_stale_availability_is_reminded_once(django_capture_on_commit_callbacks):
    provider = ProviderFactory(availability_confirmed_on=days_ago(31), contact_email="pa@example.org")
    assert send_reminders(django_capture_on_commit_callbacks) == 1
    assert [message.to for message in mail.outbox] == [["pa@example.org"]]
    assert mail.outbox[0].subject == "Please confirm your availability"
    provider.refresh_from_db()
    assert provider.availability_reminder_sent_on == timezone.localdate()
    assert send_reminders(django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 1


def test_fresh_unpublished_and_unreachable_providers_are_not_reminded(django_capture_on_commit_callbacks):
    ProviderFactory(availability_confirmed_on=days_ago(29))
    ProviderFactory(availability_confirmed_on=days_ago(60), status=Provider.Status.SUSPENDED)
    ProviderFactory(availability_confirmed_on=days_ago(60), status=Provider.Status.DRAFT)
    ProviderFactory(availability_confirmed_on=days_ago(60), contact_email="")
    assert send_reminders(django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_members_are_emailed_instead_of_the_public_contact_address(django_capture_on_commit_callbacks):
    provider = ProviderFactory(availability_confirmed_on=None, contact_email="public@example.org")
    ProviderMembershipFactory(provider=provider, user=UserFactory(email="b-owner@example.org"))
    ProviderMembershipFactory(provider=provider, user=UserFactory(email="a-staff@example.org"), role="staff")
    assert send_reminders(django_capture_on_commit_callbacks) == 1
    assert [message.to for message in mail.outbox] == [["a-staff@example.org"], ["b-owner@example.org"]]


def test_reminders_go_again_after_reconfirming_and_lapsing_again(today, django_capture_on_commit_callbacks):
    start = datetime.date(2026, 1, 1)
    today(start)
    provider = ProviderFactory(availability_confirmed_on=start, contact_email="pa@example.org")

    today(start + datetime.timedelta(days=31))
    assert send_reminders(django_capture_on_commit_callbacks) == 1
    # The provider answers the reminder the day it arrives.
    provider_update_availability(provider=provider, availability=provider.availability, is_taking_new_clients=True)
    assert send_reminders(django_capture_on_commit_callbacks) == 0

    today(start + datetime.timedelta(days=50))
    assert send_reminders(django_capture_on_commit_callbacks) == 0  # confirmed 19 days ago: still fresh

    today(start + datetime.timedelta(days=62))
    assert send_reminders(django_capture_on_commit_callbacks) == 1
    assert send_reminders(django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 2


def test_the_scheduled_job_emails_nobody_twice_however_often_it_runs(django_capture_on_commit_callbacks):
    stale = [ProviderFactory(availability_confirmed_on=days_ago(40)) for _ in range(3)]
    shared_user = UserFactory(email="runs-two@example.org")
    for provider in stale[:2]:
        ProviderMembershipFactory(provider=provider, user=shared_user)
    ProviderFactory(availability_confirmed_on=days_ago(1))
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            flag_stale_availability()
    recipients = [tuple(message.to) for message in mail.outbox]
    assert len(recipients) == 3  # one reminder per stale listing, on the first run only
    assert recipients.count(("runs-two@example.org",)) == 2  # one for each listing they manage
    assert all(len(message.to) == len(set(message.to)) for message in mail.outbox)


# Search fields ------------------------------------------------------------------


def test_search_fields_hold_the_words_and_the_lowest_hourly_price():
    care = ServiceTypeFactory(name="Personal care", slug="personal-care")
    sitting = ServiceTypeFactory(name="Sitting service", slug="sitting-service")
    provider = ProviderFactory(
        name="Asha Patel",
        services=[care, sitting],
        languages=[LanguageFactory(name="Gujarati", slug="gujarati")],
        postcode_districts_served="WE1 WE14",
    )
    ProviderPriceFactory(provider=provider, service=care, amount=Decimal("21.00"))
    ProviderPriceFactory(provider=provider, service=sitting, amount=Decimal("16.50"))
    ProviderPriceFactory(provider=provider, service=care, unit=ProviderPrice.Unit.DAY, amount=Decimal("9.00"))
    provider.refresh_from_db()
    for words in ("asha patel", "personal care", "sitting service", "gujarati", "we14", "personal assistant"):
        assert words in provider.search_text
    assert provider.lowest_hourly_price == Decimal("16.50")  # the day rate is not an hourly price


def test_a_provider_without_hourly_prices_has_no_lowest_price():
    provider = ProviderFactory()
    ProviderPriceFactory(provider=provider, unit=ProviderPrice.Unit.SESSION, amount=Decimal("40"))
    provider.refresh_from_db()
    assert provider.lowest_hourly_price is None


def test_changing_status_or_availability_refreshes_the_search_fields():
    provider = ProviderFactory(name="Ben Okafor")
    Provider.objects.filter(pk=provider.pk).update(search_text="out of date", lowest_hourly_price=None)
    provider_update_availability(provider=provider, availability=WeeklyAvailability(), is_taking_new_clients=True)
    provider.refresh_from_db()
    assert "ben okafor" in provider.search_text

    Provider.objects.filter(pk=provider.pk).update(search_text="out of date")
    provider_change_status(provider=provider, to_status=Status.SUSPENDED, by=None, reason="Checks")
    provider.refresh_from_db()
    assert "ben okafor" in provider.search_text


def test_refresh_counts_what_it_refreshed_and_ignores_an_empty_list():
    providers = [ProviderFactory() for _ in range(3)]
    assert provider_refresh_search_fields(provider_ids=[]) == 0
    assert provider_refresh_search_fields(provider_ids=[p.pk for p in providers]) == 3


def test_every_listings_words_are_stored_out_of_line_on_postgresql():
    """A row of ListingText is a few dozen bytes, so finding matches reads few pages (decision 0050):
    the words go to the TOAST table however short they are."""
    ProviderFactory(name="Al Ng", summary="Short.", description="")
    ProviderFactory(name="Bea Okoro", summary="Support at home, shopping and trips out. " * 5)
    if connection.vendor != "postgresql":
        assert not ListingText.objects.exists()  # SQLite matches search_text instead
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltoastrelid::regclass::text FROM pg_class WHERE relname = 'providers_listingtext'")
        toast_table = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(DISTINCT chunk_id) FROM {toast_table}")
        assert cursor.fetchone()[0] >= 2


def test_the_weighted_search_vector_is_kept_on_postgresql_only():
    provider = ProviderFactory(name="Chloe Dunmore", summary="Dementia support")
    words = ListingText.objects.filter(provider=provider).values_list("search_vector", flat=True)
    if connection.vendor == "postgresql":
        # Stemmed words, the name weighted A and the rest B.
        assert "'dunmor':2A" in str(words.get())
        assert "'dementia':" in str(words.get())
        Provider.objects.filter(pk=provider.pk).update(name="Chloe Okafor")
        provider_refresh_search_fields(provider_ids=[provider.pk])
        assert "'okafor':2A" in str(words.get())
        assert "dunmor" not in str(words.get())
    else:
        assert not words.exists()  # SQLite matches search_text instead
