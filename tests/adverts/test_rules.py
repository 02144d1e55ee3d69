"""Who may do what with adverts, for every role."""

import pytest
from django.contrib.auth.models import AnonymousUser

from marketplace.adverts.services import application_create
from tests.factories import CommissionerFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(open_advert, pa_user, pa_listing):
    return application_create(advert=open_advert, provider=pa_listing, by=pa_user, message="Hello", now=NOW)


def test_managing_an_advert(open_advert, holder, family_with_right, family_without_right, pa_user, other_pa_user):
    assert holder.user.has_perm("adverts.manage_advert", open_advert)
    assert family_with_right.has_perm("adverts.manage_advert", open_advert)
    assert not family_without_right.has_perm("adverts.manage_advert", open_advert)
    assert family_without_right.has_perm("adverts.view_advert_as_advertiser", open_advert)
    for outsider in (pa_user, other_pa_user, CommissionerFactory(), AnonymousUser()):
        assert not outsider.has_perm("adverts.manage_advert", open_advert)


def test_applying(pa_user, pa_listing, other_pa_user, agency_user, holder):
    assert pa_user.has_perm("adverts.apply_as_provider", pa_listing)
    assert not other_pa_user.has_perm("adverts.apply_as_provider", pa_listing)
    assert not agency_user.has_perm("adverts.apply_as_provider", agency_user.provider_memberships.get().provider)
    assert not holder.user.has_perm("adverts.apply_as_provider", pa_listing)
    pa_listing.status = "suspended"
    assert not pa_user.has_perm("adverts.apply_as_provider", pa_listing)


def test_an_application_is_seen_by_its_two_sides_only(
    application, pa_user, holder, family_without_right, other_pa_user, agency_user
):
    assert pa_user.has_perm("adverts.view_application", application)
    assert holder.user.has_perm("adverts.view_application", application)
    assert family_without_right.has_perm("adverts.view_application", application)
    assert pa_user.has_perm("adverts.reply_as_applicant", application)
    assert not holder.user.has_perm("adverts.reply_as_applicant", application)
    for outsider in (other_pa_user, agency_user, CommissionerFactory(), AnonymousUser()):
        assert not outsider.has_perm("adverts.view_application", application)
