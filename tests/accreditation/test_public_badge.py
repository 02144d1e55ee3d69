"""The public side of accreditation: the badge on results and profiles, and the accredited supplier list."""

import datetime
import re
from html import unescape
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.models import CouncilSettings
from marketplace.accreditation.models import ProviderCheck
from marketplace.accreditation.public import public_check_summary
from marketplace.providers.models import Provider
from tests.factories import LocalityFactory, ProviderCheckFactory, ProviderFactory, WorkerFactory, days_ago

pytestmark = pytest.mark.django_db

# What a personal assistant needs (migration 0003), with no moving and handling offered.
PERSONAL_ASSISTANT_CHECKS = [
    "enhanced-dbs",
    "reference-1",
    "reference-2",
    "right-to-work",
    "safeguarding-adults-training",
    "first-aid-training",
    "public-liability-insurance",
]
NOT_EXPIRING = {"reference-1", "reference-2"}


@pytest.fixture(autouse=True)
def _public_site(site: Any, search_on_database: None) -> None:
    settings = CouncilSettings.for_site(site)
    settings.council_name = "Wendleshire County Council"
    settings.save()
    cache.clear()


def aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def verify(provider: Provider, code: str, *, worker: Any = None, checked: int = 20, **details: Any) -> ProviderCheck:
    """A verified check, as a commissioner leaves it (checked `checked` days ago)."""
    expires_on = None if code in NOT_EXPIRING else timezone.localdate() + datetime.timedelta(days=300)
    values: dict[str, Any] = {
        "provider": provider,
        "code": code,
        "worker": worker,
        "status": ProviderCheck.Status.VERIFIED,
        "verified_at": aware(days_ago(checked)),
        "expires_on": expires_on,
        "verified_expires_on": expires_on,
        "submitted_at": aware(days_ago(checked + 2)),
        **details,
    }
    return ProviderCheckFactory(**values)


def accredited_personal_assistant(**kwargs: Any) -> Provider:
    provider = ProviderFactory(**{"is_accredited": True, "accredited_since": days_ago(10), **kwargs})
    for code in PERSONAL_ASSISTANT_CHECKS:
        verify(provider, code)
    return provider


def profile_html(client: Client, provider: Provider) -> str:
    response = client.get(f"/directory/{provider.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def checks_listed(html: str) -> dict[str, str]:
    """The profile's "What the council checked" list: what was checked, and when ("; " for a line break)."""
    section = html.split('id="checks"', 1)[1].split("</dl>", 1)[0]
    rows = re.findall(r'__key">(.*?)</dt>\s*<dd class="govuk-summary-list__value">(.*?)</dd>', section, re.S)
    return {unescape(key).strip(): unescape(value).replace("<br>", "; ").strip() for key, value in rows}


# The profile -----------------------------------------------------------------------------------------------


def test_profile_lists_what_was_checked_when_and_until_when(client: Client) -> None:
    provider = accredited_personal_assistant()
    dbs = provider.checks.get(check_type__code="enhanced-dbs")

    html = profile_html(client, provider)

    assert f"accredited them on {days_ago(10):%-d %B %Y}" in html
    listed = checks_listed(html)
    checked = days_ago(20)
    assert listed["Enhanced DBS check with the adults' barred list"] == (
        f"Checked on {checked:%-d %B %Y}; Valid until {dbs.expires_on:%-d %B %Y}"
    )
    # References do not expire, and the two read as one line.
    assert listed["Two references checked"] == f"Checked on {checked:%-d %B %Y}"
    assert len(listed) == 6


def test_profile_never_shows_certificate_numbers_referees_or_documents(client: Client) -> None:
    provider = ProviderFactory(is_accredited=True, accredited_since=days_ago(10))
    verify(provider, "enhanced-dbs", certificate_number="001234567890", certificate_number_last_digits="7890")
    verify(provider, "reference-1", reference="Mrs Hester Referee")
    verify(provider, "reference-2", reference="Dr Quentin Otherreferee")
    verify(provider, "public-liability-insurance", reference="POLICY-99-XYZ")

    html = profile_html(client, provider)

    for secret in ("001234567890", "7890", "Hester", "Quentin", "POLICY-99-XYZ", "••••"):
        assert secret not in html


def test_checks_not_verified_or_out_of_date_are_not_listed(client: Client) -> None:
    provider = ProviderFactory(is_accredited=True, accredited_since=days_ago(10))
    verify(provider, "enhanced-dbs")
    ProviderCheckFactory(provider=provider, code="right-to-work", status=ProviderCheck.Status.SUBMITTED)
    ProviderCheckFactory(provider=provider, code="first-aid-training", status=ProviderCheck.Status.REJECTED)
    verify(provider, "public-liability-insurance", expires_on=days_ago(1), verified_expires_on=days_ago(1))

    listed = checks_listed(profile_html(client, provider))

    assert list(listed) == ["Enhanced DBS check with the adults' barred list"]


def test_a_renewal_waiting_for_review_keeps_the_verified_dates() -> None:
    provider = ProviderFactory(is_accredited=True, accredited_since=days_ago(100))
    old_expiry = timezone.localdate() + datetime.timedelta(days=5)
    verify(
        provider,
        "public-liability-insurance",
        status=ProviderCheck.Status.SUBMITTED,
        expires_on=timezone.localdate() + datetime.timedelta(days=370),
        verified_expires_on=old_expiry,
    )

    summary = public_check_summary(provider=provider)

    assert summary is not None
    [check] = summary.checks
    assert (check.description, check.valid_until) == ("Public liability insurance", old_expiry)


def test_checks_for_each_worker_are_one_line_without_names(client: Client) -> None:
    provider = ProviderFactory(kind=Provider.Kind.MICRO_PROVIDER, is_accredited=True, accredited_since=days_ago(5))
    first = WorkerFactory(provider=provider, full_name="Imogen Workerone")
    second = WorkerFactory(provider=provider, full_name="Ptolemy Workertwo")
    early = verify(provider, "enhanced-dbs", worker=first, checked=40)
    late = verify(
        provider,
        "enhanced-dbs",
        worker=second,
        checked=10,
        expires_on=timezone.localdate() + datetime.timedelta(days=50),
        verified_expires_on=timezone.localdate() + datetime.timedelta(days=50),
    )

    html = profile_html(client, provider)

    assert checks_listed(html) == {
        "Enhanced DBS check with the adults' barred list, for each of their 2 workers": (
            f"Checked between {timezone.localdate(early.verified_at):%-d %B %Y} and "
            f"{timezone.localdate(late.verified_at):%-d %B %Y}; Valid until {late.expires_on:%-d %B %Y}"
        )
    }
    assert "Imogen" not in html
    assert "Ptolemy" not in html


def test_unaccredited_profile_has_no_list_of_checks(client: Client) -> None:
    provider = ProviderFactory(is_accredited=False)
    verify(provider, "enhanced-dbs")

    html = profile_html(client, provider)

    assert 'id="checks"' not in html
    assert public_check_summary(provider=provider) is None
    assert "The council has not checked this provider" in html


# Search results --------------------------------------------------------------------------------------------


def result_for(html: str, name: str) -> str:
    return html.split(f">{name}</a>", 1)[1].split('class="app-result"', 1)[0]


def test_results_badge_says_who_accredited_and_since_when(client: Client) -> None:
    accredited_personal_assistant(name="Asha Accredited", accredited_since=datetime.date(2024, 3, 5))
    ProviderFactory(name="Ben Unchecked", is_accredited=False)

    html = client.get("/directory/").content.decode()

    asha = result_for(html, "Asha Accredited")
    assert (
        '<strong class="govuk-tag govuk-tag--green">Accredited<span class="govuk-visually-hidden"> by the council'
        "</span></strong>"
    ) in asha
    assert (
        "The council\N{RIGHT SINGLE QUOTATION MARK}s checks are verified and in date, accredited since March 2024"
        in asha
    )
    ben = result_for(html, "Ben Unchecked")
    assert 'Not accredited<span class="govuk-visually-hidden"> by the council</span>' in ben
    assert "checks are verified" not in ben


def test_accredited_only_filter_shows_only_accredited_listings(client: Client) -> None:
    ProviderFactory(name="Asha Accredited", is_accredited=True, accredited_since=days_ago(3))
    ProviderFactory(name="Ben Unchecked", is_accredited=False)

    html = client.get("/directory/?accredited=true").content.decode()

    assert "Asha Accredited" in html
    assert "Ben Unchecked" not in html


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_badge_costs_no_query_per_result(client: Client, django_assert_num_queries: Any) -> None:
    for number in range(2):
        accredited_personal_assistant(name=f"Accredited {number}")
    client.get("/directory/")  # the site's own caches (root paths, settings) warm up on the first request
    few = count_queries(client, "/directory/")

    for number in range(2, 8):
        accredited_personal_assistant(name=f"Accredited {number}")
    client.get("/directory/")  # new listings start a new version of the cached results: warm it the same way
    with django_assert_num_queries(few):
        response = client.get("/directory/")

    assert response.content.decode().count("accredited since") == 8


# The accredited supplier list ------------------------------------------------------------------------------


def test_accredited_list_groups_by_kind_then_locality_and_links_profiles(client: Client) -> None:
    north, south = LocalityFactory(name="Northfold"), LocalityFactory(name="Southmere")
    ProviderFactory(name="Pat South", slug="pat-south", locality=south, is_accredited=True)
    ProviderFactory(name="Pam North", slug="pam-north", locality=north, is_accredited=True)
    ProviderFactory(name="Day Place", kind=Provider.Kind.DAY_SERVICE, locality=north, is_accredited=True)
    ProviderFactory(name="Not Accredited", locality=north, is_accredited=False)
    ProviderFactory(name="Draft Accredited", status=Provider.Status.DRAFT, locality=north, is_accredited=True)

    response = client.get("/directory/accredited/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "3 accredited providers" in html
    text = re.sub(r"<[^>]+>", " ", html.split("<h1", 1)[1])
    order = ["Personal assistants", "Northfold", "Pam North", "Southmere", "Pat South", "Day services", "Day Place"]
    position = text.index("Day services", text.index("accredited providers"))  # the end of the contents list
    for word in order:
        position = text.index(word, position + 1)  # raises if a word is missing or out of order
    assert '<a class="govuk-link" href="/directory/pam-north/">Pam North</a>' in html
    assert "Not Accredited" not in html
    assert "Draft Accredited" not in html
    assert "The council verifies each check" in html


def test_accredited_list_query_count_does_not_grow_and_is_cached(client: Client) -> None:
    # A visitor with a session gets the page rendered, not whole from the page cache (decision 0042).
    client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"
    for number in range(2):
        ProviderFactory(name=f"Listed {number}", is_accredited=True)
    client.get("/directory/accredited/")  # Django's own first-use caches (content types) warm up
    # A change to the list: it, and Wagtail's route and settings for the new listings version, read afresh.
    ProviderFactory(name="Listed after the first visit", is_accredited=True, locality=LocalityFactory())
    first = count_queries(client, "/directory/accredited/")
    cached = count_queries(client, "/directory/accredited/")
    assert cached < first
    assert cached == 2  # the listings version and the session: the list is kept for the version (decision 0048)

    for number in range(2, 10):
        ProviderFactory(name=f"Listed {number}", is_accredited=True, locality=LocalityFactory())
    assert count_queries(client, "/directory/accredited/") == first


def test_accredited_list_shows_a_change_at_once(client: Client) -> None:
    provider = ProviderFactory(name="Newly Accredited", is_accredited=False)
    assert "Newly Accredited" not in client.get("/directory/accredited/").content.decode()

    from marketplace.providers.services import provider_set_accreditation

    provider_set_accreditation(provider=provider, is_accredited=True, since=timezone.localdate())

    assert "Newly Accredited" in client.get("/directory/accredited/").content.decode()


def test_accredited_list_of_a_county_stays_under_150_kb(client: Client) -> None:
    localities = [LocalityFactory(name=f"Locality {number}") for number in range(7)]
    Provider.objects.bulk_create(
        Provider(
            kind=Provider.Kind.PERSONAL_ASSISTANT if number % 8 else Provider.Kind.MICRO_PROVIDER,
            status=Provider.Status.PUBLISHED,
            name=f"Firstname Longer-Surname {number}",
            slug=f"firstname-longer-surname-{number}",
            summary="Support at home.",
            locality=localities[number % 7],
            is_accredited=True,
            accredited_since=days_ago(30),
        )
        for number in range(800)
    )

    response = client.get("/directory/accredited/")

    assert "800 accredited providers" in response.content.decode()
    assert len(response.content) < 150 * 1024
