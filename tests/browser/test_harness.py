"""The browser harness itself: a real page in Chromium, checked by axe-core."""

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import format_violations

pytestmark = pytest.mark.browser


def test_home_page_loads_and_has_no_accessibility_violations(page: Page, live_site, axe_check, screenshot):
    response = page.goto(live_site.url("/"))
    assert response is not None
    assert response.status == 200
    assert page.locator("h1").first.inner_text().strip() == "Find care and support"
    axe_check(page)
    assert screenshot(page, "home").stat().st_size > 0


def test_axe_check_fails_on_a_page_with_violations(page: Page, axe_check):
    """The check must be able to fail: an image without alt text breaks the image-alt rule."""
    page.set_content(
        "<html lang='en'><head><title>Bad</title></head><body><main><img src='x.png'></main></body></html>"
    )
    with pytest.raises(AssertionError) as failure:
        axe_check(page)
    assert "image-alt" in str(failure.value)


def test_violations_are_listed_with_rule_impact_and_target():
    message = format_violations(
        [
            {
                "id": "color-contrast",
                "impact": "serious",
                "help": "Elements must meet minimum color contrast ratio thresholds",
                "helpUrl": "https://dequeuniversity.com/rules/axe/4.10/color-contrast",
                "nodes": [{"target": [".govuk-tag"], "html": "<strong class='govuk-tag'>Accredited</strong>"}],
            }
        ]
    )
    assert "color-contrast (serious)" in message
    assert "at .govuk-tag" in message
