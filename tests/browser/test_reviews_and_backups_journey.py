"""Browser journeys: a holder reviews her personal assistant, and sees her back-ups when the PA is away.

1. Margaret, whose support from Asha (a personal assistant) was approved on
   a timesheet, reviews her from "Your support" with star radios, first
   getting the error summary for an empty form. A commissioner publishes the
   review in the Wagtail admin; Asha replies from her dashboard; the
   commissioner publishes the reply; the review, the reply and the average
   appear on Asha's profile.
2. Asha marks an absence on her dashboard. David, who acts for Margaret,
   sees on "Your support" that Asha cannot come, and her back-up and another
   listing nearby with space for the same service.

axe-core runs on every public page and on this app's part of the admin pages.
"""

import datetime
import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import Page, expect

from marketplace.accounts.models import RIGHT_FIELDS, ActingFor, right_fields
from marketplace.backups.models import Absence
from marketplace.backups.services import backup_plan_set
from marketplace.engagement.models import ShortlistEntry
from marketplace.providers.models import Provider
from marketplace.reviews.models import Review
from tests.browser.helpers import fill_date, sign_in_to_admin
from tests.browser.test_monitoring_journey import check_admin, sign_in
from tests.factories import (
    AgreementFactory,
    CommissionerFactory,
    DirectPaymentHolderFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    ServiceTypeFactory,
    TimesheetEntryFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

COMMISSIONER = "reviews.officer@council.example"
HOLDER = "margaret@family.example"
FAMILY = "david@family.example"
PA = "asha@pa.example"
REVIEW = "Asha is kind and always on time. She helps me get to the lunch club on Tuesdays."
REPLY = "Thank you, Margaret. It is a pleasure to support you."


@pytest.fixture
def people(live_site: Any) -> dict[str, Any]:
    personal_care = ServiceTypeFactory(name="Personal care", slug="personal-care")
    asha = ProviderFactory(name="Asha Patel", slug="asha-patel", services=[personal_care])
    backup = ProviderFactory(name="Bea Brown", slug="bea-brown", services=[personal_care])
    ProviderFactory(name="Carys Evans", slug="carys-evans", services=[personal_care])
    margaret = UserFactory(email=HOLDER, first_name="Margaret", last_name="Hollis")
    holder = DirectPaymentHolderFactory(user=margaret, display_name="Margaret Hollis")
    david = UserFactory(email=FAMILY, first_name="David", last_name="Hollis")
    ActingFor.objects.create(
        agent=david,
        holder=holder,
        relationship=ActingFor.Relationship.FAMILY_MEMBER,
        started_on=datetime.date(2025, 1, 1),
        **right_fields(frozenset(RIGHT_FIELDS)),
    )
    pa_user = UserFactory(email=PA, first_name="Asha", last_name="Patel")
    ProviderMembershipFactory(provider=asha, user=pa_user, role="owner")
    commissioner = CommissionerFactory(email=COMMISSIONER, first_name="Helen", last_name="Marsh", is_staff=True)
    for user in (margaret, david, pa_user, commissioner):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    agreement = AgreementFactory(holder=holder, provider=asha, version__services=[personal_care])
    TimesheetEntryFactory(agreement=agreement, status="approved")
    ShortlistEntry.objects.create(holder=holder, provider=backup, added_by=margaret)
    backup_plan_set(agreement=agreement, providers=[backup], by=david)
    return {"asha": asha, "holder": holder, "agreement": agreement}


def test_a_holder_reviews_her_pa_and_the_review_appears_after_moderation(
    page: Page, live_site: Any, people: dict[str, Any], axe_check: Any, axe_source: str, screenshot: Any
) -> None:
    asha: Provider = people["asha"]

    # Margaret finds the review in "Your support".
    sign_in(page, live_site, HOLDER, next_path="/your-support/", with_code=False)
    expect(page.get_by_role("heading", name="Reviews", exact=True)).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Review Asha Patel").click()
    expect(page.get_by_role("heading", name="Review Asha Patel")).to_be_visible()
    axe_check(page)

    # An empty form gets the error summary; then four stars and her words.
    page.get_by_role("button", name="Send the review").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose how many stars, from 1 to 5.")
    expect(summary).to_contain_text("Enter your review.")
    assert page.title().startswith("Error:")
    axe_check(page)
    screenshot(page, "review-errors")
    page.get_by_label("4 stars: good").check()
    page.get_by_label("Your review").fill(REVIEW)
    page.get_by_label("Your name as shown with the review").fill("Margaret")
    screenshot(page, "review-form")
    page.get_by_role("button", name="Send the review").click()
    expect(page.get_by_text("The council checks every review before it is published.")).to_be_visible()
    axe_check(page)
    review = Review.objects.get()
    assert (review.rating, review.status) == (4, "pending")

    # Nothing shows on the profile yet.
    page.goto(live_site.url(f"/directory/{asha.slug}/"))
    expect(page.locator("#reviews").locator("xpath=..")).to_contain_text("No reviews yet.")

    # A commissioner publishes it from the moderation queue.
    page.context.clear_cookies()
    sign_in_to_admin(page, live_site, COMMISSIONER)
    page.goto(live_site.url("/admin/reviews/"))
    row = page.locator("tbody tr", has_text="Asha Patel")
    expect(row).to_contain_text("Review waiting")
    check_admin(page, axe_source, "reviews queue")
    row.get_by_role("link").first.click()
    expect(page.locator("main")).to_contain_text(REVIEW)
    page.get_by_label("Publish", exact=True).check()
    check_admin(page, axe_source, "moderate a review")
    screenshot(page, "admin-moderate")
    page.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_text("The review about Asha Patel is published.")).to_be_visible()

    # Asha replies once, from her dashboard.
    page.context.clear_cookies()
    sign_in(page, live_site, PA, next_path="/provider/", with_code=False)
    page.get_by_role("link", name=re.compile(r"^Reviews")).click()
    expect(page.get_by_role("heading", name="Reviews", exact=True)).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name=re.compile(r"^Reply")).click()
    axe_check(page)
    page.get_by_label("Your reply").fill(REPLY)
    page.get_by_role("button", name="Send the reply").click()
    expect(page.get_by_text("Your reply is sent.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^Reply"))).to_have_count(0)
    axe_check(page)
    screenshot(page, "provider-reviews")

    # The commissioner publishes the reply.
    page.context.clear_cookies()
    sign_in_to_admin(page, live_site, COMMISSIONER)
    page.goto(live_site.url(f"/admin/reviews/{review.pk}/"))
    expect(page.locator("main")).to_contain_text(REPLY)
    page.get_by_label("Publish", exact=True).check()
    page.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_text("The reply about Asha Patel is published.")).to_be_visible()

    # Anyone sees the review, the reply and the average on the profile.
    page.context.clear_cookies()
    page.goto(live_site.url(f"/directory/{asha.slug}/"))
    reviews = page.locator("#reviews").locator("xpath=..")
    expect(reviews).to_contain_text("Average 4.0 out of 5 stars from 1 review")
    expect(reviews).to_contain_text(REVIEW)
    expect(reviews).to_contain_text("Written by Margaret")
    expect(reviews).to_contain_text(REPLY)
    axe_check(page)
    page.locator("#reviews").scroll_into_view_if_needed()
    screenshot(page, "profile-with-review")


def test_a_family_member_sees_the_back_ups_when_the_pa_marks_an_absence(
    page: Page, live_site: Any, people: dict[str, Any], axe_check: Any, screenshot: Any
) -> None:
    today = timezone.localdate()  # the absence must include today or a later day, whatever day this runs

    # Asha marks two days away on her dashboard; a last day before the first gets an error first.
    sign_in(page, live_site, PA, next_path="/provider/", with_code=False)
    page.get_by_role("link", name=re.compile(r"^Absences")).click()
    expect(page.get_by_role("heading", name="Absences")).to_be_visible()
    axe_check(page)
    fill_date(page, "First day away", today + datetime.timedelta(days=1))
    fill_date(page, "Last day away", today)
    page.get_by_label("Why you cannot come").fill("Ill")
    page.get_by_role("button", name="Save and tell the people I support").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The last day away must be the same as or after")
    axe_check(page)
    fill_date(page, "Last day away", today + datetime.timedelta(days=2))
    page.get_by_role("button", name="Save and tell the people I support").click()
    expect(page.get_by_text("Absence saved.")).to_be_visible()
    axe_check(page)
    screenshot(page, "absences")
    assert Absence.objects.filter(provider=people["asha"]).count() == 1

    # David, who acts for Margaret, sees it first thing on "Your support".
    page.context.clear_cookies()
    sign_in(page, live_site, FAMILY, next_path="/your-support/", with_code=False)
    alert = page.locator("#cannot-come")
    expect(alert).to_contain_text("Asha Patel cannot come from")
    expect(alert).to_contain_text("(Ill)")
    axe_check(page)
    screenshot(page, "your-support-alert")
    alert.get_by_role("link", name=re.compile(r"^See back-ups")).click()

    # Her back-up first, then another listing with space for personal care.
    expect(page.get_by_role("heading", name="Asha Patel cannot come")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Bea Brown")
    expect(page.locator("table")).to_contain_text("Carys Evans")
    expect(page.locator("table")).not_to_contain_text("Asha Patel")
    axe_check(page)
    screenshot(page, "cover")
