"""The demo county's shortlists, enquiries and conversations: each demo login sees something true."""

from datetime import date

import pytest

from marketplace.accounts.models import User
from marketplace.accounts.selectors import holders_for_user
from marketplace.demo.builder import demo_county_build
from marketplace.engagement.models import Enquiry, Message, MessageReport, ShortlistEntry
from marketplace.engagement.selectors import holder_enquiries, holder_shortlist, provider_inbox

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)


@pytest.fixture
def county(db: None) -> None:
    demo_county_build(scale=0.1, seed=2026, today=TODAY)


def test_margaret_and_david_see_her_shortlist_and_enquiries_with_replies(county: None) -> None:
    margaret = User.objects.get(email="dp-holder@demo.example")
    david = User.objects.get(email="family@demo.example")
    holder = holders_for_user(margaret)[0]
    assert [found.pk for found in holders_for_user(david)] == [holder.pk]
    assert david.has_perm("accounts.message_for_holder", holder)

    shortlist = holder_shortlist(holder)
    assert len(shortlist) == 4
    assert sum(1 for entry in shortlist if entry.note) == 2
    enquiries = holder_enquiries(holder)
    assert len(enquiries) == 4
    assert {enquiry.status for enquiry in enquiries} == {"open", "accepted", "declined"}
    assert any(enquiry.has_shared_contact for enquiry in enquiries)
    assert Message.objects.filter(enquiry__holder=holder, sent_by=david, on_behalf_of=holder).exists()


def test_the_demo_pa_and_micro_provider_have_enquiries_in_their_inbox(county: None) -> None:
    for email in ("pa@demo.example", "provider@demo.example"):
        inbox = provider_inbox(User.objects.get(email=email))
        assert inbox, email
        assert any(enquiry.holder.display_name == "Margaret Hollis" for enquiry in inbox)


def test_proportions_are_realistic_and_one_report_waits(county: None) -> None:
    holders_with_enquiries = Enquiry.objects.values("holder").distinct().count()
    assert ShortlistEntry.objects.exists()
    assert holders_with_enquiries >= 2
    assert Enquiry.objects.filter(status=Enquiry.Status.DECLINED).exclude(decline_reason="").exists()
    assert MessageReport.objects.filter(status=MessageReport.Status.OPEN).count() == 1
    # Nothing is dated after the planner's moment or before the enquiry it answers.
    for message in Message.objects.select_related("enquiry"):
        assert message.sent_at >= message.enquiry.created_at
