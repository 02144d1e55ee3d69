"""Browser journey: a commissioner reviews a personal assistant's vetting and accredits them; the public sees it.

The commissioner signs in with their authenticator app, opens the review
queue, filters it, opens the provider, views the DBS evidence (each view is
logged), verifies every check and accredits. The public profile then lists
what was checked and when, and the accredited supplier list includes them.

axe-core fails the test on any violation on the public pages; on the admin
pages (Wagtail's markup around ours) it runs and prints what it finds.
"""

import datetime
import io
import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect
from wagtail.models import Site

from cms.models import CouncilSettings
from marketplace.accreditation.models import Accreditation, Evidence, EvidenceView, ProviderCheck
from marketplace.accreditation.requirements import required_checks
from marketplace.providers.models import Provider
from tests.browser.helpers import report_admin_violations, settled, sign_in_to_admin
from tests.factories import LocalityFactory, ProviderFactory, ProviderMembershipFactory

pytestmark = pytest.mark.browser

APPLICANT = "Rosa Martin"


def pdf_bytes(title: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(buffer, "PDF", title=title)
    return buffer.getvalue()


def build_applicants() -> Provider:
    """Rosa, a personal assistant who sent every check and applied 9 days ago; and a day service, newer."""
    site_settings = CouncilSettings.for_site(Site.objects.get(is_default_site=True))
    site_settings.council_name = "Wendleshire County Council"
    site_settings.service_name = "Find care and support"
    site_settings.save()
    ashford = LocalityFactory(name="Ashford Vale")
    rosa = ProviderFactory(name=APPLICANT, slug="rosa-martin", locality=ashford, summary="Personal care and company.")
    ProviderMembershipFactory(provider=rosa, user__email="rosa@example.org")
    today = timezone.localdate()
    sent = timezone.now() - datetime.timedelta(days=9)
    for check_type, worker in required_checks(rosa):
        check = ProviderCheck.objects.create(
            provider=rosa,
            check_type=check_type,
            worker=worker,
            status=ProviderCheck.Status.SUBMITTED,
            issued_on=today - datetime.timedelta(days=60),
            expires_on=today + datetime.timedelta(days=365) if check_type.has_expiry else None,
            submitted_at=sent,
            certificate_number="001234567890" if check_type.has_certificate_number else "",
            certificate_number_last_digits="7890" if check_type.has_certificate_number else "",
            reference="Mrs Hester Referee" if check_type.code.startswith("reference") else "",
        )
        name = f"{check_type.code}.pdf"
        content = pdf_bytes(check_type.name)
        Evidence.objects.create(
            provider_check=check,
            file=SimpleUploadedFile(name, content),
            original_name=name,
            content_type="application/pdf",
            size=len(content),
            sha256="0" * 64,
        )
    Accreditation.objects.create(provider=rosa, status=Accreditation.Status.APPLIED, applied_at=sent)
    Accreditation.objects.create(
        provider=ProviderFactory(name="Cedar Day Centre", kind=Provider.Kind.DAY_SERVICE, locality=ashford),
        status=Accreditation.Status.APPLIED,
        applied_at=timezone.now() - datetime.timedelta(days=2),
    )
    return rosa


def test_a_commissioner_verifies_the_checks_and_accredits_and_the_public_sees_what_was_checked(
    page: Page, live_site: Any, axe_check: Any, axe_source: str, screenshot: Any, commissioner_user: Any
) -> None:
    rosa = build_applicants()
    EmailAddress.objects.create(user=commissioner_user, email=commissioner_user.email, verified=True, primary=True)
    sign_in_to_admin(page, live_site, commissioner_user.email)

    # The queue, oldest first, with the count; then only personal assistants waiting more than 7 days.
    page.goto(live_site.url("/admin/vetting/"))
    results = page.locator("#listing-results")
    expect(results).to_contain_text("2 providers waiting for review, oldest first.")
    expect(results.locator("tbody tr").first).to_contain_text(APPLICANT)
    report_admin_violations(settled(page), axe_source, "review queue")
    page.goto(live_site.url("/admin/vetting/?kind=personal_assistant&waiting=7"))
    expect(results).to_contain_text("1 provider waiting for review matches these filters")
    expect(results).not_to_contain_text("Cedar Day Centre")
    screenshot(page, "queue-filtered")

    # The provider's review: every check with its details, the DBS number masked.
    results.get_by_role("link", name=APPLICANT).click()
    expect(page.get_by_role("heading", name=APPLICANT, level=2)).to_be_visible()
    expect(page.locator("#checks-section")).to_contain_text("•••• •••• 7890")
    expect(page.locator("body")).not_to_contain_text("001234567890")
    report_admin_violations(settled(page), axe_source, "provider review")
    screenshot(page, "review")

    # The DBS certificate in the viewer; the frame's load is logged as a view.
    page.get_by_role("link", name="View enhanced-dbs.pdf").click()
    expect(page.get_by_role("heading", name="enhanced-dbs.pdf", exact=True)).to_be_visible()
    expect(page.locator("iframe[title='enhanced-dbs.pdf']")).to_be_attached()
    expect(page.get_by_role("link", name=re.compile("Open in a new tab"))).to_be_visible()
    page.wait_for_timeout(500)
    report_admin_violations(settled(page), axe_source, "evidence viewer")
    screenshot(page, "evidence")
    dbs_evidence = Evidence.objects.get(original_name="enhanced-dbs.pdf")
    assert EvidenceView.objects.filter(evidence=dbs_evidence, viewed_by=commissioner_user).count() >= 1
    page.get_by_role("link", name="Back to the review").click()

    # Verify each check in turn; the page says which and that the provider was told.
    verify_buttons = page.get_by_role("button", name=re.compile(r"^Verify "))
    expect(verify_buttons).to_have_count(rosa.checks.count())
    for _ in range(rosa.checks.count()):
        verify_buttons.first.click()
        expect(page.locator(".messages")).to_contain_text("verified. The provider has been told by email.")
    expect(verify_buttons).to_have_count(0)
    expect(page.locator("#decision-section")).to_contain_text("Every required check is verified and in date.")

    # Accredit, with a reason; the history records it.
    page.get_by_label("Accredit: add to the accredited supplier list").check()
    page.get_by_label("Reason").last.fill("All checks verified against the originals.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".messages")).to_contain_text(f"{APPLICANT} is now accredited.")
    expect(page.locator("#history-section")).to_contain_text("All checks verified against the originals.")
    report_admin_violations(settled(page), axe_source, "after accrediting")
    screenshot(page, "accredited")
    rosa.refresh_from_db()
    assert rosa.is_accredited

    # The public profile: the badge and what was checked, when; never numbers or referees.
    page.goto(live_site.url("/directory/rosa-martin/"))
    expect(page.locator(".app-tags").first).to_contain_text("Accredited")
    checks = page.locator(".app-accreditation-checks")
    dbs_row = checks.locator(".govuk-summary-list__row", has_text="Enhanced DBS check with the adults' barred list")
    expect(dbs_row).to_contain_text("Checked on")
    expect(dbs_row).to_contain_text("Valid until")
    expect(checks).to_contain_text("Two references checked")
    expect(checks.locator(".govuk-summary-list__row")).to_have_count(6)
    body = page.locator("body")
    expect(body).not_to_contain_text("7890")
    expect(body).not_to_contain_text("Hester")
    axe_check(page)
    screenshot(page, "public-profile")

    # From the profile to the accredited supplier list, by kind then locality.
    page.get_by_role("link", name="accredited supplier list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accredited supplier list")
    expect(page.locator("main")).to_contain_text("1 accredited provider")
    expect(page.get_by_role("heading", name="Personal assistants")).to_be_visible()
    expect(page.get_by_role("heading", name="Ashford Vale")).to_be_visible()
    axe_check(page)
    screenshot(page, "accredited-list")
    page.get_by_role("link", name=APPLICANT).click()
    expect(page).to_have_url(live_site.url("/directory/rosa-martin/"))

    # The search results say who is accredited, and since when.
    page.goto(live_site.url("/directory/?accredited=true"))
    result = page.locator(".app-result", has_text=APPLICANT)
    expect(result).to_contain_text("checks are verified and in date, accredited since")
    axe_check(page)
    screenshot(page, "results")
