"""Whole public pages from the cache for visitors without a session (cms/page_cache.py, decision 0042).

A cached page must be the page an uncached render would give (its nonce and
CSRF token this visitor's own), a change must show on the very next request,
and a signed-in visitor or one with a session must never read or fill it.
"""

import re
from typing import Any
from unittest import mock

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import _mask_cipher_secret, _unmask_cipher_token  # type: ignore[attr-defined]
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from cms import page_cache
from cms.invalidation import WATCHED_MODELS
from cms.models import HomePage
from cms.page_cache import HEADER, page_to_keep, possible_tokens
from marketplace.providers.models import Provider
from marketplace.providers.services import provider_saved_in_admin, provider_set_accreditation
from tests.factories import ProviderFactory, ProviderMembershipFactory, ProviderPriceFactory, ServiceTypeFactory

pytestmark = pytest.mark.django_db

NONCE = re.compile(r'nonce="([^"]+)"')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')


@pytest.fixture(autouse=True)
def _directory(search_on_database: None, directory_page: Any, council: Any) -> None:
    """The directory searches the database, with the council's settings."""


@pytest.fixture
def provider() -> Provider:
    care = ServiceTypeFactory(name="Personal care", slug="personal-care")
    provider = ProviderFactory(name="Wendle Home Care", summary="Help at home in Wendle", services=[care])
    ProviderPriceFactory(provider=provider, service=care)
    ProviderFactory.create_batch(3, services=[care])
    return provider


def pages(provider: Provider) -> list[str]:
    return [
        "/",
        "/directory/",
        "/directory/?q=personal+care",
        "/directory/?service=personal-care&sort=price",
        f"/directory/{provider.slug}/",
    ]


def without_per_response_values(html: str) -> str:
    return TOKEN.sub('name="csrfmiddlewaretoken" value="TOKEN"', NONCE.sub('nonce="NONCE"', html))


def csp_nonce(response: Any) -> str:
    return re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)  # type: ignore[union-attr]


def test_a_cached_page_is_the_uncached_render_with_this_responses_nonce_and_token(
    client: Client, provider: Provider
) -> None:
    for path in pages(provider):
        client.get(path)  # asked once: not kept yet
        first = client.get(path)
        second = client.get(path)

        assert (first[HEADER], second[HEADER]) == ("miss", "hit"), path
        assert second["Content-Type"] == first["Content-Type"]
        assert second.get("Vary") == first.get("Vary")  # `Cookie` kept for caches downstream
        assert without_per_response_values(second.content.decode()) == without_per_response_values(
            first.content.decode()
        )
        # A fresh nonce each time, the one the CSP header allows.
        first_nonces, second_nonces = (
            set(NONCE.findall(first.content.decode())),
            set(NONCE.findall(second.content.decode())),
        )
        assert second_nonces == {csp_nonce(second)}
        assert first_nonces.isdisjoint(second_nonces)


def test_a_cached_pages_forms_carry_the_visitors_own_csrf_token(client: Client, provider: Provider) -> None:
    path = f"/directory/{provider.slug}/"
    for _ in range(2):
        Client().get(path)  # others fill the cache: a page is kept on its second request
    newcomer = Client(enforce_csrf_checks=True)

    response = newcomer.get(path)

    assert response[HEADER] == "hit"
    secret = newcomer.cookies[settings.CSRF_COOKIE_NAME].value
    tokens = TOKEN.findall(response.content.decode())
    assert tokens
    assert all(_unmask_cipher_token(token) == secret for token in tokens)
    form = {"csrfmiddlewaretoken": tokens[0], "provider": str(provider.uuid), "next": path}
    added = newcomer.post("/your-support/shortlist/add/", form)
    assert added.status_code == 302


def test_a_profile_is_kept_apart_for_each_search_it_was_reached_from(client: Client, provider: Provider) -> None:
    path = f"/directory/{provider.slug}/"
    from_search = "http://testserver/directory/?q=dementia"

    assert [client.get(path, HTTP_REFERER=from_search)[HEADER] for _ in range(2)] == ["miss", "miss"]
    hit = client.get(path, HTTP_REFERER=from_search)
    assert hit[HEADER] == "hit"
    assert 'href="/directory/?q=dementia" class="govuk-back-link"' in hit.content.decode()
    plain = client.get(path, HTTP_REFERER="https://elsewhere.example/directory/?q=dementia")
    assert plain[HEADER] == "miss"
    assert 'href="/directory/" class="govuk-back-link"' in plain.content.decode()
    assert client.get(path)[HEADER] == "miss"  # no referrer: the same page as from elsewhere, asked twice now
    assert client.get(path)[HEADER] == "hit"


def test_a_page_is_kept_on_its_second_request_by_anyone(client: Client, provider: Provider) -> None:
    """Most searches are made once: they are not pickled into the shared cache (decision 0053)."""
    path = "/directory/?q=unusual+words&page=1"
    key_parts = []
    with mock.patch.object(page_cache.cache, "set", side_effect=lambda key, *args, **kwargs: key_parts.append(key)):
        assert client.get(path)[HEADER] == "miss"
        assert not [key for key in key_parts if key.startswith("listings:page:")]
        assert Client().get(path)[HEADER] == "miss"  # another visitor asks for it: now it is kept
        assert len([key for key in key_parts if key.startswith("listings:page:")]) == 1


def test_a_hit_runs_one_query_the_listings_version(client: Client, provider: Provider) -> None:
    for path in pages(provider):
        client.get(path)
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path)[HEADER] == "hit"
        assert len(captured) == 1
        assert "search_listingsversion" in captured[0]["sql"]


def test_a_change_to_a_listing_shows_at_once(client: Client, provider: Provider) -> None:
    path = f"/directory/{provider.slug}/"
    assert "Help at home in Wendle" in client.get(path).content.decode()

    provider.summary = "Help at home across Wendleshire"
    provider.save()  # as the admin's form does, then the hook Wagtail calls after an edit in the admin:
    provider_saved_in_admin(provider=provider)

    response = client.get(path)
    assert response[HEADER] == "miss"
    assert "Help at home across Wendleshire" in response.content.decode()

    provider_set_accreditation(provider=provider, is_accredited=False, since=None)
    assert client.get(path)[HEADER] == "miss"


def test_a_published_page_and_saved_settings_show_at_once(client: Client, home_page: HomePage, council: Any) -> None:
    client.get("/")
    home_page.heading = "Find support near you"
    home_page.save_revision().publish()
    assert "Find support near you" in client.get("/").content.decode()

    council.council_name = "Wendleshire Council"
    council.save()
    assert "Wendleshire Council" in client.get("/").content.decode()


def test_a_signed_in_user_never_gets_or_fills_a_cached_page(client: Client, provider: Provider) -> None:
    path = f"/directory/{provider.slug}/"
    member = Client()
    member.force_login(ProviderMembershipFactory().user)

    signed_in = member.get(path)
    assert HEADER not in signed_in
    assert client.get(path)[HEADER] == "miss"  # the signed-in page was not kept, nor counted as asked
    assert client.get(path)[HEADER] == "miss"
    assert client.get(path)[HEADER] == "hit"
    again = member.get(path)
    assert HEADER not in again
    assert "Sign out" in again.content.decode()


def test_a_visitor_with_a_session_gets_their_own_page(client: Client, provider: Provider) -> None:
    path = f"/directory/{provider.slug}/"
    client.get(path)
    client.post("/your-support/shortlist/add/", {"provider": str(provider.uuid), "next": path})
    assert settings.SESSION_COOKIE_NAME in client.cookies

    response = client.get(path)
    assert HEADER not in response
    assert "On your shortlist" in response.content.decode()
    assert "On your shortlist" not in Client().get(path).content.decode()


def test_signed_in_pages_elsewhere_are_not_cached(client: Client) -> None:
    assert HEADER not in client.get("/accounts/login/")
    assert HEADER not in client.get("/openreferral/")


def keep(body: str, *, csrf_used: bool = True, **headers: str) -> Any:
    request = RequestFactory().get("/")
    request.META["CSRF_COOKIE"] = "a" * 32
    if csrf_used:
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    response = HttpResponse(body)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return page_to_keep(request, response)


def test_a_page_showing_its_token_outside_a_form_is_not_kept() -> None:
    token = _mask_cipher_secret("a" * 32)
    assert keep(f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">') is not None
    assert keep(f"<script>const token = '{token}';</script>") is None


# Runs of letters and digits of lengths around a token's, between bytes a page may hold (non-ASCII too).
RUN = st.sampled_from([1, 63, 64, 65, 128]).flatmap(
    lambda length: st.text("aZ09", min_size=length, max_size=length).map(str.encode)
)
GAP = st.binary(min_size=1, max_size=3).filter(
    lambda gap: not any(chr(byte).isascii() and chr(byte).isalnum() for byte in gap)
)


@given(st.lists(st.tuples(RUN, GAP), max_size=6), st.booleans())
def test_the_token_scan_finds_every_run_of_exactly_64_letters_and_digits(parts: list[Any], gap_first: bool) -> None:
    body = b"".join(run + gap for run, gap in parts)
    body = b"<" + body if gap_first else body
    expected = re.findall(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])", body)
    assert possible_tokens(body) == expected


def test_private_or_varying_responses_are_not_kept() -> None:
    assert keep("<p>Hello</p>", csrf_used=False) is not None
    assert keep("<p>Hello</p>", csrf_used=False, Cache_Control="private") is None
    assert keep("<p>Hello</p>", csrf_used=False, Vary="Accept-Language") is None
    assert keep("<p>Hello</p>", csrf_used=False, Vary="Cookie, Accept-Encoding") is not None


@pytest.mark.parametrize(("label", "name"), WATCHED_MODELS)
def test_every_watched_model_exists(label: str, name: str) -> None:
    """A renamed model would otherwise stop changing the version without a word."""
    assert apps.get_model(label, name)._meta.label_lower == f"{label}.{name}".lower()
