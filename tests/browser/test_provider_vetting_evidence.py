"""A personal assistant sends their vetting evidence and applies for accreditation.

They open their vetting checks, send their DBS check (a program renamed .pdf
is refused with an error summary, keeping what they typed except the
certificate number, which is never sent back), then their insurance, and,
with every check sent, apply. Every page passes axe-core.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from marketplace.accreditation.models import Accreditation, ProviderCheck
from marketplace.providers.models import Provider
from tests.accreditation.conftest import make_every_check, pdf_bytes
from tests.browser.helpers import fill_date, sign_in_with_session
from tests.factories import ProviderFactory, ProviderMembershipFactory

pytestmark = pytest.mark.browser

DBS_NUMBER = "001122334455"


@pytest.fixture
def signed_in_pa(live_site, page: Page):
    provider = ProviderFactory(kind=Provider.Kind.PERSONAL_ASSISTANT, name="Priya Shah", slug="priya-shah")
    user = ProviderMembershipFactory(provider=provider, user__email="priya@example.org").user
    sign_in_with_session(page, live_site, user)
    return provider


def test_a_personal_assistant_uploads_evidence_and_applies(page: Page, live_site, signed_in_pa, axe_check, screenshot):
    today = timezone.localdate()
    page.goto(live_site.url("/vetting/"))
    expect(page.locator("h1")).to_have_text("Vetting checks")
    expect(page.locator("main")).to_contain_text("0 of 7")
    axe_check(page)

    # The DBS check: a program renamed .pdf is refused.
    page.get_by_role("link", name=re.compile("Send details Enhanced DBS")).click()
    expect(page.locator("h1")).to_have_text("Enhanced DBS check with adults' barred list")
    axe_check(page)
    fill_date(page, "Date issued", today - timedelta(days=40))
    page.get_by_label("Certificate number").fill(DBS_NUMBER)
    page.get_by_role("group", name="Is the certificate on the DBS Update Service?").get_by_label("Yes").check()
    page.get_by_label("Surname on the certificate").fill("Shah")
    fill_date(page, "Date of birth on the certificate", today.replace(year=today.year - 38))
    page.get_by_label("Anything the reviewer should know (optional)").fill("Both sides of the certificate.")
    page.get_by_label("Upload the front of the certificate").set_input_files(
        files=[{"name": "dbs.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00" + b"\0" * 300}]
    )
    page.get_by_label("Upload the back of the certificate").set_input_files(
        files=[{"name": "dbs-back.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    page.get_by_role("button", name="Send for review").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The selected file must be a PDF, JPG or PNG")
    assert page.title().startswith("Error:")
    expect(page.get_by_label("Surname on the certificate")).to_have_value("Shah")
    expect(page.get_by_role("group", name="Date issued").get_by_label("Year")).to_have_value(
        str((today - timedelta(days=40)).year)
    )
    expect(page.get_by_label("Anything the reviewer should know (optional)")).to_have_value(
        "Both sides of the certificate."
    )
    expect(page.get_by_label("Certificate number")).to_have_value("")
    expect(page.locator("#certificate_number-hint")).to_contain_text("Type it again")
    assert DBS_NUMBER not in page.content()
    axe_check(page)
    screenshot(page, "bad-upload-refused")
    summary.get_by_role("link", name="The selected file must be a PDF, JPG or PNG").click()
    expect(page.locator("#evidence")).to_be_focused()

    # Again with the number typed again and real PDFs of both sides (a form with a problem keeps no files).
    page.get_by_label("Certificate number").fill(DBS_NUMBER)
    page.get_by_label("Upload the front of the certificate").set_input_files(
        files=[{"name": "dbs-certificate.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    page.get_by_label("Upload the back of the certificate").set_input_files(
        files=[{"name": "dbs-certificate-back.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    page.get_by_role("button", name="Send for review").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("sent for review")
    dbs_card = page.locator(".govuk-summary-card", has_text="Enhanced DBS")
    expect(dbs_card).to_contain_text("Waiting for review")
    expect(dbs_card).to_contain_text("4455")
    expect(dbs_card.get_by_role("link", name="dbs-certificate.pdf")).to_be_visible()
    expect(dbs_card.get_by_role("link", name="dbs-certificate-back.pdf")).to_be_visible()
    assert DBS_NUMBER not in page.content()
    axe_check(page)

    # Public liability insurance: a JPG photo of the schedule is fine too, but here a PDF.
    page.get_by_role("link", name=re.compile("Send details Public liability insurance")).click()
    fill_date(page, "Date issued", today - timedelta(days=10))
    fill_date(page, "Expiry date", today + timedelta(days=355))
    page.get_by_label("Policy number").fill("PL-4471-22")
    page.set_input_files(
        "#evidence", files=[{"name": "insurance.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    page.get_by_role("button", name="Send for review").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Public liability insurance")
    expect(page.locator("main")).to_contain_text("2 of 7")

    # The evidence opens for its owner, inline and never cached.
    evidence_link = page.locator(".govuk-summary-card", has_text="Public liability").get_by_role(
        "link", name="insurance.pdf"
    )
    response = page.request.get(live_site.url(evidence_link.get_attribute("href")))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.body().startswith(b"%PDF-")

    # The other five checks are sent (here directly), then they apply.
    make_every_check(signed_in_pa, status=ProviderCheck.Status.SUBMITTED, only_missing=True)
    dbs = ProviderCheck.objects.get(provider=signed_in_pa, check_type__code="enhanced-dbs")
    assert (dbs.certificate_number, dbs.holder_surname, dbs.is_on_update_service) == (DBS_NUMBER, "Shah", True)
    page.reload()
    expect(page.locator("main")).to_contain_text("7 of 7")
    axe_check(page)
    page.get_by_role("button", name="Apply for accreditation").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Application sent")
    expect(page.locator("main")).to_contain_text("You have applied")
    axe_check(page)
    screenshot(page, "applied")
    assert Accreditation.objects.get(provider=signed_in_pa).status == Accreditation.Status.APPLIED
