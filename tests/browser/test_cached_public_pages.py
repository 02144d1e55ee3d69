"""A visitor served a profile from the whole-page cache can still shortlist, and its scripts still run.

The cached page carries the second visitor's own CSRF token and a fresh CSP
nonce (cms/page_cache.py, decision 0042): in a real browser, the inline
scripts that mark the page as having JavaScript must run under the CSP, and
the "Add to shortlist" form must pass the CSRF check.
"""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import ProviderFactory, ServiceTypeFactory

pytestmark = pytest.mark.browser


def test_a_second_visitor_gets_the_cached_profile_and_shortlists_from_it(page: Page, live_site, axe_check, screenshot):
    provider = ProviderFactory(name="Hetal Makwana", slug="hetal-makwana", services=[ServiceTypeFactory()])
    address = live_site.url(f"/directory/{provider.slug}/")

    first_visitor = page.context.browser.new_context()  # type: ignore[union-attr]
    # Three times: the site's very first request creates its settings rows, which is a change of its own, and a
    # page is kept on its second request (decision 0053).
    for _ in range(3):
        first = first_visitor.new_page().goto(address)
        assert first is not None
        assert first.headers.get("x-page-cache") in ("miss", "hit")
    first_visitor.close()

    response = page.goto(address)
    assert response is not None
    assert response.headers.get("x-page-cache") == "hit"
    assert page.evaluate("document.body.classList.contains('js-enabled')"), "the inline script ran under the CSP"
    axe_check(page)
    screenshot(page, "profile-from-the-cache")

    page.get_by_role("button", name="Add to shortlist").click()

    expect(page.locator("main")).to_contain_text("On your shortlist")
    axe_check(page)
    screenshot(page, "profile-shortlisted")
