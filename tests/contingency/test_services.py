"""What commissioners do to a flag, through the services."""

import datetime
import socket

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace.contingency.models import AffectedPerson, ContingencyFlag, FlagEvent, Level, Visibility
from marketplace.contingency.services import (
    NEUTRAL_NOTICES,
    NEUTRAL_SUSPENSION_REASON,
    ContingencyError,
    contingency_add_affected_person,
    contingency_add_event,
    contingency_change_level,
    contingency_close_flag,
    contingency_open_flag,
    contingency_record_trigger,
    contingency_review_plan,
    contingency_set_visibility,
    contingency_signal,
    contingency_update_affected_person,
    contingency_update_details,
    contingency_upload_plan,
    default_duty,
)
from marketplace.core.storage import private_storage
from marketplace.providers.models import Provider, ProviderLocation
from tests.accreditation.test_virus_scan import EICAR
from tests.factories import (
    ContingencyFlagFactory,
    DirectPaymentHolderFactory,
    ProviderFactory,
    ServiceTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_the_s48_duty_applies_to_cqc_registered_providers_only() -> None:
    registered = ProviderFactory.create(kind=Provider.Kind.HOME_CARE_AGENCY, cqc_location_id="1-123456789")
    personal_assistant = ProviderFactory.create()

    assert default_duty(registered) == "s48_temporary"
    assert default_duty(personal_assistant) == "general_eligible_needs"
    flag = contingency_signal(provider=registered, signal="cqc_inadequate", detail="Rated Inadequate")
    assert flag is not None
    assert flag.duty == "s48_temporary"


def test_opening_a_flag_by_hand_records_the_trigger_and_who_decided(commissioner_user) -> None:
    provider = ProviderFactory.create()

    flag = contingency_open_flag(
        provider=provider,
        by=commissioner_user,
        kind="self_report",
        detail="The owner rang: two carers have left",
        level=Level.AT_RISK,
        today=datetime.date(2025, 6, 2),
    )

    assert flag.level == Level.AT_RISK
    assert flag.opened_on == datetime.date(2025, 6, 2)
    assert flag.lead_officer == commissioner_user
    trigger = flag.triggers.get()
    assert (trigger.source, trigger.kind, trigger.recorded_by) == ("manual", "self_report", commissioner_user)
    change = flag.level_changes.get()
    assert (change.from_level, change.to_level, change.decided_by) == ("", "at_risk", commissioner_user)
    assert "two carers have left" in change.reason


def test_a_provider_has_one_open_flag_at_a_time(commissioner_user) -> None:
    flag = ContingencyFlagFactory.create()

    with pytest.raises(ContingencyError, match="already has an open contingency flag"):
        contingency_open_flag(provider=flag.provider, by=commissioner_user, kind="intelligence", detail="Again")


def test_after_closing_a_signal_opens_a_new_flag(commissioner_user) -> None:
    flag = ContingencyFlagFactory.create()
    contingency_close_flag(flag=flag, by=commissioner_user, outcome="recovered", reason="Recovered")

    new_flag = contingency_signal(provider=flag.provider, signal="overdue_accounts", detail="Accounts due")

    assert new_flag is not None
    assert new_flag.pk != flag.pk
    assert ContingencyFlag.objects.open().get() == new_flag


def test_a_manual_trigger_needs_a_known_kind_and_detail(commissioner_user) -> None:
    flag = ContingencyFlagFactory.create()

    with pytest.raises(ContingencyError):
        contingency_record_trigger(flag=flag, by=commissioner_user, kind="gossip", detail="Something")
    with pytest.raises(ContingencyError, match="Enter what the concern is"):
        contingency_record_trigger(flag=flag, by=commissioner_user, kind="intelligence", detail="  ")
    trigger = contingency_record_trigger(
        flag=flag, by=commissioner_user, kind="safeguarding", detail="Safeguarding referral"
    )
    assert trigger.flag == flag
    flag.refresh_from_db()
    assert flag.level == Level.WATCH


def test_changing_the_level_records_from_to_who_and_why(commissioner_user, django_capture_on_commit_callbacks) -> None:
    flag = ContingencyFlagFactory.create()

    with django_capture_on_commit_callbacks(execute=True):
        contingency_change_level(flag=flag, to_level=Level.FAILING, by=commissioner_user, reason="Staff walked out")
        contingency_change_level(flag=flag, to_level=Level.AT_RISK, by=commissioner_user, reason="Agency staff in")

    flag.refresh_from_db()
    assert flag.level == Level.AT_RISK
    assert list(flag.level_changes.values_list("from_level", "to_level", "decided_by", "reason"))[:2] == [
        ("failing", "at_risk", commissioner_user.pk, "Agency staff in"),
        ("watch", "failing", commissioner_user.pk, "Staff walked out"),
    ]
    assert len(mail.outbox) == 2
    assert "Failing" in mail.outbox[0].subject


@pytest.mark.parametrize(
    ("to_level", "reason", "message"),
    [
        ("failing", "", "Enter why the level is changing"),
        ("watch", "No change", "already at"),
        ("closed", "Done", "To close the flag, use Close"),
        ("meltdown", "Bad", "Select a level"),
    ],
)
def test_a_level_change_is_refused_when(commissioner_user, to_level: str, reason: str, message: str) -> None:
    flag = ContingencyFlagFactory.create()

    with pytest.raises(ContingencyError, match=message):
        contingency_change_level(flag=flag, to_level=to_level, by=commissioner_user, reason=reason)
    assert flag.level_changes.count() == 1


def test_a_closed_flag_cannot_be_changed(commissioner_user) -> None:
    flag = ContingencyFlagFactory.create()
    contingency_close_flag(flag=flag, by=commissioner_user, outcome="closed_no_impact", reason="Nothing came of it")

    with pytest.raises(ContingencyError, match="This flag is closed"):
        contingency_change_level(flag=flag, to_level=Level.FAILING, by=commissioner_user, reason="Late news")
    with pytest.raises(ContingencyError, match="This flag is closed"):
        contingency_add_event(flag=flag, by=commissioner_user, kind="event", summary="Late news")


def test_closed_flags_ignore_signals_until_a_new_one_opens(commissioner_user) -> None:
    """A signal after closing opens a new flag rather than touching the closed one's history."""
    flag = ContingencyFlagFactory.create()
    contingency_close_flag(flag=flag, by=commissioner_user, outcome="recovered", reason="Fine")

    contingency_signal(provider=flag.provider, signal="struck_off", detail="Gazette")

    flag.refresh_from_db()
    assert flag.level == Level.CLOSED
    assert flag.triggers.count() == 1


def test_details_change_goes_on_the_timeline(commissioner_user) -> None:
    service = ServiceTypeFactory.create(name="Day opportunities")
    flag = ContingencyFlagFactory.create(provider=ProviderFactory.create(services=[service]))
    other_commissioner = UserFactory.create()
    other_commissioner.groups.set(commissioner_user.groups.all())

    contingency_update_details(
        flag=flag,
        by=commissioner_user,
        duty="general_eligible_needs",
        scope="service",
        scope_service=service,
        lead_officer=other_commissioner,
    )

    flag.refresh_from_db()
    assert flag.scope_service == service
    assert flag.lead_officer == other_commissioner
    summary = flag.events.get().summary
    assert "scope: A service" in summary
    assert "service: Day opportunities" in summary


def test_the_lead_officer_must_be_a_commissioner(commissioner_user) -> None:
    flag = ContingencyFlagFactory.create()

    with pytest.raises(ContingencyError, match="must be a commissioner"):
        contingency_update_details(
            flag=flag, by=commissioner_user, duty=flag.duty, scope="whole_business", lead_officer=UserFactory.create()
        )


def test_the_scope_must_belong_to_the_provider(commissioner_user) -> None:
    flag = ContingencyFlagFactory.create()
    elsewhere = ProviderLocation.objects.create(
        provider=ProviderFactory.create(),
        name="Other hub",
        address_line_1="1 High St",
        town="Westby",
        postcode="WE1 1AA",
    )

    with pytest.raises(ContingencyError, match="does not offer"):
        contingency_update_details(
            flag=flag, by=commissioner_user, duty=flag.duty, scope="service", scope_service=ServiceTypeFactory.create()
        )
    with pytest.raises(ContingencyError, match="not one of"):
        contingency_update_details(
            flag=flag, by=commissioner_user, duty=flag.duty, scope="location", scope_location=elsewhere
        )


def test_a_communication_says_with_whom(commissioner_user) -> None:
    flag = ContingencyFlagFactory.create()

    with pytest.raises(ContingencyError, match="with"):
        contingency_add_event(flag=flag, by=commissioner_user, kind="communication", summary="Letter sent")
    event = contingency_add_event(
        flag=flag, by=commissioner_user, kind="communication", party="families", summary="Letter to families"
    )

    assert event.get_party_display() == "Families and carers"


def test_an_event_cannot_be_in_the_future(commissioner_user) -> None:
    flag = ContingencyFlagFactory.create()

    with pytest.raises(ContingencyError, match="in the past"):
        contingency_add_event(
            flag=flag,
            by=commissioner_user,
            kind="event",
            summary="Meeting",
            occurred_at=timezone.now() + datetime.timedelta(days=1),
        )


def test_a_neutral_notice_is_shown_and_the_reason_kept_inside(commissioner_user) -> None:
    flag = ContingencyFlagFactory.create()

    contingency_set_visibility(
        flag=flag, by=commissioner_user, visibility="notice", notice=NEUTRAL_NOTICES[1], reason="Insolvency rumours"
    )

    flag.refresh_from_db()
    flag.provider.refresh_from_db()
    assert flag.provider.public_notice == NEUTRAL_NOTICES[1]
    assert flag.public_visibility == Visibility.NOTICE
    assert "Insolvency rumours" in flag.events.get().summary


def test_only_the_neutral_wording_may_be_shown(commissioner_user) -> None:
    flag = ContingencyFlagFactory.create()

    with pytest.raises(ContingencyError, match="neutral"):
        contingency_set_visibility(
            flag=flag, by=commissioner_user, visibility="notice", notice="Failing provider!", reason="x"
        )


def test_hiding_pauses_the_listing_with_a_neutral_reason_and_showing_restores_it(commissioner_user) -> None:
    flag = ContingencyFlagFactory.create()

    contingency_set_visibility(flag=flag, by=commissioner_user, visibility="hidden", reason="Safeguarding")
    flag.provider.refresh_from_db()
    suspended_status = flag.provider.status
    suspension = flag.provider.status_changes.first()
    contingency_set_visibility(flag=flag, by=commissioner_user, visibility="unchanged", reason="Resolved")
    flag.provider.refresh_from_db()

    assert suspended_status == Provider.Status.SUSPENDED
    assert suspension.reason == NEUTRAL_SUSPENSION_REASON
    assert flag.provider.status == Provider.Status.PUBLISHED


def test_hiding_an_unpublished_listing_changes_nothing_to_restore(commissioner_user) -> None:
    flag = ContingencyFlagFactory.create(provider=ProviderFactory.create(status=Provider.Status.DRAFT))

    contingency_set_visibility(flag=flag, by=commissioner_user, visibility="hidden", reason="Concern")
    contingency_close_flag(flag=flag, by=commissioner_user, outcome="recovered", reason="Fine")

    flag.provider.refresh_from_db()
    assert flag.provider.status == Provider.Status.DRAFT


def test_closing_clears_the_notice_and_records_the_outcome(commissioner_user) -> None:
    flag = ContingencyFlagFactory.create()
    contingency_set_visibility(flag=flag, by=commissioner_user, visibility="notice", reason="Pause referrals")

    contingency_close_flag(flag=flag, by=commissioner_user, outcome="transferred", reason="Bought by Acme Care")

    flag.refresh_from_db()
    flag.provider.refresh_from_db()
    assert flag.provider.public_notice == ""
    assert flag.level == Level.CLOSED
    assert flag.closed_at is not None
    assert (flag.closing_outcome, flag.closing_note) == ("transferred", "Bought by Acme Care")
    last = flag.level_changes.first()
    assert (last.from_level, last.to_level, last.decided_by) == ("watch", "closed", commissioner_user)


def test_closing_needs_an_outcome_and_a_reason(commissioner_user) -> None:
    flag = ContingencyFlagFactory.create()

    with pytest.raises(ContingencyError, match="outcome"):
        contingency_close_flag(flag=flag, by=commissioner_user, outcome="", reason="Done")
    with pytest.raises(ContingencyError, match="why the flag is being closed"):
        contingency_close_flag(flag=flag, by=commissioner_user, outcome="recovered", reason="")


def test_when_the_provider_left_the_market_a_hidden_listing_is_withdrawn(commissioner_user) -> None:
    flag = ContingencyFlagFactory.create()
    contingency_set_visibility(flag=flag, by=commissioner_user, visibility="hidden", reason="Closing down")

    contingency_close_flag(flag=flag, by=commissioner_user, outcome="provider_exited_market", reason="Closed down")

    flag.provider.refresh_from_db()
    assert flag.provider.status == Provider.Status.WITHDRAWN


def test_the_plan_is_kept_privately_and_its_review_recorded(commissioner_user) -> None:
    flag = ContingencyFlagFactory.create()

    contingency_upload_plan(flag=flag, by=commissioner_user, upload=SimpleUploadedFile("bcp.pdf", PDF))
    contingency_review_plan(flag=flag, by=commissioner_user, reviewed_on=datetime.date(2025, 1, 5))

    flag.refresh_from_db()
    assert flag.business_continuity_plan.storage is private_storage()
    assert not default_storage.exists(flag.business_continuity_plan.name)
    with flag.business_continuity_plan.open("rb") as handle:
        assert handle.read() == PDF
    assert flag.bcp_reviewed_on == datetime.date(2025, 1, 5)
    assert flag.events.count() == 2


def test_a_plan_must_be_a_pdf(commissioner_user) -> None:
    flag = ContingencyFlagFactory.create()

    with pytest.raises(ContingencyError, match="PDF"):
        contingency_upload_plan(
            flag=flag, by=commissioner_user, upload=SimpleUploadedFile("bcp.pdf", b"<html>not a pdf</html>")
        )


def test_reviewing_needs_a_plan_on_file(commissioner_user) -> None:
    flag = ContingencyFlagFactory.create()

    with pytest.raises(ContingencyError, match="no business continuity plan"):
        contingency_review_plan(flag=flag, by=commissioner_user, reviewed_on=datetime.date(2025, 1, 5))


@pytest.mark.parametrize("reference", ["Jane Smith", "J", "", "a name with spaces"])
def test_affected_people_are_recorded_by_reference_only(commissioner_user, reference: str) -> None:
    flag = ContingencyFlagFactory.create()

    with pytest.raises(ContingencyError, match="not a name"):
        contingency_add_affected_person(flag=flag, by=commissioner_user, reference=reference)


def test_an_affected_person_moves_on_and_the_timeline_says_so(commissioner_user) -> None:
    flag = ContingencyFlagFactory.create()
    holder = DirectPaymentHolderFactory.create()

    person = contingency_add_affected_person(
        flag=flag, by=commissioner_user, reference="J.S.", needs_summary="Personal care mornings", holder=holder
    )
    contingency_update_affected_person(person=person, by=commissioner_user, status="alternative_arranged")

    person.refresh_from_db()
    assert person.status == AffectedPerson.Status.ALTERNATIVE_ARRANGED
    assert person.holder == holder
    assert list(flag.events.order_by("recorded_at", "id").values_list("party", "summary")) == [
        (FlagEvent.Party.PEOPLE_AFFECTED, "J.S. recorded as affected (identified)."),
        (FlagEvent.Party.PEOPLE_AFFECTED, "J.S.: Identified → Alternative arranged."),
    ]
    with pytest.raises(ContingencyError, match="already on this flag"):
        contingency_add_affected_person(flag=flag, by=commissioner_user, reference="j.s.")


def test_a_plan_is_virus_scanned_like_every_upload(commissioner_user, tcp_clamd) -> None:
    flag = ContingencyFlagFactory.create()

    with pytest.raises(ContingencyError, match="contains a virus"):
        contingency_upload_plan(flag=flag, by=commissioner_user, upload=SimpleUploadedFile("bcp.pdf", PDF + EICAR))

    flag.refresh_from_db()
    assert not flag.business_continuity_plan
    assert tcp_clamd.received == [PDF + EICAR]


def test_a_plan_is_refused_while_a_configured_scanner_is_down(commissioner_user, settings) -> None:
    flag = ContingencyFlagFactory.create()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_SOCKET = "127.0.0.1", port, ""
    settings.CLAMD_TIMEOUT = 0.5

    with pytest.raises(ContingencyError, match="could not check the file for viruses"):
        contingency_upload_plan(flag=flag, by=commissioner_user, upload=SimpleUploadedFile("bcp.pdf", PDF))
