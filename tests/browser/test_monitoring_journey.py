"""Browser journey: contract monitoring from the visit to the provider's answer, and feedback from the profile.

A commissioner signs in (with their authenticator app), records an
unannounced visit rated Poor in the Wagtail admin, sets an action plan of two
actions, finalises the visit and publishes the outcome. The provider's manager
signs in on the public site, reads the outcome and answers an action, first
getting the error summary for an empty answer. Separately, a family member
gives feedback from the provider's profile and a commissioner approves it.

axe-core runs on every public page visited and fails on any violation; the
admin pages are checked too, on the parts this app renders.
"""

import datetime
import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import Page, expect

from marketplace.monitoring.models import Action, Feedback, MonitoringVisit
from marketplace.providers.models import Provider
from tests.browser.conftest import format_violations
from tests.browser.helpers import settled, sign_in
from tests.factories import (
    ArrangementFactory,
    ArrangementMembershipFactory,
    CommissionerFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

COMMISSIONER = "quality.officer@council.example"
MANAGER = "manager@meadowbank.example"
PROVIDER = "Meadowbank Homecare"
TODAY = timezone.localdate()


def check_admin(page: Page, axe_source: str, where: str) -> None:
    """axe on an admin page: fail on violations in this app's content, print any in Wagtail's own chrome."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)  # not a script tag: the Content-Security-Policy would block it
    settled(page)
    ours = page.evaluate(
        "async () => (await window.axe.run(document.querySelector('main'), {resultTypes: ['violations']})).violations"
    )
    assert not ours, f"{where}\n{format_violations(ours)}"
    everything = page.evaluate(
        "async () => (await window.axe.run(document, {resultTypes: ['violations']})).violations"
    )
    print(f"\n[axe, whole admin page: {where}] " + (format_violations(everything) if everything else "no violations"))


@pytest.fixture
def people(live_site: Any) -> dict[str, Any]:
    framework = ArrangementFactory(name="Home care framework", slug="home-care-framework")
    provider = ProviderFactory(name=PROVIDER, slug="meadowbank-homecare", kind=Provider.Kind.HOME_CARE_AGENCY)
    ArrangementMembershipFactory(arrangement=framework, provider=provider, start_on=TODAY - datetime.timedelta(400))
    commissioner = CommissionerFactory(email=COMMISSIONER, first_name="Helen", last_name="Marsh", is_staff=True)
    manager = UserFactory(email=MANAGER, first_name="Grace", last_name="Okafor")
    ProviderMembershipFactory(provider=provider, user=manager)
    for user in (commissioner, manager):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return {"provider": provider, "commissioner": commissioner, "manager": manager, "framework": framework}


def test_a_poor_visit_is_published_and_the_provider_answers_an_action(
    page: Page, live_site: Any, people: dict[str, Any], axe_check: Any, axe_source: str, screenshot: Any
) -> None:
    provider: Provider = people["provider"]

    # The commissioner signs in with their second factor and opens the visits.
    sign_in(page, live_site, COMMISSIONER, next_path="/admin/monitoring/visits/", with_code=True)
    expect(page.get_by_role("heading", name="Monitoring visits")).to_be_visible()
    page.get_by_role("link", name="Record a visit").first.click()

    # 1. Record an unannounced visit: the provider through Wagtail's chooser, the six ratings as radios.
    expect(page.get_by_role("heading", name="Record a monitoring visit")).to_be_visible()
    page.get_by_role("button", name="Choose provider").click()
    page.locator(".modal-content [data-chooser-modal-choice]", has_text=PROVIDER).click()
    expect(page.locator("[data-chooser-title]")).to_have_text(PROVIDER)
    page.get_by_label("Unannounced visit").check()
    page.get_by_label("Date of the visit").fill((TODAY - datetime.timedelta(days=1)).isoformat())
    page.keyboard.press("Escape")
    page.get_by_label("Contract or list").select_option(label="Home care framework")
    ratings = {
        "assessment_and_care_planning": "requires_improvement",
        "experience_of_people_supported": "poor",
        "worker_knowledge": "requires_improvement",
        "staff_training_and_recruitment": "poor",
        "environment_equipment_and_safety": "good",
        "leadership_and_management": "requires_improvement",
    }
    for domain, rating in ratings.items():
        page.locator(f"input[name='{domain}'][value='{rating}']").check()
    page.get_by_label("Evidence notes").fill("Nine of fourteen call rounds late; two workers with no induction.")
    page.get_by_label("Summary for the provider").fill(
        "People told us their calls are often late and staff change too often. Training records were incomplete."
    )
    check_admin(page, axe_source, "record a visit")
    screenshot(page, "admin-record-visit")
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.get_by_text(f"Visit to {PROVIDER} recorded as a draft.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Poor (when finalised)")
    visit = MonitoringVisit.objects.get(provider=provider)
    assert (visit.visit_type, visit.status) == ("unannounced", "draft")

    # 2. An action plan of two actions.
    page.get_by_role("link", name="Add an action").click()
    page.get_by_label("What must be done").fill("Give every worker an induction before their first call.")
    page.get_by_label("Quality domain").select_option(label="Staff training and recruitment")
    page.get_by_label("Person responsible").fill("Registered manager")
    page.get_by_label("Due by").fill((TODAY + datetime.timedelta(days=28)).isoformat())
    page.keyboard.press("Escape")
    check_admin(page, axe_source, "add an action")
    page.get_by_role("button", name="Add the action and another").click()
    expect(page.get_by_text("Action added to the action plan.")).to_be_visible()
    page.get_by_label("What must be done").fill("Send the council call times every week until they are on time.")
    page.get_by_label("Due by").fill((TODAY + datetime.timedelta(days=14)).isoformat())
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Add the action", exact=True).click()
    expect(page.locator("#actions + table")).to_contain_text("Give every worker an induction")
    expect(page.locator("#actions + table")).to_contain_text("Send the council call times")

    # 3. Finalise: the page shows the overall rating the rule gives before anything is fixed.
    page.get_by_role("link", name="Finalise").click()
    expect(page.get_by_role("heading", name="Overall rating: Poor")).to_be_visible()
    expect(page.locator("main")).to_contain_text(
        "Poor because experience of the people supported and staff training and recruitment are Poor."
    )
    check_admin(page, axe_source, "finalise")
    screenshot(page, "admin-finalise")
    page.get_by_label("Note for the record (optional)").fill("Late calls confirmed by three people's families.")
    page.get_by_role("button", name="Finalise with overall rating Poor").click()
    expect(page.get_by_text("Visit finalised: overall rating Poor.")).to_be_visible()

    # 4. Publish the outcome to the provider.
    page.get_by_role("link", name="Publish to the provider").click()
    expect(page.locator("main")).to_contain_text(MANAGER)
    page.get_by_role("button", name="Publish to the provider").click()
    expect(page.get_by_text(f"Outcome published to {PROVIDER}")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Published to the provider")
    check_admin(page, axe_source, "the visit")
    screenshot(page, "admin-visit-published")
    visit.refresh_from_db()
    assert (visit.status, visit.overall_rating) == ("published", "poor")
    assert list(visit.rating_decisions.values_list("kind", flat=True)) == ["published", "finalised"]

    # The schedule now wants the next visit within a month of this Poor one.
    page.get_by_role("button", name="Monitoring", exact=True).click()
    page.get_by_role("link", name="Due and overdue").click()
    expect(page.get_by_role("heading", name="Monitoring due and overdue")).to_be_visible()
    row = page.locator("tbody tr", has_text=PROVIDER)
    expect(row).to_contain_text("Last rated Poor: within 1 month")
    check_admin(page, axe_source, "due and overdue")
    screenshot(page, "admin-due-and-overdue")

    # The provider's manager signs in on the public site in a browser of their own.
    page.context.clear_cookies()
    outcomes = f"/monitoring/{provider.uuid}/"
    sign_in(page, live_site, MANAGER, next_path=outcomes, with_code=False)
    expect(page.get_by_role("heading", name="Monitoring visits")).to_be_visible()
    main = page.locator("main")
    expect(main).to_contain_text("Unannounced visit on")
    expect(main).to_contain_text("You have 2 actions to work on.")
    expect(main.locator(".govuk-tag--red").first).to_have_text("Poor")
    expect(main).not_to_contain_text("Nine of fourteen call rounds", ignore_case=True)
    axe_check(page)
    screenshot(page, "provider-outcomes")

    # 5. They answer the action on induction; an empty answer first gets the error summary.
    induction = page.locator(".govuk-summary-card", has_text="Give every worker an induction")
    induction.get_by_role("link", name=re.compile(r"^Answer this action")).click()
    expect(page.get_by_role("heading", name="Answer an action")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Send your answer").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose in progress or done.")
    expect(summary).to_contain_text("Say what you have done or are doing about this action.")
    assert page.title().startswith("Error:")
    axe_check(page)
    summary.get_by_role("link", name="Choose in progress or done.").click()
    expect(page.get_by_label("In progress")).to_be_focused()
    page.get_by_label("In progress").check()
    page.get_by_label("What have you done, or are you doing, about it?").fill(
        "Induction booked for both workers on Monday; nobody starts calls before it."
    )
    page.get_by_role("button", name="Send your answer").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your answer has been sent to the council."
    )
    expect(page.locator(".govuk-summary-card", has_text="Give every worker an induction")).to_contain_text(
        "Induction booked for both workers on Monday"
    )
    axe_check(page)
    screenshot(page, "provider-answered")

    action = Action.objects.get(visit=visit, description__startswith="Give every worker")
    assert (action.status, action.responded_by) == ("in_progress", people["manager"])
    assert action.updates.first().kind == "provider_response"


def test_a_family_member_gives_feedback_from_the_profile_and_a_commissioner_approves_it(
    page: Page, live_site: Any, people: dict[str, Any], axe_check: Any, axe_source: str, screenshot: Any
) -> None:
    provider: Provider = people["provider"]
    page.goto(live_site.url(f"/directory/{provider.slug}/"))
    axe_check(page)
    page.get_by_role("link", name=f"Give feedback about {PROVIDER}").click()
    expect(page.get_by_role("heading", name="Give feedback about this service")).to_be_visible()
    axe_check(page)

    page.get_by_label("I am a family member or friend of someone who uses it").check()
    page.get_by_label("Yes, I want to complain").check()
    page.get_by_label("Your feedback").fill("Short")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Your feedback must be at least 10 characters.")
    expect(page.get_by_label("Yes, I want to complain")).to_be_checked()
    axe_check(page)
    screenshot(page, "feedback-error")

    page.get_by_label("Your feedback").fill("Carers arrived two hours late three times last week and did not ring.")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_role("heading", name="Thank you for your feedback")).to_be_visible()
    axe_check(page)
    feedback = Feedback.objects.get(provider=provider)
    assert (feedback.is_complaint, feedback.moderation_status) == (True, "pending")

    page.context.clear_cookies()
    sign_in(page, live_site, COMMISSIONER, next_path="/admin/monitoring/feedback/", with_code=True)
    page.get_by_role("link", name=PROVIDER).first.click()
    expect(page.locator("main")).to_contain_text("Carers arrived two hours late")
    check_admin(page, axe_source, "moderate feedback")
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_text(f"Feedback on {PROVIDER} approved.")).to_be_visible()
    feedback.refresh_from_db()
    assert (feedback.moderation_status, feedback.moderated_by) == ("approved", people["commissioner"])
