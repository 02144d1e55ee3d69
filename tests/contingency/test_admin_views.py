"""The commissioners' contingency screens in the Wagtail admin."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from marketplace.contingency.models import (
    AffectedPerson,
    BusinessContinuityPlanView,
    ContingencyFlag,
    FlagEvent,
    Level,
)
from marketplace.contingency.services import NEUTRAL_NOTICES, contingency_signal
from marketplace.providers.models import Provider
from tests.factories import ContingencyFlagFactory, LocalityFactory, ProviderFactory, ServiceTypeFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def commissioner_client(client, commissioner_user):
    client.force_login(commissioner_user)
    return client


def flag_url(flag: ContingencyFlag, action: str = "flag") -> str:
    return reverse(f"contingency_admin:{action}", args=[flag.pk])


def test_the_list_shows_flags_and_filters_by_level(commissioner_client) -> None:
    watched = ContingencyFlagFactory.create(provider=ProviderFactory.create(name="Watched Care"))
    failing = ContingencyFlagFactory.create(provider=ProviderFactory.create(name="Failing Care"), level=Level.FAILING)

    everything = commissioner_client.get(reverse("contingency_admin:index"))
    only_failing = commissioner_client.get(reverse("contingency_admin:index"), {"level": "failing"})

    assert everything.status_code == 200
    assert "Watched Care" in everything.text
    assert "Failing Care" in everything.text
    assert "Failing Care" in only_failing.text
    assert "Watched Care" not in only_failing.text
    assert flag_url(failing) in only_failing.text
    assert watched.pk != failing.pk


def test_the_list_filters_by_locality_and_open_or_closed(commissioner_client, commissioner_user) -> None:
    north, south = LocalityFactory.create(name="North"), LocalityFactory.create(name="South")
    ContingencyFlagFactory.create(provider=ProviderFactory.create(name="Northern Support", locality=north))
    closed = ContingencyFlagFactory.create(provider=ProviderFactory.create(name="Southern Support", locality=south))
    from marketplace.contingency.services import contingency_close_flag

    contingency_close_flag(flag=closed, by=commissioner_user, outcome="recovered", reason="Recovered")

    by_locality = commissioner_client.get(reverse("contingency_admin:index"), {"locality": north.pk})
    open_only = commissioner_client.get(reverse("contingency_admin:index"), {"state": "open"})
    closed_only = commissioner_client.get(reverse("contingency_admin:index"), {"state": "closed"})

    assert "Northern Support" in by_locality.text
    assert "Southern Support" not in by_locality.text
    assert "Southern Support" not in open_only.text
    assert "Southern Support" in closed_only.text
    assert "Northern Support" not in closed_only.text


def test_the_list_exports_csv(commissioner_client) -> None:
    ContingencyFlagFactory.create(provider=ProviderFactory.create(name="Exported Care"), level=Level.AT_RISK)

    response = commissioner_client.get(reverse("contingency_admin:index"), {"export": "csv"})

    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["Provider"] == "Exported Care"
    assert rows[0]["Level"] == "At risk"


def test_a_flag_page_shows_triggers_timeline_and_alternatives(commissioner_client) -> None:
    service = ServiceTypeFactory.create(name="Personal care")
    flagged = ProviderFactory.create(name="Flagged Homecare", services=[service])
    ProviderFactory.create(name="Nearby Homecare", services=[service], capacity_hours_per_week=60)
    flag = contingency_signal(provider=flagged, signal="poor_monitoring_rating", detail="Visit on 2 May rated Poor")
    assert flag is not None

    response = commissioner_client.get(flag_url(flag))

    assert response.status_code == 200
    assert "Monitoring visit rated Poor" in response.text
    assert "Visit on 2 May rated Poor" in response.text
    assert "Nearby Homecare" in response.text
    assert "60 hours a week" in response.text


def test_changing_the_level_needs_a_reason_and_keeps_what_was_typed(commissioner_client) -> None:
    flag = ContingencyFlagFactory.create()

    refused = commissioner_client.post(flag_url(flag, "change_level"), {"to_level": "failing", "reason": ""})
    accepted = commissioner_client.post(
        flag_url(flag, "change_level"), {"to_level": "failing", "reason": "Staff have left"}
    )

    assert refused.status_code == 400
    assert "There is a problem" in refused.text
    assert accepted.status_code == 302
    flag.refresh_from_db()
    assert flag.level == Level.FAILING
    assert flag.level_changes.first().reason == "Staff have left"


def test_an_event_form_error_keeps_the_summary(commissioner_client) -> None:
    flag = ContingencyFlagFactory.create()

    response = commissioner_client.post(
        flag_url(flag, "add_event"), {"kind": "communication", "party": "", "summary": "Rang the manager"}
    )

    assert response.status_code == 400
    assert "Select who the communication was with." in response.text
    assert "Rang the manager" in response.text
    assert not FlagEvent.objects.exists()


def test_recording_a_communication(commissioner_client) -> None:
    flag = ContingencyFlagFactory.create()

    response = commissioner_client.post(
        flag_url(flag, "add_event"),
        {"kind": "communication", "party": "cqc", "summary": "Told the CQC inspector", "occurred_at": ""},
    )

    assert response.status_code == 302
    event = FlagEvent.objects.get()
    assert (event.kind, event.party, event.summary) == ("communication", "cqc", "Told the CQC inspector")


def test_setting_a_neutral_notice(commissioner_client) -> None:
    flag = ContingencyFlagFactory.create()

    response = commissioner_client.post(
        flag_url(flag, "set_visibility"),
        {"visibility": "notice", "notice": NEUTRAL_NOTICES[0], "reason": "Not accepting referrals"},
    )

    assert response.status_code == 302
    flag.provider.refresh_from_db()
    assert flag.provider.public_notice == NEUTRAL_NOTICES[0]


def test_a_notice_of_the_commissioners_own_wording_is_refused(commissioner_client) -> None:
    flag = ContingencyFlagFactory.create()

    response = commissioner_client.post(
        flag_url(flag, "set_visibility"),
        {"visibility": "notice", "notice": "This provider is failing", "reason": "x"},
    )

    assert response.status_code == 400
    flag.provider.refresh_from_db()
    assert flag.provider.public_notice == ""


def test_uploading_and_opening_the_plan_is_logged(commissioner_client, commissioner_user) -> None:
    flag = ContingencyFlagFactory.create()

    upload = commissioner_client.post(
        flag_url(flag, "upload_plan"),
        {"plan": SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf"), "reviewed_on": ""},
    )
    opened = commissioner_client.get(flag_url(flag, "plan_file"))

    assert upload.status_code == 302
    assert opened.status_code == 200
    assert b"".join(opened.streaming_content) == PDF
    assert "no-store" in opened["Cache-Control"]
    assert BusinessContinuityPlanView.objects.get().viewed_by == commissioner_user


def test_a_plan_that_is_not_a_pdf_is_refused(commissioner_client) -> None:
    flag = ContingencyFlagFactory.create()

    response = commissioner_client.post(
        flag_url(flag, "upload_plan"), {"plan": SimpleUploadedFile("plan.pdf", b"MZ not a pdf")}
    )

    assert response.status_code == 400
    flag.refresh_from_db()
    assert not flag.business_continuity_plan


def test_adding_and_updating_an_affected_person(commissioner_client) -> None:
    flag = ContingencyFlagFactory.create()

    added = commissioner_client.post(
        flag_url(flag, "add_person"),
        {"reference": "ASC-1001", "needs_summary": "Morning calls", "holder_email": "", "status": "identified"},
    )
    person = AffectedPerson.objects.get()
    updated = commissioner_client.post(
        reverse("contingency_admin:update_person", args=[flag.pk, person.pk]), {"status": "contacted"}
    )

    assert added.status_code == 302
    assert updated.status_code == 302
    person.refresh_from_db()
    assert person.status == "contacted"


def test_a_name_is_refused_as_a_reference(commissioner_client) -> None:
    flag = ContingencyFlagFactory.create()

    response = commissioner_client.post(
        flag_url(flag, "add_person"), {"reference": "Jane Smith", "status": "identified"}
    )

    assert response.status_code == 400
    assert "not a name" in response.text
    assert not AffectedPerson.objects.exists()


def test_opening_a_flag_by_hand_from_a_provider(commissioner_client, commissioner_user) -> None:
    provider = ProviderFactory.create(name="Reported Care")

    page = commissioner_client.get(reverse("contingency_admin:open", args=[provider.pk]))
    response = commissioner_client.post(
        reverse("contingency_admin:open", args=[provider.pk]),
        {
            "kind": "safeguarding",
            "detail": "Safeguarding referral about missed calls",
            "level": "at_risk",
            "duty": "general_eligible_needs",
            "scope": "whole_business",
            "lead_officer": commissioner_user.pk,
        },
    )

    assert page.status_code == 200
    flag = ContingencyFlag.objects.get(provider=provider)
    assert response.status_code == 302
    assert response["Location"] == flag_url(flag)
    assert flag.level == Level.AT_RISK
    assert flag.lead_officer == commissioner_user
    assert flag.triggers.get().kind == "safeguarding"


def test_opening_a_second_flag_goes_to_the_open_one(commissioner_client) -> None:
    flag = ContingencyFlagFactory.create()

    response = commissioner_client.get(reverse("contingency_admin:open", args=[flag.provider.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(flag_url(flag))


def test_closing_restores_a_listing_the_flag_hid(commissioner_client) -> None:
    flag = ContingencyFlagFactory.create()
    commissioner_client.post(
        flag_url(flag, "set_visibility"), {"visibility": "hidden", "notice": "", "reason": "Safeguarding enquiry"}
    )
    flag.provider.refresh_from_db()
    assert flag.provider.status == Provider.Status.SUSPENDED

    response = commissioner_client.post(flag_url(flag, "close"), {"outcome": "recovered", "reason": "All fixed"})

    assert response.status_code == 302
    flag.refresh_from_db()
    flag.provider.refresh_from_db()
    assert flag.level == Level.CLOSED
    assert flag.provider.status == Provider.Status.PUBLISHED


def test_the_provider_listing_has_a_contingency_button_for_commissioners_only(
    client, commissioner_user, editor_user
) -> None:
    provider = ProviderFactory.create()
    open_url = reverse("contingency_admin:open", args=[provider.pk])
    listing = reverse("wagtailsnippets_providers_provider:list")

    client.force_login(commissioner_user)
    as_commissioner = client.get(listing)
    client.force_login(editor_user)
    as_editor = client.get(listing)

    assert open_url in as_commissioner.text
    assert open_url not in as_editor.text


def test_the_menu_shows_contingency_to_commissioners_only(client, commissioner_user, editor_user) -> None:
    client.force_login(commissioner_user)
    as_commissioner = client.get(reverse("wagtailadmin_home"))
    client.force_login(editor_user)
    as_editor = client.get(reverse("wagtailadmin_home"))

    assert reverse("contingency_admin:index") in as_commissioner.text
    assert reverse("contingency_admin:index") not in as_editor.text
