"""Advert reads: what fits a PA, the holder's summary counts, and the rule both ways."""

import pytest

from marketplace.adverts.selectors import (
    advert_summary,
    adverts_fitting,
    adverts_for_holder,
    dashboard_adverts,
    holders_user_may_post_for,
    personal_assistants_fitting,
)
from marketplace.adverts.services import advert_save, application_create, application_shortlist

from .conftest import EVENINGS, NOW, details

pytestmark = pytest.mark.django_db


def test_adverts_fit_a_pa_by_district_or_locality_and_shared_times(open_advert, pa_listing, wendlebury):
    assert list(adverts_fitting(provider=pa_listing)) == [open_advert]
    assert list(personal_assistants_fitting(advert=open_advert)) == [pa_listing]

    pa_listing.postcode_districts_served = "WE7"
    pa_listing.save()
    assert list(adverts_fitting(provider=pa_listing)) == []
    assert list(personal_assistants_fitting(advert=open_advert)) == []

    pa_listing.localities_served.set([wendlebury])
    pa_listing.save()
    assert list(adverts_fitting(provider=pa_listing)) == [open_advert]
    assert list(personal_assistants_fitting(advert=open_advert)) == [pa_listing]

    pa_listing.availability_mask = EVENINGS.mask
    pa_listing.save()
    assert list(adverts_fitting(provider=pa_listing)) == []
    assert list(personal_assistants_fitting(advert=open_advert)) == []


def test_drafts_never_fit(holder, district, personal_care, pa_listing):
    advert_save(by=holder.user, holder=holder, details=details(personal_care), now=NOW)
    assert list(adverts_fitting(provider=pa_listing)) == []


def test_the_holder_summary_counts_match_the_records(open_advert, holder, pa_listing, pa_user, other_pa_user):
    other_listing = other_pa_user.provider_memberships.get().provider
    first = application_create(advert=open_advert, provider=pa_listing, by=pa_user, message="Hi", now=NOW)
    application_create(advert=open_advert, provider=other_listing, by=other_pa_user, message="Hi", now=NOW)
    application_shortlist(application=first, by=holder.user, now=NOW)
    advert_save(by=holder.user, holder=holder, details=details(open_advert.services.get()), now=NOW)
    adverts = list(adverts_for_holder(holder))
    summary = advert_summary(adverts)
    assert (summary.open_count, summary.draft_count) == (1, 1)
    assert (summary.application_count, summary.new_application_count, summary.shortlisted_count) == (2, 1, 1)


def test_who_may_post_for_whom(holder, family_with_right, family_without_right, pa_user):
    assert holders_user_may_post_for(user=holder.user) == [holder]
    assert holders_user_may_post_for(user=family_with_right) == [holder]
    assert holders_user_may_post_for(user=family_without_right) == []
    assert holders_user_may_post_for(user=pa_user) == []


def test_the_dashboard_shows_fitting_adverts_and_own_applications(open_advert, pa_user, pa_listing, agency_user):
    application_create(advert=open_advert, provider=pa_listing, by=pa_user, message="Hi", now=NOW)
    section = dashboard_adverts(user=pa_user)
    assert section is not None
    assert section.fitting == [open_advert]
    assert section.applied_advert_ids == {open_advert.pk}
    assert dashboard_adverts(user=agency_user) is None
