"""The demo county's adverts and saved searches: realistic shares, and the demo logins each show something true."""

from datetime import date

import pytest
from django.db import transaction

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.adverts.models import Advert, AdvertApplication
from marketplace.adverts.selectors import adverts_fitting, dashboard_adverts
from marketplace.alerts.models import SavedSearch
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
