"""The engagement services: shortlists, enquiries, messages, answers, contact details, reports and blocks."""

from datetime import timedelta

import pytest
from django.core import mail

from marketplace.engagement import services
from marketplace.engagement.models import Block, Enquiry, Message, MessageReport, ShortlistEntry
from marketplace.providers.models import Provider
from tests.engagement.conftest import NOW, TODAY, send_enquiry
from tests.factories import CommissionerFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def test_shortlisting_twice_keeps_one_entry_and_records_who_added_it(holder, family, provider):
    first = services.shortlist_add(holder=holder, provider=provider, by=family, now=NOW)
    second = services.shortlist_add(holder=holder, provider=provider, by=holder.user, now=NOW)
    assert first.pk == second.pk
    assert ShortlistEntry.objects.get().added_by == family


def test_an_unpublished_listing_cannot_be_shortlisted(holder, personal_care):
    draft = ProviderFactory(status=Provider.Status.DRAFT)
    with pytest.raises(services.EngagementError, match="published"):
        services.shortlist_add(holder=holder, provider=draft, by=holder.user)


def test_a_note_is_trimmed_and_records_who_wrote_it(holder, family, provider):
    entry = services.shortlist_add(holder=holder, provider=provider, by=holder.user, now=NOW)
    services.shortlist_note_save(entry=entry, note="  Lovely on the phone  ", by=family, now=NOW)
    entry.refresh_from_db()
    assert (entry.note, entry.note_changed_by, entry.note_changed_at) == ("Lovely on the phone", family, NOW)


def test_a_note_longer_than_the_limit_is_refused(holder, provider):
    entry = services.shortlist_add(holder=holder, provider=provider, by=holder.user)
    with pytest.raises(services.EngagementError) as refusal:
        services.shortlist_note_save(entry=entry, note="x" * 1001, by=holder.user)
    assert refusal.value.field == "note"


def test_a_session_shortlist_is_saved_skipping_unknown_and_unpublished_listings(holder, provider, other_provider):
    draft = ProviderFactory(status=Provider.Status.DRAFT)
    added = services.shortlist_save_from_session(
        holder=holder,
        provider_uuids=[str(provider.uuid), str(draft.uuid), "not-a-uuid-at-all", str(other_provider.uuid)],
        by=holder.user,
    )
    assert added == 2
    assert set(ShortlistEntry.objects.values_list("provider__name", flat=True)) == {"Hetal Makwana", "Rupal Lad"}


def test_one_enquiry_to_three_providers_makes_three_conversations_sent_together(
    holder, family, personal_care, provider, other_provider, django_capture_on_commit_callbacks
):
    third = ProviderFactory(name="Nilesh Patel", services=[personal_care])
    with django_capture_on_commit_callbacks(execute=True):
        enquiries = send_enquiry(holder, [provider, other_provider, third], family, personal_care)
    assert len(enquiries) == 3
    assert len({enquiry.sent_together for enquiry in enquiries}) == 1
    first_messages = Message.objects.filter(kind=Message.Kind.ENQUIRY)
    assert first_messages.count() == 3
    assert all(message.sent_by == family and message.on_behalf_of == holder for message in first_messages)


def test_the_holder_writing_for_themselves_is_not_on_behalf_of_anyone(enquiry):
    assert enquiry.messages.get().on_behalf_of is None


def test_the_provider_team_is_emailed_that_a_message_waits_without_its_text(
    holder, personal_care, provider, provider_owner, provider_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send_enquiry(
            holder, [provider], holder.user, personal_care, message="My diabetes means I need help with meals."
        )
    to = sorted(address for message in mail.outbox for address in message.to)
    assert to == ["hetal@example.org", "staff@example.org"]
    for message in mail.outbox:
        assert "diabetes" not in message.body
        assert "/provider/enquiries/" in message.body


def test_more_than_five_providers_is_refused(holder, personal_care):
    providers = [ProviderFactory(services=[personal_care]) for _ in range(6)]
    with pytest.raises(services.EngagementError, match="up to 5"):
        send_enquiry(holder, providers, holder.user, personal_care)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"availability_mask": 0}, "days"),
        ({"hours_per_week": 0}, "hours_per_week"),
        ({"hours_per_week": 101}, "hours_per_week"),
        ({"start_on": TODAY - timedelta(days=1)}, "start_on"),
        ({"start_on": TODAY + timedelta(days=400)}, "start_on"),
        ({"rate_pence": 0}, "rate"),
        ({"rate_pence": 100_01}, "rate"),
        ({"message": "   "}, "message"),
        ({"message": "x" * 3001}, "message"),
    ],
)
def test_an_enquiry_with_bad_details_is_refused_for_the_field_at_fault(
    holder, provider, personal_care, overrides, field
):
    with pytest.raises(services.EngagementError) as refusal:
        send_enquiry(holder, [provider], holder.user, personal_care, **overrides)
    assert refusal.value.field == field
    assert not Enquiry.objects.exists()


def test_enquiries_per_holder_per_day_are_limited(holder, personal_care, monkeypatch):
    monkeypatch.setattr(services, "ENQUIRIES_PER_HOLDER_PER_DAY", 2)
    monkeypatch.setattr(services, "MESSAGES_PER_PERSON_PER_MINUTE", 100)
    providers = [ProviderFactory(services=[personal_care]) for _ in range(3)]
    send_enquiry(holder, providers[:2], holder.user, personal_care)
    with pytest.raises(services.EngagementError, match="You can send 0 more today"):
        send_enquiry(holder, providers[2:], holder.user, personal_care)
    # A day later the limit has passed.
    send_enquiry(holder, providers[2:], holder.user, personal_care, now=NOW + timedelta(days=1, minutes=1))


def test_messages_per_person_per_minute_are_limited(enquiry, holder, monkeypatch):
    monkeypatch.setattr(services, "MESSAGES_PER_PERSON_PER_MINUTE", 2)
    services.message_send(enquiry=enquiry, side=Message.Side.HOLDER, by=holder.user, body="One more thing", now=NOW)
    with pytest.raises(services.EngagementError, match="Wait a minute"):
        services.message_send(enquiry=enquiry, side=Message.Side.HOLDER, by=holder.user, body="And another", now=NOW)
    services.message_send(
        enquiry=enquiry, side=Message.Side.HOLDER, by=holder.user, body="And another", now=NOW + timedelta(minutes=2)
    )


def test_a_provider_reply_tells_the_holder_and_those_who_may_message_for_them(
    enquiry, family, viewer, provider_owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(
            enquiry=enquiry, side=Message.Side.PROVIDER, by=provider_owner, body="Yes, Tuesdays suit me"
        )
    to = sorted(address for message in mail.outbox for address in message.to)
    assert to == ["david@example.org", "margaret@example.org"], "the advocate without the message right is not told"
    enquiry.refresh_from_db()
    assert enquiry.last_message_side == Message.Side.PROVIDER
    assert enquiry.is_unread_by(Message.Side.HOLDER)
    assert not enquiry.is_unread_by(Message.Side.PROVIDER)


def test_declining_needs_a_reason_and_answering_happens_once(enquiry, provider_owner):
    with pytest.raises(services.EngagementError, match="reason"):
        services.enquiry_respond(enquiry=enquiry, by=provider_owner, decision=services.DECLINE, message=" ")
    services.enquiry_respond(
        enquiry=enquiry, by=provider_owner, decision=services.DECLINE, message="I am full until June"
    )
    enquiry.refresh_from_db()
    assert (enquiry.status, enquiry.decline_reason) == (Enquiry.Status.DECLINED, "I am full until June")
    with pytest.raises(services.EngagementError, match="already answered"):
        services.enquiry_respond(enquiry=enquiry, by=provider_owner, decision=services.ACCEPT, message="")


def test_sharing_contact_details_records_them_for_this_provider_only(holder, personal_care, provider, other_provider):
    first, second = send_enquiry(holder, [provider, other_provider], holder.user, personal_care)
    services.enquiry_share_contact(
        enquiry=first, by=holder.user, name="Margaret Hollis", email="margaret@example.org", phone="01632 960123"
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.has_shared_contact
    assert first.contact_phone == "01632 960123"
    assert not second.has_shared_contact
    assert second.contact_email == ""
    assert first.messages.filter(kind=Message.Kind.CONTACT_SHARED).count() == 1


def test_sharing_contact_details_needs_a_way_to_reach_the_person(enquiry, holder):
    with pytest.raises(services.EngagementError) as refusal:
        services.enquiry_share_contact(enquiry=enquiry, by=holder.user, name="Margaret", email="", phone="  ")
    assert refusal.value.field == "email"


def test_a_report_with_a_block_stops_messages_and_new_enquiries_and_tells_commissioners(
    enquiry, holder, provider, provider_owner, personal_care, django_capture_on_commit_callbacks
):
    CommissionerFactory(email="commissioner@example.org")
    reply = services.message_send(enquiry=enquiry, side=Message.Side.PROVIDER, by=provider_owner, body="Send me cash")
    with django_capture_on_commit_callbacks(execute=True):
        report = services.message_report(
            message=reply, by=holder.user, side=Message.Side.HOLDER, reason="Asked for cash", block=True
        )
    assert report.status == MessageReport.Status.OPEN
    assert Block.objects.filter(holder=holder, provider=provider, blocked_by_side=Message.Side.HOLDER).exists()
    reported_mail = [message for message in mail.outbox if "commissioner@example.org" in message.to]
    assert reported_mail
    assert "cash" not in reported_mail[0].body
    with pytest.raises(services.EngagementError, match="blocked"):
        services.message_send(enquiry=enquiry, side=Message.Side.PROVIDER, by=provider_owner, body="Hello?")
    with pytest.raises(services.EngagementError, match="cannot send an enquiry"):
        send_enquiry(holder, [provider], holder.user, personal_care)


def test_nobody_can_report_their_own_side_s_message(enquiry, holder):
    with pytest.raises(services.EngagementError, match="other side"):
        services.message_report(
            message=enquiry.messages.get(), by=holder.user, side=Message.Side.HOLDER, reason="Oops", block=False
        )


def test_a_report_is_reviewed_once_with_notes(enquiry, provider_owner, holder):
    reply = services.message_send(enquiry=enquiry, side=Message.Side.PROVIDER, by=provider_owner, body="Rude words")
    report = services.message_report(message=reply, by=holder.user, side="holder", reason="Rude", block=False)
    commissioner = CommissionerFactory()
    with pytest.raises(services.EngagementError):
        services.report_review(report=report, by=commissioner, notes="  ")
    services.report_review(report=report, by=commissioner, notes="Spoke to the provider", now=NOW)
    report.refresh_from_db()
    assert (report.status, report.reviewed_by, report.reviewed_at) == (
        MessageReport.Status.REVIEWED,
        commissioner,
        NOW,
    )
    with pytest.raises(services.EngagementError, match="already"):
        services.report_review(report=report, by=commissioner, notes="Again")
