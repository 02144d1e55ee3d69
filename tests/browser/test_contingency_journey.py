"""Browser journey: a commissioner handles a provider at risk of failing, from a Poor monitoring visit to closing.

A commissioner records an unannounced visit rated Poor in the admin, finalises
it and sets an action plan; the provider is flagged "at risk" automatically.
They review the alternatives with capacity, escalate to "failing", put a
neutral notice on the listing, record communications and close the flag.
"""

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from wagtail.models import Site

from cms.models import CouncilSettings
from marketplace.contingency.models import ContingencyFlag, Level
from marketplace.contingency.services import NEUTRAL_NOTICES, contingency_signal
from marketplace.monitoring.models import DOMAIN_FIELDS, Rating
from marketplace.providers.models import Provider
from tests.browser.helpers import settled, sign_in_with_session
from tests.factories import CommissionerFactory, ProviderFactory, ServiceTypeFactory

pytestmark = pytest.mark.browser

FLAGGED = "Meadowbank Homecare"


def build_county() -> dict[str, Any]:
    site_settings = CouncilSettings.for_site(Site.objects.get(is_default_site=True))
    site_settings.council_name = "Wendleshire County Council"
    site_settings.service_name = "Find care and support"
    site_settings.save()
    home_care = ServiceTypeFactory.create(name="Home care", slug="home-care")
    flagged = ProviderFactory.create(
        name=FLAGGED,
        slug="meadowbank-homecare",
        kind=Provider.Kind.HOME_CARE_AGENCY,
        cqc_location_id="1-555000111",
        services=[home_care],
        latitude=52.60,
        longitude=-1.10,
        capacity_hours_per_week=400,
    )
    ProviderFactory.create(
        name="Riverside Care",
        kind=Provider.Kind.HOME_CARE_AGENCY,
        services=[home_care],
        latitude=52.62,
        longitude=-1.10,
        capacity_hours_per_week=120,
    )
    ProviderFactory.create(
        name="Oakfield Support",
        kind=Provider.Kind.MICRO_PROVIDER,
        services=[home_care],
        latitude=52.66,
        longitude=-1.12,
        capacity_hours_per_week=35,
    )
    full = ProviderFactory.create(
        name="Brookside Full Up", services=[home_care], latitude=52.61, longitude=-1.1, is_taking_new_clients=False
    )
    also_at_risk = ProviderFactory.create(
        name="Hillcrest Agency", services=[home_care], latitude=52.605, longitude=-1.1
    )
    contingency_signal(provider=also_at_risk, signal="cqc_inadequate", detail="CQC rated Inadequate in April")
    return {"flagged": flagged, "full": full, "also_at_risk": also_at_risk}


def test_a_commissioner_handles_a_provider_at_risk_from_poor_visit_to_closing(
    page: Page, live_site: Any, axe_check: Any, screenshot: Any
) -> None:
    county = build_county()
    flagged: Provider = county["flagged"]
    commissioner = CommissionerFactory.create(first_name="Alex", last_name="Morgan")
    sign_in_with_session(page, live_site, commissioner)

    # 1. Record an unannounced visit, rated Poor in most domains.
    page.goto(live_site.url(f"/admin/monitoring/visits/new/?provider={flagged.pk}"))
    axe_check(settled(page))
    page.get_by_label("Unannounced visit").check()
    page.get_by_label("Date of the visit").fill((timezone.localdate() - datetime.timedelta(days=1)).isoformat())
    for domain in DOMAIN_FIELDS:
        page.locator(f"input[name='{domain}'][value='{Rating.POOR}']").check()
    page.get_by_label("Evidence notes").fill("Missed calls logged on 9 of 14 rounds; no manager on site.")
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.get_by_text("recorded as a draft")).to_be_visible()
    visit_url = page.url

    # 2. Finalise it: the overall rating is Poor.
    page.goto(visit_url.rstrip("/") + "/finalise/")
    axe_check(settled(page))
    page.get_by_label("Note for the record (optional)").fill("Poor in every domain.")
    page.get_by_role("button", name=re.compile("Finalise")).click()
    expect(page.get_by_text("overall rating Poor")).to_be_visible()

    # 3. Set an action plan.
    page.goto(visit_url.rstrip("/") + "/actions/new/")
    axe_check(settled(page))
    page.get_by_label("What must be done").fill("Put a registered manager in post and cover every call round.")
    page.get_by_label("Due by").fill((timezone.localdate() + datetime.timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Add the action", exact=True).click()
    expect(page.get_by_text("Action added to the action plan.")).to_be_visible()

    # 4. The provider is flagged "at risk" automatically; the list shows it.
    flag = ContingencyFlag.objects.open().get(provider=flagged)
    assert flag.level == Level.AT_RISK
    assert flag.duty == "s48_temporary"
    page.goto(live_site.url("/admin/"))
    page.get_by_role("link", name="Contingency").first.click()
    expect(page.locator("h1")).to_contain_text("Contingency flags")
    row = page.locator("tr", has_text=FLAGGED)
    expect(row).to_contain_text("At risk")
    axe_check(settled(page))
    screenshot(page, "flags-list")

    # 5. The flag page: the automatic trigger, and alternatives with capacity.
    row.get_by_role("link", name=FLAGGED).click()
    expect(page.locator(".contingency-level")).to_have_text("At risk")
    expect(page.locator("#triggers-section, #trigger_form-section")).to_contain_text("Monitoring visit rated Poor")
    alternatives = page.locator(".contingency-alternatives")
    expect(alternatives).to_contain_text("Riverside Care")
    expect(alternatives).to_contain_text("120 hours a week")
    expect(alternatives).to_contain_text("Oakfield Support")
    expect(alternatives).not_to_contain_text("Brookside Full Up")
    expect(alternatives).not_to_contain_text("Hillcrest Agency")
    rows = alternatives.locator("tbody tr")
    expect(rows.first).to_contain_text("Riverside Care")  # the nearest first
    axe_check(settled(page))
    screenshot(page, "flag-at-risk")
    alternatives.scroll_into_view_if_needed()
    screenshot(page, "alternatives")

    # The commissioner takes the lead and records someone affected.
    details_form = page.locator("#details_form-section")
    details_form.get_by_label("Lead officer").select_option(value=str(commissioner.pk))
    details_form.get_by_role("button", name="Save the details").click()
    expect(page.get_by_text("Details saved.")).to_be_visible()
    expect(page.locator(".contingency-summary")).to_contain_text("Alex Morgan")
    person_form = page.locator("#person_form-section form").last
    person_form.get_by_label("Case reference or initials").fill("ASC-10234")
    person_form.get_by_label("Needs summary").fill("Personal care, four calls a day")
    person_form.get_by_role("button", name="Add the person").click()
    expect(page.get_by_text("Person added.")).to_be_visible()
    expect(page.locator("#person_form-section table")).to_contain_text("ASC-10234")

    # 6. Escalate to failing; a change without a reason is refused and nothing is lost.
    level_form = page.locator("#level_form-section")
    level_form.get_by_label("New level").select_option("failing")
    level_form.get_by_role("button", name="Change the level").click()
    expect(page.locator("#level-errors")).to_contain_text("Why: This field is required.")
    axe_check(settled(page))
    level_form = page.locator("#level_form-section")
    expect(level_form.get_by_label("New level")).to_have_value("failing")
    level_form.get_by_label("Why").fill("The manager resigned and the action plan cannot be met; staff leaving.")
    level_form.get_by_role("button", name="Change the level").click()
    expect(page.get_by_text("Level changed.")).to_be_visible()
    expect(page.locator(".contingency-level")).to_have_text("Failing")

    # 7. Record communications with the provider and with families.
    for party, summary in [
        ("The provider", "Met the director: agreed daily call-round reports to the council."),
        ("Families and carers", "Wrote to the families of the 23 people supported about what happens next."),
    ]:
        event_form = page.locator("#event_form-section form")
        event_form.get_by_label("Communication").check()
        event_form.get_by_label("With whom").select_option(label=party)
        event_form.get_by_label("Summary").fill(summary)
        event_form.get_by_role("button", name="Add to the timeline").click()
        expect(page.get_by_text("Added to the timeline.")).to_be_visible()
        expect(page.locator(".contingency-timeline")).to_contain_text(summary)

    # 8. Show a neutral notice on the public listing.
    visibility_form = page.locator("#visibility_form-section")
    visibility_form.get_by_label("Listing shows a neutral notice").check()
    visibility_form.get_by_label(NEUTRAL_NOTICES[0]).check()
    visibility_form.get_by_label("Why (internal only)").fill("Pause new referrals while the agency stabilises.")
    visibility_form.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_text("Public listing decision saved.")).to_be_visible()
    timeline = page.locator(".contingency-timeline")
    expect(timeline).to_contain_text("Level: At risk → Failing")
    expect(timeline).to_contain_text("Communication with families and carers")
    axe_check(settled(page))
    timeline.scroll_into_view_if_needed()
    screenshot(page, "flag-failing-timeline")

    # The public sees the neutral notice and nothing else.
    assert page.context.browser is not None
    public = page.context.browser.new_page()  # a separate, signed-out browser
    public.goto(live_site.url("/directory/meadowbank-homecare/"))
    expect(public.locator("h1")).to_have_text(FLAGGED)
    expect(public.get_by_text(NEUTRAL_NOTICES[0])).to_be_visible()
    body = public.locator("body").inner_text()
    for word in ("Failing", "failing", "at risk", "contingency", "Poor", "action plan"):
        assert word not in body
    axe_check(public)
    screenshot(public, "public-profile-notice")

    # 9. Close the flag with its outcome.
    close_form = page.locator("#close_form-section")
    close_form.get_by_label("Business transferred to another provider").check()
    close_form.get_by_label("Closing note: what happened and why").fill(
        "Riverside Care took over the contract; all 23 people moved with their carers."
    )
    close_form.get_by_role("button", name="Close the flag").click()
    expect(page.get_by_text("Flag closed.")).to_be_visible()
    expect(page.locator(".contingency-level")).to_have_text("Closed")
    expect(page.locator(".contingency-summary")).to_contain_text("Business transferred to another provider")
    axe_check(settled(page))
    screenshot(page, "flag-closed")

    flag.refresh_from_db()
    flagged.refresh_from_db()
    assert flag.closing_outcome == "transferred"
    assert [change.to_level for change in flag.level_changes.order_by("decided_at", "id")] == [
        "at_risk",
        "failing",
        "closed",
    ]
    assert flag.level_changes.get(to_level="failing").decided_by == commissioner
    assert flagged.public_notice == ""
    public.goto(live_site.url("/directory/meadowbank-homecare/"))
    expect(public.get_by_text(NEUTRAL_NOTICES[0])).to_have_count(0)
    public.context.close()
