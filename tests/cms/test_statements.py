"""The accessibility statement, privacy notice and cookies page, the footer links and every page's description."""

from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from wagtail.test.utils import WagtailPageTestCase

from cms.cookies import site_cookies
from cms.models import AdvicePage, AdviceStage, CouncilSettings, HomePage, StatementKind, StatementPage
from marketplace.accounts import throttle
from tests.factories import ProviderFactory

DEFAULT_DESCRIPTION_START = "Find personal assistants, small local providers and day services"


class PageFacts(HTMLParser):
    """The meta description and the footer's links of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.descriptions: list[str] = []
        self.footer_links: dict[str, str] = {}
        self._in_footer = 0
        self._link: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "meta" and attributes.get("name") == "description":
            self.descriptions.append((attributes.get("content") or "").strip())
        if tag == "footer":
            self._in_footer += 1
        if tag == "a" and self._in_footer:
            self._link = attributes.get("href") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "footer":
            self._in_footer -= 1
        if tag == "a":
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._link is not None and data.strip():
            self.footer_links[data.strip()] = self._link


def page_facts(client: Client, url: str) -> PageFacts:
    response = client.get(url)
    assert response.status_code == 200, url
    facts = PageFacts()
    facts.feed(response.content.decode())
    return facts


class StatementPageTreeTests(WagtailPageTestCase):
    def test_statements_live_only_under_the_home_page_and_have_no_children(self) -> None:
        self.assertAllowedParentPageTypes(StatementPage, {HomePage})
        self.assertAllowedSubpageTypes(StatementPage, set())
        self.assertCanCreateAt(HomePage, StatementPage)

    def test_the_migration_published_one_page_of_each_kind(self) -> None:
        pages = StatementPage.objects.live().public()
        assert sorted(page.kind for page in pages) == sorted(StatementKind.values)
        for page in pages:
            self.assertPageIsRenderable(page)
            assert page.search_description, page.kind


@pytest.fixture
def council_with_officer(council: CouncilSettings) -> CouncilSettings:
    council.data_protection_officer_email = "dpo@wendleshire.example"
    council.data_protection_officer_address = "Data Protection Officer\nCounty Hall"
    council.save()
    return council


@pytest.mark.parametrize(
    ("kind", "url", "words"),
    [
        (StatementKind.ACCESSIBILITY, "/accessibility-statement/", "Public Sector Bodies (Websites and Mobile"),
        (StatementKind.PRIVACY, "/privacy-notice/", "special category data"),
        (StatementKind.COOKIES, "/cookies/", "Essential cookies"),
    ],
)
def test_each_statement_is_linked_from_the_footer_of_every_page(
    client: Client, council: CouncilSettings, kind: str, url: str, words: str
) -> None:
    title = StatementPage.objects.get(kind=kind).title
    for page_url in ("/", "/directory/", "/accounts/login/", "/support-wanted/", "/cookies/"):
        assert page_facts(client, page_url).footer_links[title] == url, page_url
    assert words in client.get(url).content.decode()


def test_a_statement_an_editor_unpublishes_leaves_the_footer(client: Client, council: CouncilSettings) -> None:
    StatementPage.objects.get(kind=StatementKind.COOKIES).unpublish()
    links = page_facts(client, "/").footer_links
    assert "Cookies" not in links
    assert "Privacy notice" in links


def test_the_privacy_notice_names_the_controller_and_the_data_protection_officer_from_the_settings(
    client: Client, council_with_officer: CouncilSettings
) -> None:
    page = client.get("/privacy-notice/").content.decode()
    assert "Wendleshire County Council" in page
    assert 'href="mailto:dpo@wendleshire.example"' in page
    assert "Data Protection Officer<br>County Hall" in page
    for basis in ("Article 6(1)(e)", "Article 9(2)(h)", "How long we keep it", "Your rights"):
        assert basis in page


def test_the_accessibility_statement_gives_the_councils_contacts(client: Client, council: CouncilSettings) -> None:
    page = client.get("/accessibility-statement/").content.decode()
    assert 'href="tel:01632960000"' in page
    assert "partially compliant" in page


def test_the_cookies_page_lists_every_cookie_the_code_sets(client: Client, council: CouncilSettings) -> None:
    page = client.get("/cookies/").content.decode()
    names = {cookie.name for cookie in site_cookies()}
    assert names == {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, "messages", throttle.DEVICE_COOKIE}
    for name in names:
        assert f"<code>{name}</code>" in page


def test_signing_in_sets_only_cookies_the_cookies_page_lists(client: Client, council: CouncilSettings) -> None:
    from tests.factories import UserFactory

    user = UserFactory(email="pat@example.org")
    user.set_password("a long and careful password")
    user.save()
    user.emailaddress_set.create(email=user.email, verified=True, primary=True)
    client.get("/accounts/login/")
    client.post("/accounts/login/", {"login": user.email, "password": "a long and careful password"})
    client.get("/your-support/")
    assert set(client.cookies) <= {cookie.name for cookie in site_cookies()}
    assert throttle.DEVICE_COOKIE in client.cookies


# Descriptions -------------------------------------------------------------------------------------------------


@pytest.fixture
def public_world(council: CouncilSettings, home_page: HomePage) -> dict[str, str]:
    provider = ProviderFactory(name="Asha Patel", slug="asha-patel", summary="Personal care in Dunmere.")
    advice = home_page.add_child(
        instance=AdvicePage(
            title="Choosing a personal budget",
            slug="choosing",
            stage=AdviceStage.CHOOSING,
            summary="The ways you can take your personal budget.",
            body=[("paragraph", "<p>Words.</p>")],
            easy_read_body=[("heading", "Your money")],
        )
    )
    advice.save_revision().publish()
    return {"profile": f"/directory/{provider.slug}/", "advice": "/choosing/"}


def test_every_public_page_has_a_description_of_its_own(client: Client, public_world: dict[str, str]) -> None:
    own = {
        "/": "Search for personal assistants",
        public_world["advice"]: "The ways you can take your personal budget.",
        public_world["advice"] + "easy-read/": "Easy read: The ways you can take your personal budget.",
        "/directory/": "Search Wendleshire County Council",
        "/directory/?q=personal+care": "Search Wendleshire County Council",
        "/directory/accredited/": "The providers Wendleshire County Council has checked",
        public_world["profile"]: "Personal assistant",
        "/accessibility-statement/": "How accessible the council",
        "/privacy-notice/": "How the council uses the personal information",
        "/cookies/": "The cookies the council",
        "/support-wanted/": "Jobs for personal assistants",
        "/your-support/": "Keep a shortlist of providers",
        "/accounts/login/": "Sign in to list your services",
        "/accounts/signup/": "Create an account to list",
        "/accounts/password/reset/": "Your account for Find care and support",
        "/openreferral/docs": "Open Referral UK 3.0 API of Wendleshire",
    }
    for url, start in own.items():
        descriptions = page_facts(client, url).descriptions
        assert len(descriptions) == 1, url
        assert descriptions[0].startswith(start), (url, descriptions[0])
    assert "Personal care in Dunmere." in page_facts(client, public_world["profile"]).descriptions[0]


def test_a_page_without_words_of_its_own_is_described_by_the_service(
    client: Client, council: CouncilSettings, directory_page: Any
) -> None:
    directory_page.intro = ""
    directory_page.save_revision().publish()
    response = client.get("/no-such-page/")
    facts = PageFacts()
    facts.feed(response.content.decode())
    assert facts.descriptions[0].startswith(DEFAULT_DESCRIPTION_START)
