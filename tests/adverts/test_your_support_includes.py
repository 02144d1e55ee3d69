"""The sections the "Your support" home includes: counts that match the records and a next step."""

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string
from django.test import RequestFactory

from marketplace.adverts.selectors import advert_summary, adverts_for_holder
from marketplace.adverts.services import application_create, application_shortlist
from marketplace.alerts.selectors import saved_search_summary, saved_searches_for_user
from marketplace.alerts.services import saved_search_create

from .conftest import NOW

pytestmark = pytest.mark.django_db


def test_the_adverts_section_counts_the_records_and_says_what_to_do_next(
    open_advert, holder, pa_user, pa_listing, other_pa_user
):
    other_listing = other_pa_user.provider_memberships.get().provider
    first = application_create(advert=open_advert, provider=pa_listing, by=pa_user, message="Hi", now=NOW)
    application_create(advert=open_advert, provider=other_listing, by=other_pa_user, message="Hi", now=NOW)
    application_shortlist(application=first, by=holder.user, now=NOW)
    adverts = list(adverts_for_holder(holder))
    html = render_to_string(
        "adverts/includes/your_support_section.html",
        {"adverts": adverts, "summary": advert_summary(adverts), "may_post": True},
    )
    assert 'Open adverts</dt><dd class="govuk-summary-list__value">1<' in html
    assert 'Applications</dt><dd class="govuk-summary-list__value">2 ' in html
    assert "1 new</strong>" in html
    assert 'Shortlisted</dt><dd class="govuk-summary-list__value">1<' in html
    assert "Read 1 new application</a>" in html


def test_with_no_adverts_the_next_step_is_to_post_one(holder):
    html = render_to_string(
        "adverts/includes/your_support_section.html",
        {"adverts": [], "summary": advert_summary([]), "may_post": True},
    )
    assert "Post an advert for a personal assistant</a>" in html


def test_the_saved_searches_section_counts_the_records(holder, personal_care):
    saved_search_create(user=holder.user, data=QueryDict("service=personal-care"), now=NOW)
    saved = list(saved_searches_for_user(holder.user))
    request = RequestFactory().get("/")
    html = render_to_string(
        "alerts/includes/your_support_section.html",
        {"saved_searches": saved, "summary": saved_search_summary(saved)},
        request=request,
    )
    assert "1 (1 with alerts on)" in html
    assert "Personal care" in html
    assert "Manage your saved searches</a>" in html


def test_your_support_shows_the_adverts_and_saved_searches_with_counts_from_the_records(
    client, open_advert, holder, pa_user, pa_listing, personal_care
):
    application_create(advert=open_advert, provider=pa_listing, by=pa_user, message="Hi", now=NOW)
    saved_search_create(user=holder.user, data=QueryDict("service=personal-care"), now=NOW)
    client.force_login(holder.user)

    response = client.get("/your-support/")

    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="adverts"' in content
    assert 'id="saved-searches"' in content
    assert "1 new application" in content
    assert "1 (1 with alerts on)" in content
    assert 'Applications</dt><dd class="govuk-summary-list__value">1 ' in content
