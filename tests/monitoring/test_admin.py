"""The commissioners' monitoring screens in the Wagtail admin."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from marketplace.monitoring.models import (
    DOMAIN_FIELDS,
    Action,
    Arrangement,
    Feedback,
    MonitoringVisit,
    RatingDecision,
)
from marketplace.monitoring.schedule import add_months
from tests.factories import (
    ArrangementFactory,
    ArrangementMembershipFactory,
    MonitoringFeedbackFactory,
    ProviderFactory,
    days_ago,
)
from tests.monitoring.conftest import ratings

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def commissioner(client, commissioner_user):
    client.force_login(commissioner_user)
    return commissioner_user


def visit_form(provider=None, **overrides):
    data = {
        "visit_type": "unannounced",
        "visited_on": days_ago(1).isoformat(),
        "officer": "",
        "arrangement": "",
        "evidence_notes": "Two staff without moving and handling training.",
        "summary_for_provider": "Training gaps found.",
        **ratings("good", "good", "poor"),
    }
    if provider is not None:
        data["provider"] = provider.pk
    data.update(overrides)
    return data


def read_csv(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


# Recording a visit -------------------------------------------------------------------------


def test_the_monitoring_menu_is_there_for_commissioners(client, commissioner):
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Monitoring" in page
    assert reverse("monitoring_schedule:index") in page


def test_a_commissioner_records_a_visit_as_a_draft(client, commissioner, provider):
    form = client.get(reverse("monitoring_visits:add") + f"?provider={provider.pk}")
    assert form.status_code == 200
    assert "Assessment and care planning" in form.content.decode()

    response = client.post(reverse("monitoring_visits:add"), visit_form(provider))

    visit = MonitoringVisit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("monitoring_visits:edit", args=[visit.pk])
    assert (visit.provider, visit.officer, visit.visit_type, visit.worker_knowledge) == (
        provider,
        commissioner,
        "unannounced",
        "poor",
    )
    page = client.get(response["Location"]).content.decode()
    assert "Poor (when finalised)" in page
    assert "Poor because worker knowledge is Poor." in page


def test_bad_visit_input_is_shown_on_the_form_and_nothing_is_saved(client, commissioner, provider):
    response = client.post(
        reverse("monitoring_visits:add"), visit_form(provider, visited_on=date(2099, 1, 1).isoformat())
    )
    assert response.status_code == 400
    assert "The date of the visit must be today or in the past." in response.content.decode()

    response = client.post(reverse("monitoring_visits:add"), visit_form(None, visited_on="31/02/2026"))
    page = response.content.decode()
    assert "Choose the provider visited." in page
    assert "Enter a real date." in page
    assert "Two staff without moving and handling training." in page
    assert not MonitoringVisit.objects.exists()


def test_a_draft_is_edited_then_finalised_with_the_overall_rating_shown_first(
    client, commissioner, provider, make_visit
):
    visit = make_visit(provider=provider, stage="draft")
    edit_url = reverse("monitoring_visits:edit_draft", args=[visit.pk])
    assert client.get(edit_url).status_code == 200
    client.post(edit_url, visit_form(**ratings("excellent", "excellent", "excellent", "excellent")))
    visit.refresh_from_db()
    assert visit.assessment_and_care_planning == "excellent"

    finalise_url = reverse("monitoring_visits:finalise", args=[visit.pk])
    page = client.get(finalise_url).content.decode()
    assert "Overall rating: Excellent" in page
    response = client.post(finalise_url, {"reason": "Outstanding person-centred care plans"})

    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.status, visit.overall_rating) == ("finalised", "excellent")
    decision = visit.rating_decisions.get()
    assert (decision.decided_by, decision.reason) == (commissioner, "Outstanding person-centred care plans")
    assert client.get(edit_url).status_code == 302, "a finalised visit has no edit form"


def test_finalising_an_incomplete_visit_says_what_is_missing(client, commissioner, provider, make_visit):
    visit = make_visit(provider=provider, stage="draft", worker_knowledge="")
    page = client.get(reverse("monitoring_visits:finalise", args=[visit.pk])).content.decode()
    assert "Not rated: worker knowledge" in page
    client.post(reverse("monitoring_visits:finalise", args=[visit.pk]), {"reason": ""})
    visit.refresh_from_db()
    assert visit.is_draft


def test_publishing_from_the_admin(client, commissioner, provider, provider_user, make_visit):
    visit = make_visit(provider=provider, stage="finalised")
    publish_url = reverse("monitoring_visits:publish", args=[visit.pk])
    page = client.get(publish_url).content.decode()
    assert provider_user.email in page
    assert client.post(publish_url).status_code == 302
    visit.refresh_from_db()
    assert visit.is_published
    assert client.get(publish_url).status_code == 302, "nothing left to publish"


def test_an_amendment_from_the_admin_needs_a_reason(client, commissioner, provider, make_visit):
    visit = make_visit(provider=provider, stage="published")
    amend_url = reverse("monitoring_visits:amend", args=[visit.pk])
    data = {**ratings("requires_improvement", "requires_improvement"), "summary_for_provider": "", "reason": ""}

    page = client.post(amend_url, data).content.decode()
    assert "Give the reason for the amendment" in page
    assert visit.rating_decisions.count() == 2

    client.post(amend_url, {**data, "reason": "Late evidence"})
    visit.refresh_from_db()
    assert visit.overall_rating == "requires_improvement"
    assert visit.rating_decisions.first().kind == RatingDecision.Kind.AMENDED
    page = client.get(reverse("monitoring_visits:edit", args=[visit.pk])).content.decode()
    assert "Late evidence" in page
    assert "Amended" in page


def test_an_action_plan_is_set_and_changed_on_the_visit(client, commissioner, provider, make_visit):
    visit = make_visit(provider=provider, stage="finalised")
    add_url = reverse("monitoring_visits:action_add", args=[visit.pk])
    first = {
        "description": "Train staff in moving and handling",
        "domain": "staff_training_and_recruitment",
        "owner": "provider",
        "owner_name": "Registered manager",
        "due_on": days_ago(-30).isoformat(),
    }
    response = client.post(add_url, {**first, "add_another": "1"})
    assert response["Location"] == add_url
    client.post(add_url, {**first, "description": "Update the medicines policy", "domain": ""})
    assert list(visit.actions.values_list("description", flat=True)) == [
        "Train staff in moving and handling",
        "Update the medicines policy",
    ]

    action = visit.actions.first()
    change_url = reverse("monitoring_visits:action_change", args=[action.pk])
    page = client.get(change_url).content.decode()
    assert "History of this action" in page
    client.post(change_url, {**first, "status": "closed", "note": "Certificates seen"})
    action.refresh_from_db()
    assert action.status == Action.Status.CLOSED
    assert action.updates.count() == 2


def test_an_action_without_a_due_date_is_refused_on_the_form(client, commissioner, provider, make_visit):
    visit = make_visit(provider=provider, stage="draft")
    page = client.post(
        reverse("monitoring_visits:action_add", args=[visit.pk]),
        {"description": "Do it", "owner": "provider", "due_on": ""},
    ).content.decode()
    assert "Enter the date it is due by." in page
    assert not visit.actions.exists()


def test_a_follow_up_visit_from_the_admin(client, commissioner, provider, make_visit):
    visit = make_visit(provider=provider, stage="published", values=("poor",))
    response = client.post(
        reverse("monitoring_visits:follow_up", args=[visit.pk]),
        {"visit_type": "announced", "visited_on": days_ago(0).isoformat(), "officer": ""},
    )
    follow_up = MonitoringVisit.objects.get(follows_up=visit)
    assert response["Location"] == reverse("monitoring_visits:edit", args=[follow_up.pk])
    assert "Follows up" in client.get(response["Location"]).content.decode()


def test_attachments_are_uploaded_and_downloaded_by_commissioners_only(
    client, commissioner, provider, provider_user, make_visit
):
    visit = make_visit(provider=provider, stage="published")
    add_url = reverse("monitoring_visits:attachment_add", args=[visit.pk])
    bad = client.post(add_url, {"file": SimpleUploadedFile("rota.pdf", b"MZ\x90\x00 not a pdf")})
    assert "must be a PDF, JPG or PNG" in bad.content.decode()

    client.post(add_url, {"file": SimpleUploadedFile("rota.pdf", PDF), "description": "Staff rota"})
    attachment = visit.attachments.get()
    download_url = reverse("monitoring_visits:attachment_download", args=[attachment.pk])
    response = client.get(download_url)
    assert b"".join(response.streaming_content) == PDF
    assert 'attachment; filename="rota.pdf"' in response["Content-Disposition"]

    client.force_login(provider_user)
    assert client.get(download_url).status_code in (302, 403)


def test_the_visits_listing_filters_and_exports(client, commissioner, provider, make_visit):
    make_visit(provider=provider, stage="published", values=("poor",), visited_on=date(2026, 5, 1))
    make_visit(provider=ProviderFactory(name="Calm Days"), stage="finalised", visited_on=date(2026, 6, 1))
    index = reverse("monitoring_visits:index")

    page = client.get(index, {"overall_rating": "poor"}).content.decode()
    assert "Brightwater Home Care" in page
    assert "Calm Days" not in page

    rows = read_csv(client.get(index, {"overall_rating": "poor", "export": "csv"}))
    assert len(rows) == 1
    assert rows[0]["Provider"] == "Brightwater Home Care"
    assert rows[0]["Overall rating"] == "Poor"
    assert rows[0]["Assessment and care planning"] == "Poor"
    assert rows[0]["Type"] == "Announced visit"
    assert len(read_csv(client.get(index, {"export": "csv"}))) == 2


def test_visits_are_never_deleted_in_the_admin(client, commissioner, provider, make_visit):
    visit = make_visit(provider=provider, stage="draft")
    assert client.get(f"/admin/monitoring/visits/delete/{visit.pk}/").status_code == 404
    assert MonitoringVisit.objects.filter(pk=visit.pk).exists()


# Feedback moderation -------------------------------------------------------------------------


def test_feedback_is_moderated_from_the_queue(client, commissioner, provider):
    feedback = MonitoringFeedbackFactory(provider=provider, is_complaint=True, text="Carers arrive late every day.")
    index = client.get(reverse("monitoring_feedback:index")).content.decode()
    assert "Carers arrive late every day." in index

    moderate_url = reverse("monitoring_feedback:edit", args=[feedback.pk])
    page = client.post(moderate_url, {"decision": "rejected", "reason": ""}).content.decode()
    assert "Give the reason for rejecting the feedback." in page
    response = client.post(moderate_url, {"decision": "approved", "reason": ""})
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert (feedback.moderation_status, feedback.moderated_by) == (Feedback.Moderation.APPROVED, commissioner)


# Arrangements ------------------------------------------------------------------------------------


def test_an_arrangement_is_set_up_and_providers_put_on_it(client, commissioner, provider):
    response = client.post(
        reverse("monitoring_arrangements:add"),
        {
            "name": "Home care framework",
            "slug": "home-care-framework",
            "kind": "framework",
            "starts_on": "2025-04-01",
            "ends_on": "",
            "monitoring_frequency_months": "12",
            "description": "",
        },
    )
    assert response.status_code == 302
    arrangement = Arrangement.objects.get()

    member = {
        "arrangement": arrangement.pk,
        "provider": provider.pk,
        "start_on": "2025-04-01",
        "end_on": "",
        "reference": "HCF-001",
    }
    assert client.post(reverse("monitoring_memberships:add"), member).status_code == 302
    assert [(m.provider, m.reference) for m in arrangement.memberships.all()] == [(provider, "HCF-001")]

    again = client.post(reverse("monitoring_memberships:add"), {**member, "start_on": "2026-01-01"})
    assert again.status_code == 200
    assert "is already on Home care framework for some of those dates" in again.content.decode()
    backwards = client.post(
        reverse("monitoring_memberships:add"), {**member, "start_on": "2026-01-01", "end_on": "2025-01-01"}
    )
    assert "The end date must be on or after the start date." in backwards.content.decode()
    assert arrangement.memberships.count() == 1

    listing = client.get(reverse("monitoring_arrangements:index")).content.decode()
    assert "Members now" in listing
    members = client.get(
        reverse("monitoring_memberships:index"), {"arrangement": arrangement.pk, "is_current": "true"}
    )
    assert "Brightwater Home Care" in members.content.decode()


# The due-and-overdue report ----------------------------------------------------------------------


@pytest.fixture
def schedule(make_visit, provider):
    framework = ArrangementFactory(name="Home care framework", monitoring_frequency_months=12)
    ArrangementMembershipFactory(arrangement=framework, provider=provider, start_on=date(2024, 1, 1))
    make_visit(provider=provider, visited_on=date(2024, 5, 1))
    calm = ProviderFactory(name="Calm Days")
    ArrangementMembershipFactory(arrangement=framework, provider=calm, start_on=date(2024, 1, 1))
    make_visit(provider=calm, visited_on=days_ago(10))
    return {"overdue": provider, "fine": calm}


def test_the_report_lists_due_and_overdue_providers_and_exports_them(client, commissioner, schedule):
    url = reverse("monitoring_schedule:index")
    page = client.get(url).content.decode()
    assert "Brightwater Home Care" in page
    assert "Overdue by" in page
    assert "Calm Days" not in page

    everyone = client.get(url, {"show": "all"}).content.decode()
    assert "Calm Days" in everyone

    rows = read_csv(client.get(url, {"show": "all", "export": "csv"}))
    assert [row["Provider"] for row in rows] == ["Brightwater Home Care", "Calm Days"]
    assert rows[0]["State"] == "Overdue"
    assert rows[0]["Contracts and lists"] == "Home care framework"
    assert rows[1]["State"] == "Due"


def test_the_report_lists_those_due_soon_and_not_yet_overdue(client, commissioner, schedule, make_visit):
    """The morning dashboard's "due within 30 days" headline links here: overdue providers are left out."""
    soon = ProviderFactory(name="Soon Care")
    framework = schedule["overdue"].arrangement_memberships.get().arrangement
    ArrangementMembershipFactory(arrangement=framework, provider=soon, start_on=date(2024, 1, 1))
    make_visit(provider=soon, visited_on=add_months(timezone.localdate(), -12) + timedelta(days=10))

    url = reverse("monitoring_schedule:index")
    rows = read_csv(client.get(url, {"show": "upcoming", "within_days": "30", "export": "csv"}))
    assert [row["Provider"] for row in rows] == ["Soon Care"]
    assert rows[0]["State"] == "Due"
    both = read_csv(client.get(url, {"show": "due", "within_days": "30", "export": "csv"}))
    assert [row["Provider"] for row in both] == ["Brightwater Home Care", "Soon Care"]


def test_the_report_survives_nonsense_in_its_filters(client, commissioner, schedule):
    response = client.get(reverse("monitoring_schedule:index"), {"within_days": "lots", "show": "whenever"})
    assert response.status_code == 200


def test_the_providers_listing_offers_to_record_a_visit(client, commissioner, provider):
    page = client.get(reverse("wagtailsnippets_providers_provider:list")).content.decode()
    assert reverse("monitoring_visits:add") + f"?provider={provider.pk}" in page


def test_domain_order_is_the_same_on_the_form_and_the_model(client, commissioner):
    page = client.get(reverse("monitoring_visits:add")).content.decode()
    positions = [page.index(f'name="{field}"') for field in DOMAIN_FIELDS]
    assert positions == sorted(positions)


def test_the_visit_page_shows_approved_feedback_about_the_provider(client, commissioner, provider, make_visit):
    visit = make_visit(provider=provider, stage="draft")
    MonitoringFeedbackFactory(provider=provider, text="Approved and counted", moderation_status="approved")
    MonitoringFeedbackFactory(provider=provider, text="Still waiting", moderation_status="pending")
    MonitoringFeedbackFactory(text="About someone else", moderation_status="approved")
    page = client.get(reverse("monitoring_visits:edit", args=[visit.pk])).content.decode()
    assert "Approved and counted" in page
    assert "Still waiting" not in page
    assert "About someone else" not in page


def test_admin_listings_say_yes_or_no_not_true_or_false(client, commissioner, provider):
    import re

    MonitoringFeedbackFactory(provider=provider, is_complaint=True, text="Carers arrive late every day.")
    provider.is_accredited = False
    provider.save()

    feedback_index = client.get(reverse("monitoring_feedback:index")).content.decode()
    providers_index = client.get(reverse("wagtailsnippets_providers_provider:list")).content.decode()

    assert re.search(r">\s*Complaint\s*<", feedback_index)
    assert re.search(r"<td[^>]*>\s*Yes\s*</td>", feedback_index)
    assert re.search(r">\s*Accredited\s*<", providers_index)
    assert re.search(r"<td[^>]*>\s*No\s*</td>", providers_index)
    for page in (feedback_index, providers_index):
        assert "Is complaint" not in page
        assert "Is accredited" not in page
        assert not re.search(r"<td[^>]*>\s*(True|False)\s*</td>", page)
