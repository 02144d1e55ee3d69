"""The demo county's adverts and saved searches: realistic shares, and the demo logins each show something true."""

from datetime import UTC, date, datetime

import pytest
from django.db import transaction
from django.http import QueryDict

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.adverts.models import Advert, AdvertApplication
from marketplace.adverts.selectors import adverts_fitting, dashboard_adverts, personal_assistants_fitting
from marketplace.alerts.models import SavedSearch, SavedSearchListing
from marketplace.alerts.selectors import matching_provider_ids, search_filterset
from marketplace.alerts.services import describe_search, normalised_query
from marketplace.demo.adverts import FittingAssistants, build_adverts_demo
from marketplace.demo.alerts import build_saved_searches_demo
from marketplace.demo.builder import demo_county_build

TODAY = date(2027, 2, 28)


@pytest.fixture(scope="module")
def county(django_db_setup, django_db_blocker):
    """The demo county at scale 1, built once for this module in a transaction rolled back afterwards."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield demo_county_build(scale=1, seed=2026, today=TODAY)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.django_db
def test_the_demo_holder_has_an_open_advert_posted_for_her_with_an_applicant(county):
    holder = DirectPaymentHolder.objects.get(user__email="dp-holder@demo.example")
    advert = Advert.objects.get(holder=holder)
    assert advert.status == Advert.Status.OPEN
    assert advert.posted_by.email == "family@demo.example"
    assert advert.closes_on > TODAY
    assert advert.published_at.date() <= TODAY
    assert advert.applications.count() == 1
    assert advert.locality == holder.locality
    assert SavedSearch.objects.filter(user=holder.user, query__contains="new_clients=true").exists()


@pytest.mark.django_db
def test_the_demo_pa_sees_matching_adverts_they_have_not_applied_to(county):
    pa = User.objects.get(email="pa@demo.example")
    section = dashboard_adverts(user=pa)
    assert section is not None
    assert len(section.fitting) >= 3
    assert section.applications == []
    listing = pa.provider_memberships.get().provider
    assert Advert.objects.get(holder__user__email="dp-holder@demo.example") in adverts_fitting(provider=listing)


@pytest.mark.django_db
def test_adverts_and_saved_searches_come_in_realistic_proportions(county):
    holders = DirectPaymentHolder.objects.count()
    adverts = Advert.objects.count()
    assert 0.1 * holders <= adverts <= 0.35 * holders
    assert Advert.objects.filter(status=Advert.Status.OPEN).count() > adverts / 2
    assert Advert.objects.exclude(status=Advert.Status.OPEN).exists()
    assert AdvertApplication.objects.exists()
    assert not Advert.objects.filter(status=Advert.Status.OPEN, closes_on__lte=TODAY).exists()
    users_with_holders = DirectPaymentHolder.objects.filter(user__isnull=False).count()
    assert 0.15 * users_with_holders <= SavedSearch.objects.count() <= 0.6 * users_with_holders
    assert not Advert.objects.filter(matches_notified_at__isnull=True).exists()


@pytest.mark.django_db
def test_the_builder_finds_the_same_fitting_assistants_as_the_selector_for_every_advert(county):
    """The demo finds fitting personal assistants in memory (one query per advert was too slow): same rule."""
    assistants = FittingAssistants()
    adverts = list(Advert.objects.all())
    compared = 0
    for advert in adverts:
        expected = list(personal_assistants_fitting(advert=advert).order_by("name", "pk"))
        assert [provider.pk for provider in assistants.fitting(advert)] == [provider.pk for provider in expected]
        compared += bool(expected)
    assert compared > len(adverts) / 2


@pytest.mark.django_db
def test_each_demo_saved_search_is_what_the_service_would_have_recorded(county):
    """Written in bulk, once per distinct query: the normalised query, its description and today's matches."""
    searches = list(SavedSearch.objects.prefetch_related("listings"))
    assert searches
    for search in searches:
        filterset = search_filterset(search.query)
        assert filterset.is_valid()
        assert search.query == normalised_query(QueryDict(search.query))
        assert search.description == describe_search(filterset)
        assert {row.provider_id for row in search.listings.all()} == matching_provider_ids(search)
        assert search.last_checked_at == search.created_at
    assert SavedSearchListing.objects.filter(is_matching=True, alerted_at__isnull=True).count() == (
        SavedSearchListing.objects.count()
    )


@pytest.mark.django_db
def test_above_scale_one_adverts_and_saved_searches_keep_about_the_scale_one_numbers(county):
    """Decision 0046: per-person extras do not grow with the scale, so large counties build in minutes."""
    before_adverts, before_searches = Advert.objects.count(), SavedSearch.objects.count()
    Advert.objects.all().delete()
    SavedSearch.objects.all().delete()
    moment = datetime(2027, 2, 28, 12, tzinfo=UTC)

    build_adverts_demo(seed=2026, today=TODAY, now=moment, scale=4)
    build_saved_searches_demo(seed=2026, now=moment, scale=4)

    assert 0.15 * before_adverts <= Advert.objects.count() <= 0.4 * before_adverts
    assert 0.15 * before_searches <= SavedSearch.objects.count() <= 0.4 * before_searches
