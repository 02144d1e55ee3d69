"""Monitoring services: visits from draft to published, amendments, actions, arrangements, the overdue alert."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from marketplace.contingency.models import ContingencyFlag
from marketplace.core.models import ScheduledJobRun
from marketplace.monitoring import services
from marketplace.monitoring.models import (
    Action,
    ActionUpdate,
    MonitoringVisit,
    OverdueAlert,
    RatingDecision,
)
from marketplace.monitoring.services import MonitoringError
from marketplace.monitoring.tasks import alert_overdue_monitoring
from tests.factories import (
    ArrangementFactory,
    ArrangementMembershipFactory,
    MonitoringVisitFactory,
    ProviderFactory,
    days_ago,
)
from tests.monitoring.conftest import ratings

pytestmark = pytest.mark.django_db


def send_queued(django_capture_on_commit_callbacks, function, **kwargs):
    """Call a service and run what it queued for after the commit (the emails)."""
    with django_capture_on_commit_callbacks(execute=True):
        return function(**kwargs)


# Recording and finalising ----------------------------------------------------------


def test_a_visit_is_recorded_as_a_draft_with_the_officer_defaulting_to_whoever_records_it(provider, commissioner_user):
    visit = services.visit_record(
        provider=provider,
        visit_type=MonitoringVisit.VisitType.UNANNOUNCED,
        visited_on=days_ago(2),
        by=commissioner_user,
        ratings={"worker_knowledge": "poor"},
        evidence_notes="  Rota gaps on two days.  ",
    )
    assert visit.status == MonitoringVisit.Status.DRAFT
    assert visit.officer == commissioner_user
    assert visit.worker_knowledge == "poor"
    assert visit.leadership_and_management == ""
    assert visit.overall_rating == ""
    assert visit.evidence_notes == "Rota gaps on two days."
    assert not visit.rating_decisions.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"visited_on": timezone.localdate() + timedelta(days=3)}, "today or in the past"),
        ({"visit_type": "telephone"}, "Choose the type of visit"),
        ({"ratings": {"worker_knowledge": "outstanding"}}, "Choose Excellent, Good"),
        ({"ratings": {"catering": "good"}}, "Unknown domains: catering"),
    ],
)
def test_a_visit_with_bad_facts_is_refused(provider, commissioner_user, overrides, message):
    values = {"visit_type": "announced", "visited_on": days_ago(1), **overrides}
    with pytest.raises(MonitoringError, match=message):
        services.visit_record(provider=provider, by=commissioner_user, **values)
    assert not MonitoringVisit.objects.exists()


def test_a_visit_under_an_arrangement_needs_the_provider_on_it(provider, commissioner_user):
    framework = ArrangementFactory(name="Home care framework")
    with pytest.raises(MonitoringError, match="was not on Home care framework"):
        services.visit_record(
            provider=provider,
            visit_type="announced",
            visited_on=days_ago(1),
            by=commissioner_user,
            arrangement=framework,
        )
    ArrangementMembershipFactory(arrangement=framework, provider=provider, start_on=days_ago(100))
    visit = services.visit_record(
        provider=provider, visit_type="announced", visited_on=days_ago(1), by=commissioner_user, arrangement=framework
    )
    assert visit.arrangement == framework


def test_finalising_derives_the_overall_rating_and_records_who_when_and_why(provider, commissioner_user):
    visit = MonitoringVisitFactory(provider=provider, **ratings("requires_improvement", "requires_improvement"))

    decision = services.visit_finalise(visit=visit, by=commissioner_user, reason="Care plans out of date")

    visit.refresh_from_db()
    assert visit.status == MonitoringVisit.Status.FINALISED
    assert visit.overall_rating == "requires_improvement"
    assert (visit.finalised_by, visit.finalised_at) == (commissioner_user, decision.decided_at)
    assert decision.kind == RatingDecision.Kind.FINALISED
    assert decision.decided_by == commissioner_user
    assert decision.reason == "Care plans out of date"
    assert decision.rule_explanation.startswith("Requires improvement because 2 domains require improvement")
    assert decision.domain_ratings == visit.domain_ratings


def test_a_visit_cannot_be_finalised_until_every_domain_is_rated(provider, commissioner_user):
    visit = MonitoringVisitFactory(provider=provider, worker_knowledge="")
    with pytest.raises(MonitoringError, match="Not rated: worker knowledge"):
        services.visit_finalise(visit=visit, by=commissioner_user)
    visit.refresh_from_db()
    assert visit.status == MonitoringVisit.Status.DRAFT
    assert not visit.rating_decisions.exists()


def test_a_finalised_visit_is_never_edited_or_finalised_again(provider, commissioner_user, make_visit):
    visit = make_visit(provider=provider, stage="finalised")
    with pytest.raises(MonitoringError, match=r"cannot be edited\. Record an amendment"):
        services.visit_update_draft(
            visit=visit,
            by=commissioner_user,
            visit_type="announced",
            visited_on=visit.visited_on,
            officer=None,
            arrangement=None,
            ratings=ratings("poor"),
            evidence_notes="",
            summary_for_provider="",
        )
    with pytest.raises(MonitoringError, match="already finalised"):
        services.visit_finalise(visit=visit, by=commissioner_user)
    visit.refresh_from_db()
    assert visit.assessment_and_care_planning == "good"


def test_a_draft_is_edited_in_place(provider, commissioner_user):
    visit = MonitoringVisitFactory(provider=provider)
    services.visit_update_draft(
        visit=visit,
        by=commissioner_user,
        visit_type="desktop_review",
        visited_on=days_ago(3),
        officer=None,
        arrangement=None,
        ratings=ratings("excellent"),
        evidence_notes="Policies read.",
        summary_for_provider="Well run.",
    )
    visit.refresh_from_db()
    assert (visit.visit_type, visit.assessment_and_care_planning, visit.summary_for_provider) == (
        "desktop_review",
        "excellent",
        "Well run.",
    )


def test_a_poor_overall_rating_tells_the_contingency_app(provider, commissioner_user):
    visit = MonitoringVisitFactory(provider=provider, **ratings("good", "poor"))
    services.visit_finalise(visit=visit, by=commissioner_user)

    flag = ContingencyFlag.objects.get(provider=provider)
    trigger = flag.triggers.get()
    assert trigger.kind == "poor_monitoring_rating"
    assert "rated Poor overall" in trigger.detail


def test_a_good_overall_rating_raises_no_contingency_flag(provider, make_visit):
    make_visit(provider=provider, stage="finalised")
    assert not ContingencyFlag.objects.filter(provider=provider).exists()


# Publishing and amending ----------------------------------------------------------------


def test_publishing_shows_the_outcome_to_the_provider_and_emails_its_users(
    provider, provider_user, commissioner_user, make_visit, django_capture_on_commit_callbacks
):
    visit = make_visit(provider=provider, stage="finalised", values=("requires_improvement",) * 2)
    services.action_create(visit=visit, by=commissioner_user, description="Review care plans", due_on=days_ago(-30))
    mail.outbox.clear()

    decision = send_queued(
        django_capture_on_commit_callbacks, services.visit_publish, visit=visit, by=commissioner_user
    )

    visit.refresh_from_db()
    assert visit.status == MonitoringVisit.Status.PUBLISHED
    assert (visit.published_by, visit.published_at) == (commissioner_user, decision.decided_at)
    assert decision.kind == RatingDecision.Kind.PUBLISHED
    assert [message.to for message in mail.outbox] == [[provider_user.email]]
    body = mail.outbox[0].body
    assert "Overall rating: Requires improvement" in body
    assert "Review care plans" not in body, "the email points to the page; the action text stays on the site"
    assert f"/monitoring/{provider.uuid}/" in body


def test_only_a_finalised_visit_can_be_published_and_only_once(provider, commissioner_user, make_visit):
    draft = make_visit(provider=provider, stage="draft")
    with pytest.raises(MonitoringError, match="Finalise the visit before publishing"):
        services.visit_publish(visit=draft, by=commissioner_user)
    published = make_visit(provider=provider, stage="published")
    with pytest.raises(MonitoringError, match="already published"):
        services.visit_publish(visit=published, by=commissioner_user)


def test_an_amendment_appends_a_decision_and_leaves_the_earlier_one_as_it_was(
    provider, provider_user, commissioner_user, make_visit, django_capture_on_commit_callbacks
):
    visit = make_visit(provider=provider, stage="published")
    first = visit.rating_decisions.get(kind=RatingDecision.Kind.FINALISED)
    mail.outbox.clear()

    amended = send_queued(
        django_capture_on_commit_callbacks,
        services.visit_amend,
        visit=visit,
        by=commissioner_user,
        ratings=ratings("requires_improvement", "requires_improvement"),
        reason="Second officer's notes on training records came in late",
    )

    visit.refresh_from_db()
    first.refresh_from_db()
    assert visit.overall_rating == "requires_improvement"
    assert visit.status == MonitoringVisit.Status.PUBLISHED
    assert first.overall_rating == "good"
    assert first.assessment_and_care_planning == "good"
    assert amended.kind == RatingDecision.Kind.AMENDED
    assert amended.reason == "Second officer's notes on training records came in late"
    assert list(visit.rating_decisions.values_list("kind", flat=True)) == ["amended", "published", "finalised"]
    assert mail.outbox[0].subject == "Your monitoring visit outcome has been amended"


def test_an_amendment_needs_a_reason_and_a_change(provider, commissioner_user, make_visit):
    visit = make_visit(provider=provider, stage="finalised")
    with pytest.raises(MonitoringError, match="Give the reason"):
        services.visit_amend(visit=visit, by=commissioner_user, ratings=ratings("poor"), reason=" ")
    with pytest.raises(MonitoringError, match="Nothing has changed"):
        services.visit_amend(visit=visit, by=commissioner_user, ratings=ratings(), reason="Checked again")
    with pytest.raises(MonitoringError, match="Not rated"):
        services.visit_amend(
            visit=visit, by=commissioner_user, ratings={**ratings(), "worker_knowledge": ""}, reason="Unsure"
        )
    assert visit.rating_decisions.count() == 1


def test_amending_to_poor_tells_the_contingency_app(provider, commissioner_user, make_visit):
    visit = make_visit(provider=provider, stage="finalised")
    services.visit_amend(visit=visit, by=commissioner_user, ratings=ratings("poor"), reason="Safeguarding found")
    assert ContingencyFlag.objects.get(provider=provider).triggers.get().kind == "poor_monitoring_rating"


def test_a_draft_is_not_amended(provider, commissioner_user):
    visit = MonitoringVisitFactory(provider=provider)
    with pytest.raises(MonitoringError, match="edited, not amended"):
        services.visit_amend(visit=visit, by=commissioner_user, ratings=ratings("poor"), reason="x")


def test_a_follow_up_visit_links_to_the_visit_it_follows(provider, commissioner_user, make_visit):
    visit = make_visit(provider=provider, stage="published", values=("poor",), visited_on=days_ago(40))
    follow_up = services.visit_follow_up_create(
        visit=visit, by=commissioner_user, visit_type="announced", visited_on=days_ago(5)
    )
    assert follow_up.follows_up == visit
    assert follow_up.provider == provider
    assert follow_up.is_draft
    with pytest.raises(MonitoringError, match="cannot take place before"):
        services.visit_follow_up_create(
            visit=visit, by=commissioner_user, visit_type="announced", visited_on=days_ago(41)
        )
    with pytest.raises(MonitoringError, match="Finalise this visit before"):
        services.visit_follow_up_create(
            visit=follow_up, by=commissioner_user, visit_type="announced", visited_on=days_ago(1)
        )


def test_a_follow_up_must_be_to_the_same_provider(provider, commissioner_user, make_visit):
    visit = make_visit(provider=provider, stage="finalised")
    with pytest.raises(MonitoringError, match="same provider"):
        services.visit_record(
            provider=ProviderFactory(),
            visit_type="announced",
            visited_on=days_ago(1),
            by=commissioner_user,
            follows_up=visit,
        )


# Attachments -------------------------------------------------------------------------------


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_an_attachment_is_kept_privately_under_a_name_that_says_nothing(provider, commissioner_user, make_visit):
    visit = make_visit(provider=provider, stage="published")
    upload = SimpleUploadedFile("Mrs Jones care plan.pdf", PDF, content_type="application/octet-stream")

    attachment = services.visit_attach(visit=visit, upload=upload, by=commissioner_user, description="Care plan")

    assert attachment.original_name == "Mrs Jones care plan.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF)
    assert "Jones" not in attachment.file.name
    assert attachment.file.name.startswith(f"monitoring/{visit.pk}/")
    assert attachment.file.storage.open(attachment.file.name).read() == PDF


def test_an_attachment_that_is_not_a_pdf_or_image_is_refused(provider, commissioner_user, make_visit):
    visit = make_visit(provider=provider, stage="draft")
    upload = SimpleUploadedFile("notes.pdf", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>")
    with pytest.raises(MonitoringError, match="must be a PDF, JPG or PNG"):
        services.visit_attach(visit=visit, upload=upload, by=commissioner_user)
    assert not visit.attachments.exists()


# Actions ------------------------------------------------------------------------------------


def test_actions_are_created_and_changed_with_an_append_only_history(provider, commissioner_user, make_visit):
    visit = make_visit(provider=provider, stage="finalised")
    action = services.action_create(
        visit=visit,
        by=commissioner_user,
        description="Train two staff in moving and handling",
        due_on=days_ago(-60),
        owner_name="Registered manager",
        domain="staff_training_and_recruitment",
    )
    assert action.status == Action.Status.OPEN
    created = action.updates.get()
    assert (created.kind, created.by, created.to_status) == (ActionUpdate.Kind.CREATED, commissioner_user, "open")

    services.action_update(
        action=action,
        by=commissioner_user,
        description=action.description,
        due_on=days_ago(-90),
        owner="provider",
        owner_name="Registered manager",
        status="closed",
        domain=action.domain,
        note="Training certificates seen",
    )
    action.refresh_from_db()
    assert action.status == Action.Status.CLOSED
    latest = action.updates.first()
    assert (latest.kind, latest.from_status, latest.to_status) == (ActionUpdate.Kind.CHANGED, "open", "closed")
    assert latest.note.startswith("Due date")
    assert latest.note.endswith("Training certificates seen")
    assert action.updates.count() == 2
    created.refresh_from_db()
    assert created.kind == ActionUpdate.Kind.CREATED


def test_an_action_needs_a_description_and_a_due_date_after_the_visit(provider, commissioner_user, make_visit):
    visit = make_visit(provider=provider, stage="draft", visited_on=days_ago(10))
    with pytest.raises(MonitoringError, match="Describe what must be done"):
        services.action_create(visit=visit, by=commissioner_user, description=" ", due_on=days_ago(-5))
    with pytest.raises(MonitoringError, match="on or after the date of the visit"):
        services.action_create(visit=visit, by=commissioner_user, description="Fix", due_on=days_ago(11))


def test_overdue_is_derived_from_the_due_date_and_an_open_status(provider, commissioner_user, make_visit):
    visit = make_visit(provider=provider, stage="published", visited_on=days_ago(60))
    action = services.action_create(visit=visit, by=commissioner_user, description="Fix", due_on=days_ago(1))
    assert action.is_overdue()
    assert action.status_label() == "Overdue"
    assert not action.is_overdue(today=days_ago(2))
    action.status = Action.Status.DONE
    assert not action.is_overdue()


def test_the_provider_answers_an_action_and_the_officer_hears_of_it(
    provider, provider_user, commissioner_user, make_visit, django_capture_on_commit_callbacks
):
    visit = make_visit(provider=provider, stage="published")
    action = services.action_create(visit=visit, by=commissioner_user, description="Fix", due_on=days_ago(-10))
    mail.outbox.clear()

    send_queued(
        django_capture_on_commit_callbacks,
        services.action_respond,
        action=action,
        by=provider_user,
        response="New rota in place from Monday.",
        status="done",
    )

    action.refresh_from_db()
    assert (action.status, action.provider_response, action.responded_by) == (
        "done",
        "New rota in place from Monday.",
        provider_user,
    )
    answer = action.updates.first()
    assert (answer.kind, answer.from_status, answer.to_status, answer.by) == (
        ActionUpdate.Kind.PROVIDER_RESPONSE,
        "open",
        "done",
        provider_user,
    )
    assert [message.to for message in mail.outbox] == [[commissioner_user.email]]
    assert "New rota in place from Monday." in mail.outbox[0].body


@pytest.mark.parametrize(
    ("status", "response", "message"),
    [
        ("closed", "Done it", "in progress or done"),
        ("open", "Done it", "in progress or done"),
        ("done", "   ", "Say what you have done"),
        ("done", "x" * 2001, "2,000 characters or fewer"),
    ],
)
def test_a_provider_answer_must_be_in_progress_or_done_with_words(
    provider, provider_user, commissioner_user, make_visit, status, response, message
):
    visit = make_visit(provider=provider, stage="published")
    action = services.action_create(visit=visit, by=commissioner_user, description="Fix", due_on=days_ago(-10))
    with pytest.raises(MonitoringError, match=message):
        services.action_respond(action=action, by=provider_user, response=response, status=status)


def test_actions_of_unpublished_visits_and_closed_actions_cannot_be_answered(
    provider, provider_user, commissioner_user, make_visit
):
    finalised = make_visit(provider=provider, stage="finalised")
    hidden = services.action_create(visit=finalised, by=commissioner_user, description="Fix", due_on=days_ago(-10))
    with pytest.raises(MonitoringError, match="not published to you yet"):
        services.action_respond(action=hidden, by=provider_user, response="Done", status="done")

    published = make_visit(provider=provider, stage="published")
    closed = services.action_create(visit=published, by=commissioner_user, description="Fix", due_on=days_ago(-10))
    Action.objects.filter(pk=closed.pk).update(status=Action.Status.CLOSED)
    with pytest.raises(MonitoringError, match="closed this action"):
        services.action_respond(action=closed, by=provider_user, response="Done", status="done")


# Arrangements -------------------------------------------------------------------------------


def test_arrangement_memberships_do_not_overlap(provider):
    framework = ArrangementFactory(name="Day services list")
    first = services.arrangement_membership_add(
        arrangement=framework, provider=provider, start_on=date(2025, 4, 1), reference=" DSL-014 "
    )
    assert first.reference == "DSL-014"
    with pytest.raises(MonitoringError, match="already on Day services list"):
        services.arrangement_membership_add(arrangement=framework, provider=provider, start_on=date(2026, 1, 1))

    services.arrangement_membership_end(membership=first, end_on=date(2025, 12, 31))
    again = services.arrangement_membership_add(arrangement=framework, provider=provider, start_on=date(2026, 1, 1))
    assert again.is_current(today=date(2026, 6, 1))
    assert not first.is_current(today=date(2026, 6, 1))


def test_a_membership_ends_after_it_starts(provider):
    framework = ArrangementFactory()
    with pytest.raises(MonitoringError, match="on or after the start date"):
        services.arrangement_membership_add(
            arrangement=framework, provider=provider, start_on=date(2026, 4, 1), end_on=date(2026, 3, 1)
        )


# The overdue alert ---------------------------------------------------------------------------


@pytest.fixture
def overdue_provider(db, make_visit):
    framework = ArrangementFactory(monitoring_frequency_months=12, starts_on=date(2023, 4, 1))
    provider = ProviderFactory(name="Overdue Care Ltd")
    ArrangementMembershipFactory(arrangement=framework, provider=provider, start_on=date(2024, 1, 1))
    make_visit(provider=provider, visited_on=date(2025, 2, 1), values=("requires_improvement",) * 2)
    return provider  # due 1 May 2025


def test_commissioners_are_told_of_overdue_visits_at_most_once_a_week(
    overdue_provider, commissioner_user, django_capture_on_commit_callbacks
):
    today = date(2025, 6, 2)
    mail.outbox.clear()
    alerted = send_queued(django_capture_on_commit_callbacks, services.monitoring_alert_overdue, today=today)

    assert alerted == 1
    assert [message.to for message in mail.outbox] == [[commissioner_user.email]]
    assert mail.outbox[0].subject == "Monitoring overdue: 1 provider"
    assert "Overdue Care Ltd" in mail.outbox[0].body
    assert "32 days overdue" in mail.outbox[0].body
    assert OverdueAlert.objects.get().due_on == date(2025, 5, 1)

    for days_later in (0, 1, 6):
        assert services.monitoring_alert_overdue(today=today + timedelta(days=days_later)) == 0
    assert services.monitoring_alert_overdue(today=today + timedelta(days=7)) == 1


def test_no_email_when_nothing_is_overdue(db, commissioner_user, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    assert send_queued(django_capture_on_commit_callbacks, services.monitoring_alert_overdue) == 0
    assert mail.outbox == []


def test_nothing_is_recorded_when_there_is_no_commissioner_to_tell(overdue_provider, commissioner_user):
    commissioner_user.groups.clear()
    assert services.monitoring_alert_overdue(today=date(2025, 6, 2)) == 0
    assert not OverdueAlert.objects.exists()


def test_the_daily_task_records_that_it_ran(overdue_provider, commissioner_user):
    assert alert_overdue_monitoring.delay().get() == 1
    run = ScheduledJobRun.objects.get(name="monitoring-alert-overdue")
    assert run.last_result == "1 overdue providers alerted"
    assert run.last_run_at <= timezone.now()


def test_the_command_runs_with_a_moved_clock(overdue_provider, commissioner_user, capsys):
    call_command("monitoring_alert_overdue", "--today", "2025-04-30")
    assert "No provider newly overdue" in capsys.readouterr().out
    call_command("monitoring_alert_overdue", "--today", "2025-05-02")
    assert "Alerted commissioners to 1 provider overdue." in capsys.readouterr().out


def test_the_command_refuses_a_date_it_cannot_read(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--today must be a date"):
        call_command("monitoring_alert_overdue", "--today", "next tuesday")
