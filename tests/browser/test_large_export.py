"""Browser journey: a commissioner asks for a large export, watches its progress without JavaScript, downloads it.

The export is larger than the inline limit, so the request only records the
job and sends the commissioner to its page; no worker runs it at first, so
the page shows "waiting to start" and a progress bar. The worker then builds
it (called here, as the Celery worker would), and "Check again" shows the
download, with JavaScript on and, in a second browser context, off. axe-core
checks the whole page (no timed refresh either).
"""

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Browser, Page, expect

from marketplace.core import tasks
from marketplace.core.exports import export_build
from marketplace.core.models import ExportJob
from tests.browser.helpers import sign_in_to_admin
from tests.browser.test_monitoring_journey import check_admin
from tests.factories import CommissionerFactory, MonitoringVisitFactory, ProviderFactory

pytestmark = pytest.mark.browser

COMMISSIONER = "exports.officer@council.example"


@pytest.fixture
def commissioner(live_site: Any, settings: Any, monkeypatch: Any) -> Any:
    settings.EXPORT_INLINE_ROWS = 3
    monkeypatch.setattr(tasks.build_export, "delay", lambda **kwargs: None)  # the worker has not started yet
    user = CommissionerFactory(email=COMMISSIONER, is_staff=True)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    for number in range(6):
        MonitoringVisitFactory(provider=ProviderFactory(name=f"Provider {number}"), officer=user)
    return user


def test_a_large_export_shows_its_progress_then_the_download(
    page: Page, browser: Browser, live_site: Any, commissioner: Any, axe_source: str, screenshot: Any
) -> None:
    sign_in_to_admin(page, live_site, COMMISSIONER)
    page.goto(live_site.url("/admin/monitoring/visits/"))
    page.goto(live_site.url("/admin/monitoring/visits/?export=xlsx"))  # the listing's "Download XLSX" link

    expect(page.get_by_role("heading", name="Your download is being made")).to_be_visible()
    expect(page.get_by_text("monitoring-visits.xlsx: waiting to start.")).to_be_visible()
    expect(page.get_by_label("Progress")).to_have_attribute("max", "6")
    check_admin(page, axe_source, "export being made")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    screenshot(page, "being-made")
    job_url = page.url

    # The same page without JavaScript: the "Check again" link does what the refresh does.
    cookies = page.context.cookies()
    no_script = browser.new_context(java_script_enabled=False)
    no_script.add_cookies(cookies)
    plain = no_script.new_page()
    plain.goto(job_url)
    expect(plain.get_by_role("link", name="Check again")).to_be_visible()

    assert export_build(job_id=ExportJob.objects.get().pk) == "ready"  # the worker's turn
    plain.get_by_role("link", name="Check again").click()
    expect(plain.get_by_role("heading", name="Your download is ready")).to_be_visible()
    no_script.close()

    page.get_by_role("link", name="Check again").click()
    expect(page.get_by_role("heading", name="Your download is ready")).to_be_visible()
    check_admin(page, axe_source, "export ready")
    screenshot(page, "ready")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download monitoring-visits.xlsx").click()
    assert download.value.suggested_filename == "monitoring-visits.xlsx"
