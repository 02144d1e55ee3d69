"""The directory rendered for visitors with a session, from what is kept per listings version (decision 0048).

The results body is rendered once per address and version and shared by every
visitor, with a hole for each result's shortlist button; the site, the route,
the council's settings and the footer's links are kept per version in each
process. These check that no visitor ever sees another's shortlist, CSRF token
or nonce, that another search is another page, that a new listings version
(or a page, setting or privacy change) shows at once, that every count shown
is what following it gives, and that the page runs a fixed number of queries.
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token  # type: ignore[attr-defined]
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from cms import directory
from cms.directory import RenderedResults
from cms.models import CouncilSettings, DirectoryPage, StatementPage
from marketplace.providers.models import STALE_AVAILABILITY_DAYS, Provider
from marketplace.providers.services import provider_set_accreditation
from search.versioning import listings_changed
from tests.factories import (
    DirectPaymentHolderFactory,
    LocalityFactory,
    ProviderFactory,
    ProviderPriceFactory,
    ServiceTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = "/directory/"
NONCE = re.compile(r'nonce="([^"]+)"')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')
ADD = 'Add to shortlist<span class="govuk-visually-hidden">: {}</span>'
ON_SHORTLIST = 'Remove<span class="govuk-visually-hidden"> {} from your shortlist</span>'


@pytest.fixture(autouse=True)
def _directory(search_on_database: None, directory_page: Any, council: Any) -> None:
    """The directory searches the database, with the council's settings."""


@pytest.fixture
def care() -> Any:
    return ServiceTypeFactory(name="Personal care", slug="personal-care")


def add_providers(count: int, care: Any, *, prefix: str = "Care") -> list[Provider]:
    providers = []
    for index in range(count):
        provider = ProviderFactory(name=f"{prefix} {index}", services=[care], is_accredited=bool(index % 2))
        ProviderPriceFactory(provider=provider, service=care)
        providers.append(provider)
    return providers


def shortlisting(client: Client, provider: Provider) -> Client:
    """The client with `provider` on its shortlist (the session's, or the signed-in holder's)."""
    response = client.post("/your-support/shortlist/add/", {"provider": str(provider.uuid), "next": URL})
    assert response.status_code == 302
    return client


def signed_in_holder() -> Client:
    user = UserFactory()
    DirectPaymentHolderFactory(user=user)
    client = Client()
    client.force_login(user)
    return client


def html(client: Client, path: str = URL) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def renders_during(action: Any) -> int:
    """How many times the results body was rendered (not taken from the memo or the cache) during `action`."""
    with mock.patch.object(directory, "render_results", wraps=directory.render_results) as render:
        action()
    return render.call_count


def test_each_visitor_sees_their_own_shortlist_from_one_shared_render(care: Any) -> None:
    first, second = add_providers(2, care)
    session_visitor = shortlisting(Client(), first)
    holder = shortlisting(signed_in_holder(), second)

    renders = renders_during(lambda: [html(session_visitor), html(holder), html(Client())])

    assert renders == 1  # one render, shared by all three
    page = html(session_visitor)
    assert ON_SHORTLIST.format(first.name) in page
    assert ADD.format(second.name) in page
    page = html(holder)
    assert ON_SHORTLIST.format(second.name) in page
    assert ADD.format(first.name) in page
    page = html(Client())
    assert "On your shortlist" not in page
    assert ADD.format(first.name) in page
    assert ADD.format(second.name) in page


def test_each_visitor_gets_their_own_csrf_token_and_nonce(care: Any) -> None:
    first, _ = add_providers(2, care)
    visitors = [shortlisting(Client(), first), shortlisting(signed_in_holder(), first)]
    seen_tokens: set[str] = set()
    for visitor in visitors:
        for _ in range(2):
            response = visitor.get(URL)
            page = response.content.decode()
            secret = visitor.cookies["csrftoken"].value
            tokens = TOKEN.findall(page)
            assert tokens
            assert all(_unmask_cipher_token(token) == secret for token in tokens)
            nonces = set(NONCE.findall(page))
            assert nonces == {re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)}  # type: ignore[union-attr]
            seen_tokens.add(secret)
    assert len(seen_tokens) == 2
    # The kept body itself holds no token, nonce or shortlist state of anyone's.
    (kept,) = directory.results_memo.values.values()
    body = "".join(kept.segments)
    assert "csrfmiddlewaretoken" not in body
    assert "nonce=" not in body
    assert "On your shortlist" in body  # only as the unchosen half of each hole
    assert kept.shortlist_holes == 2


def test_another_search_or_page_is_another_render(care: Any) -> None:
    providers = add_providers(3, care)
    visitor = shortlisting(Client(), providers[0])  # a session: never the whole-page cache

    assert renders_during(lambda: html(visitor, URL)) == 1
    assert renders_during(lambda: html(visitor, URL)) == 0
    assert renders_during(lambda: html(visitor, f"{URL}?accredited=true")) == 1
    assert renders_during(lambda: html(visitor, f"{URL}?accredited=true&sort=price")) == 1
    assert renders_during(lambda: html(visitor, f"{URL}?accredited=true")) == 0
    assert "1 result" in html(visitor, f"{URL}?accredited=true")
    assert "3 results" in html(visitor, URL)


def test_a_new_listings_version_shows_at_once_to_a_visitor_with_a_session(care: Any) -> None:
    providers = add_providers(4, care)  # two accredited
    visitor = shortlisting(Client(), providers[0])
    assert "Accredited by the council (2)" in html(visitor)

    provider_set_accreditation(provider=providers[0], is_accredited=True, since=date(2026, 1, 5))

    assert renders_during(lambda: html(visitor)) == 1
    assert "Accredited by the council (3)" in html(visitor)


def card_shapes_drawn_during(action: Any) -> int:
    """How many times the result card template was drawn during `action` (once for each new shape of card)."""
    drawn = 0
    render_to_string = directory.render_to_string

    def spy(template_name: str, context: Any = None, *args: Any, **kwargs: Any) -> str:
        nonlocal drawn
        if template_name == directory.CARD_TEMPLATE:
            drawn += 1
        return render_to_string(template_name, context, *args, **kwargs)

    with mock.patch.object(directory, "render_to_string", spy):
        action()
    return drawn


def card_of(page: str, name: str) -> str:
    return page.split(f">{name}</a>", 1)[1].split('class="app-result"', 1)[0]


def test_a_card_template_is_drawn_once_for_each_shape_of_card_not_for_each_card(care: Any) -> None:
    directory.card_shapes.clear()
    providers = add_providers(4, care)  # Care 1 and Care 3 are accredited
    visitor = shortlisting(Client(), providers[1])

    # Two shapes (accredited or not; the rest alike): drawn once each, then filled for every card.
    assert card_shapes_drawn_during(lambda: html(visitor)) == 2
    assert card_shapes_drawn_during(lambda: html(visitor, f"{URL}?accredited=true")) == 0
    page = html(visitor, f"{URL}?accredited=true")
    assert ON_SHORTLIST.format("Care 1") in page  # the card with this render's holes filled
    assert ADD.format("Care 3") in page
    assert page.count('class="app-result"') == 2

    provider_set_accreditation(provider=providers[0], is_accredited=True, since=date(2026, 1, 5))

    # The changed listing's card shows its change at once. Accredited with a date is a new shape, drawn once;
    # another search showing every card draws none.
    assert card_shapes_drawn_during(lambda: html(visitor, f"{URL}?accredited=true")) == 1
    card = card_of(html(visitor, f"{URL}?accredited=true"), "Care 0")
    assert "accredited since January 2026" in card
    assert ADD.format("Care 0") in card
    assert card_shapes_drawn_during(lambda: html(visitor)) == 0
    assert html(visitor).count('class="app-result"') == 4


def test_a_card_shows_a_change_that_may_be_to_every_listing_and_another_days_staleness(care: Any) -> None:
    locality = LocalityFactory(name="Ashby")
    providers = [ProviderFactory(name="Care 0", services=[care]), ProviderFactory(name="Care 1", locality=locality)]
    visitor = shortlisting(Client(), providers[0])
    assert "in the Ashby area" in card_of(html(visitor), "Care 1")

    locality.name = "Kingsmead"
    locality.save()  # Wagtail's own write: a change that may be to every listing (cms/invalidation.py)

    page = html(visitor)
    assert card_of(page, "Care 1").count("in the Kingsmead area") == 1
    assert "Ashby" not in page

    # Another day can make what a card shows go stale: both say so.
    confirmed = providers[0].availability_confirmed_on
    later = datetime.combine(confirmed + timedelta(days=STALE_AVAILABILITY_DAYS + 1), time(10), tzinfo=UTC)
    with time_machine.travel(later, tick=False):
        assert html(visitor).count("Availability not confirmed recently") == 2


def label_count(page: str, label: str) -> str:
    return re.search(rf">{re.escape(label)} \((\d+)\)</label>", page).group(1)  # type: ignore[union-attr]


def test_every_count_shown_is_what_following_it_gives(care: Any) -> None:
    providers = add_providers(5, care)
    ProviderFactory(name="Garden help", services=[ServiceTypeFactory(name="Gardening", slug="gardening")])
    visitor = shortlisting(Client(), providers[0])
    followed_with = {
        "Personal care": "service=personal-care",
        "Gardening": "service=gardening",
        "Accredited by the council": "accredited=true",
        "Taking new clients": "new_clients=true",
    }
    for _ in range(2):  # rendered, then from the memo
        page = html(visitor)
        assert (label_count(page, "Personal care"), label_count(page, "Gardening")) == ("5", "1")
        for label, query in followed_with.items():
            followed = html(visitor, f"{URL}?{query}")
            total = re.search(r'<h2 class="govuk-heading-m">(\d+) results?', followed).group(1)  # type: ignore[union-attr]
            assert total == label_count(page, label), label


def test_pages_settings_and_privacy_changes_show_at_once(
    care: Any, council: CouncilSettings, directory_page: DirectoryPage
) -> None:
    add_providers(1, care)
    visitor = shortlisting(Client(), Provider.objects.get())
    statement = StatementPage.objects.live().first()
    assert statement is not None
    page = html(visitor)
    assert f">{statement.title}</a>" in page

    council.council_name = "Wendleshire Unitary Council"
    council.save()
    directory_page.title = "Find a provider"
    directory_page.save_revision().publish()
    PageViewRestriction.objects.create(page=statement, restriction_type=PageViewRestriction.LOGIN)

    page = html(visitor)
    assert "Wendleshire Unitary Council" in page
    assert '<h1 class="govuk-heading-xl">Find a provider</h1>' in page
    assert f">{statement.title}</a>" not in page  # no longer public: not in the footer

    restriction = PageViewRestriction.objects.create(page=directory_page, restriction_type=PageViewRestriction.LOGIN)
    response = visitor.get(URL)
    assert response.status_code == 302  # Wagtail's own check still runs on every request
    assert "login" in response["Location"]
    restriction.delete()
    assert visitor.get(URL).status_code == 200

    directory_page.unpublish()
    assert visitor.get(URL).status_code == 404


def test_a_preview_of_a_draft_is_rendered_afresh_and_never_kept(care: Any, directory_page: DirectoryPage) -> None:
    visitor = shortlisting(Client(), add_providers(1, care)[0])
    live_intro = directory_page.intro
    assert live_intro in html(visitor)

    for draft_intro in ("Draft words, not yet published", "Second draft words"):
        directory_page.intro = draft_intro  # as the editor's form holds it, unsaved
        preview = directory_page.make_preview_request(preview_mode="")
        preview.render()
        assert draft_intro in preview.content.decode()
        page = html(visitor)
        assert draft_intro not in page
        assert live_intro in page


def test_a_failed_search_server_answer_is_not_kept(care: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from search.query import SearchResults

    def search_with_notice(search: Any, **options: Any) -> SearchResults:
        return SearchResults(hits=[], total=0, page=1, page_size=20, notices=["Search is running in a simpler mode."])

    monkeypatch.setattr(directory, "search_providers", search_with_notice)
    visitor = shortlisting(Client(), add_providers(1, care)[0])

    assert renders_during(lambda: [html(visitor), html(visitor)]) == 2


def test_holes_are_filled_for_the_visitors_shortlist_only() -> None:
    rendered = RenderedResults(
        title="2 results",  # type: ignore[arg-type]
        segments=("<ul>", "a", "<b>on a</b>", "<b>add a</b>", "</li>", "b", "<b>on b</b>", "<b>add b</b>", "</ul>"),
        has_results=True,
    )
    assert rendered.shortlist_holes == 2
    assert rendered.html_for({"b"}) == "<ul><b>add a</b></li><b>on b</b></ul>"
    assert rendered.html_for(set()) == "<ul><b>add a</b></li><b>add b</b></ul>"


@pytest.mark.parametrize("path", [URL, f"{URL}?service=personal-care&accredited=true", f"{URL}?q=care&sort=price"])
def test_a_visitor_with_a_session_runs_the_same_queries_for_few_results_and_many(care: Any, path: str) -> None:
    visitor = shortlisting(Client(), add_providers(2, care, prefix="First")[0])  # one of them accredited
    visitor.get(path)  # Django's own first-use caches (content types) are not what this measures

    def cold_then_warm() -> tuple[int, int]:
        listings_changed()
        counts = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as captured:
                assert visitor.get(path).status_code == 200
            counts.append(len(captured))
        return counts[0], counts[1]

    few = cold_then_warm()
    add_providers(45, care)
    many = cold_then_warm()

    assert few == many
    # Warm: the listings version and the session; nothing else is read from the database.
    assert many[1] == 2
