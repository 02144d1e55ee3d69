"""The engagement pages: who may see and do what, hostile input, and fixed query counts."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketplace.engagement import services
from marketplace.engagement.models import Enquiry, Message, MessageReport, ShortlistEntry
from tests.engagement.conftest import send_enquiry
from tests.factories import CommissionerFactory, ProviderFactory

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def enquiry_url(enquiry: Enquiry) -> str:
    return reverse("engagement:enquiry", args=[enquiry.uuid])


def provider_enquiry_url(enquiry: Enquiry) -> str:
    return reverse("engagement:provider_enquiry", args=[enquiry.uuid])


# "Your support" ------------------------------------------------------------------------


def test_your_support_shows_the_holder_their_shortlist_and_enquiries_with_counts_that_match(
    holder, enquiry, provider, other_provider
):
    services.shortlist_add(holder=holder, provider=provider, by=holder.user)
    services.shortlist_add(holder=holder, provider=other_provider, by=holder.user)
    response = client_for(holder.user).get(reverse("engagement:home"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Your shortlist (2)" in body
    assert "Enquiries and replies (1)" in body
    assert "1 not contacted" in body, "Rupal Lad has no enquiry yet"
    assert "Waiting for reply" in body


def test_the_family_member_sees_the_holders_support_and_the_header_link(holder, family, enquiry):
    body = client_for(family).get(reverse("engagement:home")).content.decode()
    assert "You are acting for" in body
    assert "Margaret Hollis" in body
    assert 'href="/your-support/"' in body
    assert "Hetal Makwana" in body


def test_someone_acting_for_two_people_chooses_and_the_choice_is_checked_every_time(holder, family, stranger):
    from marketplace.accounts.models import ActingFor
    from tests.factories import DirectPaymentHolderFactory

    other = DirectPaymentHolderFactory(user=None, display_name="Albert Hollis")
    ActingFor.objects.create(agent=family, holder=other, relationship="family_member", started_on="2026-01-01")
    client = client_for(family)
    assert "Whose support do you want to see?" in client.get(reverse("engagement:home")).content.decode()
    client.post(reverse("engagement:switch_holder"), {"holder": str(other.uuid)})
    assert "Albert Hollis" in client.get(reverse("engagement:home")).content.decode()
    # Someone the person does not act for cannot be chosen.
    stranger_holder = DirectPaymentHolderFactory(user=stranger, display_name="Sam Stranger")
    client.post(reverse("engagement:switch_holder"), {"holder": str(stranger_holder.uuid)})
    assert "Sam Stranger" not in client.get(reverse("engagement:home")).content.decode()
    # A link that ends stops the session's choice at once.
    ActingFor.objects.filter(holder=other).update(ended_on="2026-02-01")
    body = client.get(reverse("engagement:home")).content.decode()
    assert "Albert Hollis" not in body
    assert "Margaret Hollis" in body


@pytest.mark.parametrize("who", ["former_helper", "stranger", "provider_owner", "commissioner"])
def test_people_who_do_not_act_for_the_holder_see_none_of_her_support(request, holder, enquiry, who):
    user = CommissionerFactory() if who == "commissioner" else request.getfixturevalue(who)
    services.shortlist_add(holder=holder, provider=enquiry.provider, by=holder.user)
    response = client_for(user).get(reverse("engagement:home"))
    body = response.content.decode()
    assert "Margaret Hollis" not in body
    assert client_for(user).get(enquiry_url(enquiry)).status_code == 404


def test_a_signed_out_visitor_is_asked_to_sign_in(db):
    response = Client().get(reverse("engagement:home"))
    assert response.status_code == 200
    assert "Sign in to keep your shortlist" in response.content.decode()


# Shortlist ---------------------------------------------------------------------------


def test_a_signed_out_shortlist_is_kept_in_the_session_and_saved_on_sign_in(holder, provider, other_provider):
    client = Client()
    for listing in (provider, other_provider):
        response = client.post(
            reverse("engagement:shortlist_add"), {"provider": str(listing.uuid), "next": "/directory/?q=care"}
        )
        assert response["Location"] == "/directory/?q=care"
    assert "Hetal Makwana" in client.get(reverse("engagement:home")).content.decode()
    response = client.post(
        reverse("account_login"), {"login": "margaret@example.org", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert set(ShortlistEntry.objects.filter(holder=holder).values_list("provider__name", flat=True)) == {
        "Hetal Makwana",
        "Rupal Lad",
    }
    assert "support_shortlist" not in client.session


def test_shortlisting_refuses_an_unsafe_next_and_an_unknown_listing(holder, provider):
    client = client_for(holder.user)
    response = client.post(
        reverse("engagement:shortlist_add"), {"provider": str(provider.uuid), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("engagement:home")
    assert client.post(reverse("engagement:shortlist_add"), {"provider": "nonsense"}).status_code == 404
    assert client.post(reverse("engagement:shortlist_add"), {"provider": HOSTILE}).status_code == 404


def test_a_note_is_shared_with_the_family_member_and_escaped(holder, family, provider):
    services.shortlist_add(holder=holder, provider=provider, by=holder.user)
    note_url = reverse("engagement:shortlist_note", args=[provider.uuid])
    response = client_for(holder.user).post(note_url, {"note": f"Kind voice {HOSTILE}"})
    assert response.status_code == 302
    body = client_for(family).get(reverse("engagement:home")).content.decode()
    assert "Kind voice &lt;script&gt;" in body
    assert HOSTILE not in body


def test_a_note_too_long_gets_an_error_summary_and_keeps_the_text(holder, provider):
    services.shortlist_add(holder=holder, provider=provider, by=holder.user)
    note_url = reverse("engagement:shortlist_note", args=[provider.uuid])
    response = client_for(holder.user).post(note_url, {"note": "y" * 1001})
    body = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in body
    assert "y" * 1001 in body


def test_the_directory_and_profile_show_shortlist_buttons_that_post(holder, provider, site):
    from cms.models import DirectoryPage

    directory = DirectoryPage.objects.live().first()
    client = client_for(holder.user)
    profile = client.get(f"{directory.url}{provider.slug}/").content.decode()
    assert "Add to shortlist" in profile
    assert "Send an enquiry" in profile
    services.shortlist_add(holder=holder, provider=provider, by=holder.user)
    assert "On your shortlist" in client.get(f"{directory.url}{provider.slug}/").content.decode()
    results = client.get(directory.url, {"q": ""}).content.decode()
    assert 'form="shortlist-form"' in results
    assert "On your shortlist" in results


# Enquiries: the holder's side ------------------------------------------------------------


def enquiry_data(providers: list[Any], service_type: Any, **overrides: Any) -> dict[str, Any]:
    """A valid enquiry form, starting a month from whatever today is (the view reads the real date)."""
    start = timezone.localdate() + timedelta(days=30)
    data: dict[str, Any] = {
        "provider": [str(provider.uuid) for provider in providers],
        "service": str(service_type.pk),
        "days": ["tue", "thu"],
        "parts": ["morning"],
        "hours_per_week": "6",
        "start_on_day": str(start.day),
        "start_on_month": str(start.month),
        "start_on_year": str(start.year),
        "rate": "21.50",
        "message": "Help getting up, please.",
    }
    data.update(overrides)
    return data


def test_the_enquiry_form_is_pre_filled_with_the_councils_rate(holder, provider, council_rate, personal_care):
    response = client_for(holder.user).get(reverse("engagement:enquiry_new"), {"provider": str(provider.uuid)})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="21.50"' in body
    assert "Hetal Makwana" in body


def test_the_family_member_sends_one_enquiry_to_two_providers_on_her_behalf(
    holder, family, provider, other_provider, personal_care
):
    response = client_for(family).post(
        reverse("engagement:enquiry_new"), enquiry_data([provider, other_provider], personal_care)
    )
    assert response.status_code == 302
    enquiries = Enquiry.objects.filter(holder=holder)
    assert enquiries.count() == 2
    assert {enquiry.sent_by for enquiry in enquiries} == {family}
    assert all(enquiry.rate_pence == 2150 for enquiry in enquiries)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rate": "abc"}, "Enter the hourly rate in pounds"),
        ({"rate": "-4"}, "more than £0"),
        ({"rate": "NaN"}, "more than £0"),
        ({"rate": "21.505"}, "pounds and pence"),
        ({"hours_per_week": "-1"}, "between 1 and 100"),
        ({"hours_per_week": "lots"}, "whole number"),
        ({"start_on_day": "31", "start_on_month": "2", "start_on_year": "2027"}, "must be a real date"),
        ({"start_on_year": ""}, "must include a year"),
        ({"days": ["funday"]}, "Choose days from the list"),
        ({"days": []}, "Choose at least one day"),
        ({"service": "999999"}, "Choose the support you need"),
        ({"message": ""}, "Enter a message"),
        ({"message": "z" * 3001}, "3000 characters or fewer"),
        ({"provider": []}, "Choose who to send it to first"),
    ],
)
def test_hostile_enquiry_input_gets_a_clear_message_and_keeps_what_was_typed(
    holder, provider, personal_care, overrides, message
):
    data = enquiry_data([provider], personal_care, **overrides)
    if "message" not in overrides:
        data["message"] = f"Keep me {HOSTILE}"
    response = client_for(holder.user).post(reverse("engagement:enquiry_new"), data)
    body = response.content.decode()
    assert response.status_code in (200, 400)
    assert message in body
    assert not Enquiry.objects.exists()
    if "message" not in overrides and overrides.get("provider") != []:
        assert "Keep me &lt;script&gt;" in body
        assert HOSTILE not in body


def test_six_providers_in_one_enquiry_is_refused_on_the_form(holder, personal_care):
    providers = [ProviderFactory(services=[personal_care]) for _ in range(6)]
    response = client_for(holder.user).post(reverse("engagement:enquiry_new"), enquiry_data(providers, personal_care))
    assert response.status_code == 400
    assert "Choose no more than 5 providers" in response.content.decode()
    assert not Enquiry.objects.exists()


def test_the_rate_limit_is_a_clear_error_and_the_message_is_kept(holder, provider, personal_care, monkeypatch):
    monkeypatch.setattr(services, "ENQUIRIES_PER_HOLDER_PER_DAY", 0)
    response = client_for(holder.user).post(
        reverse("engagement:enquiry_new"), enquiry_data([provider], personal_care, message="Please keep this")
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "You can send 0 enquiries a day" in body
    assert "Please keep this" in body


def test_a_helper_without_the_message_right_cannot_write_or_reply(holder, viewer, enquiry, provider, personal_care):
    client = client_for(viewer)
    assert client.get(reverse("engagement:enquiry_new"), {"provider": str(provider.uuid)}).status_code == 403
    assert client.post(reverse("engagement:enquiry_new"), enquiry_data([provider], personal_care)).status_code == 403
    page = client.get(enquiry_url(enquiry))
    assert page.status_code == 200, "seeing is part of every link"
    assert "you can read this conversation but not reply" in page.content.decode().lower()
    assert client.post(enquiry_url(enquiry), {"message": "Hi"}).status_code == 403
    assert client.get(reverse("engagement:share_contact", args=[enquiry.uuid])).status_code == 403
    assert Message.objects.count() == 1


def test_the_holder_replies_and_shares_contact_details(holder, enquiry):
    client = client_for(holder.user)
    assert client.post(enquiry_url(enquiry), {"message": "When could you start?"}).status_code == 302
    response = client.post(
        reverse("engagement:share_contact", args=[enquiry.uuid]),
        {"name": "Margaret Hollis", "email": "margaret@example.org", "phone": "01632 960123"},
    )
    assert response.status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.contact_phone == "01632 960123"


def test_sharing_contact_details_with_bad_input_keeps_what_was_typed(holder, enquiry):
    response = client_for(holder.user).post(
        reverse("engagement:share_contact", args=[enquiry.uuid]),
        {"name": "Margaret", "email": "not-an-email", "phone": HOSTILE},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Enter an email address in the correct format" in body
    assert 'value="not-an-email"' in body
    assert not Enquiry.objects.get().has_shared_contact


# The provider's side ----------------------------------------------------------------------


def test_the_provider_sees_on_behalf_of_and_no_contact_details_until_shared(
    holder, family, provider, provider_owner, personal_care
):
    enquiry = send_enquiry(holder, [provider], family, personal_care)[0]
    client = client_for(provider_owner)
    body = client.get(provider_enquiry_url(enquiry)).content.decode()
    assert "Sent by David Hollis on behalf of Margaret Hollis" in body
    assert "margaret@example.org" not in body
    assert "They have not shared their contact details yet" in body
    services.enquiry_share_contact(
        enquiry=enquiry, by=family, name="David Hollis", email="david@example.org", phone=""
    )
    assert "david@example.org" in client.get(provider_enquiry_url(enquiry)).content.decode()


@pytest.mark.parametrize("who", ["provider_owner", "provider_staff"])
def test_owners_and_staff_see_and_answer_their_enquiries(request, enquiry, who):
    client = client_for(request.getfixturevalue(who))
    assert "Margaret Hollis" in client.get(reverse("engagement:inbox")).content.decode()
    assert client.get(provider_enquiry_url(enquiry)).status_code == 200
    assert client.post(provider_enquiry_url(enquiry), {"message": "I can do Tuesdays"}).status_code == 302


@pytest.mark.parametrize("who", ["other_provider_owner", "holder", "family", "stranger", "commissioner"])
def test_nobody_else_sees_a_providers_enquiries(request, enquiry, who):
    user = CommissionerFactory() if who == "commissioner" else request.getfixturevalue(who)
    if who == "holder":
        user = user.user
    client = client_for(user)
    assert "Margaret Hollis" not in client.get(reverse("engagement:inbox")).content.decode()
    assert client.get(provider_enquiry_url(enquiry)).status_code == 404
    assert client.post(provider_enquiry_url(enquiry), {"message": "Hi"}).status_code == 404
    respond = reverse("engagement:provider_enquiry_respond", args=[enquiry.uuid])
    assert client.post(respond, {"decision": "accept"}).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(enquiry):
    for url in (enquiry_url(enquiry), provider_enquiry_url(enquiry), reverse("engagement:inbox")):
        response = Client().get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_declining_without_a_reason_keeps_the_choice_and_asks_for_one(enquiry, provider_owner):
    respond = reverse("engagement:provider_enquiry_respond", args=[enquiry.uuid])
    response = client_for(provider_owner).post(respond, {"decision": "decline", "reason": ""})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Give the reason you cannot help" in body
    assert 'value="decline" checked' in body
    response = client_for(provider_owner).post(respond, {"decision": "maybe", "reason": "x"})
    assert "Choose whether you can help" in response.content.decode()
    assert client_for(provider_owner).post(respond, {"decision": "accept", "reason": "Yes!"}).status_code == 302
    assert Enquiry.objects.get().status == Enquiry.Status.ACCEPTED


# Reports -------------------------------------------------------------------------------


def test_the_holder_reports_a_message_and_commissioners_review_it_in_the_admin(enquiry, holder, provider_owner):
    reply = services.message_send(enquiry=enquiry, side=Message.Side.PROVIDER, by=provider_owner, body="Pay me cash")
    report_url = reverse("engagement:message_report", args=[reply.uuid])
    client = client_for(holder.user)
    response = client.post(report_url, {"reason": "", "block": "on"})
    assert response.status_code == 400
    assert "Tell us what is wrong with this message" in response.content.decode()
    assert client.post(report_url, {"reason": "Asked for cash", "block": "on"}).status_code == 302
    report = MessageReport.objects.get()
    commissioner = CommissionerFactory()
    admin = client_for(commissioner)
    assert "Hetal Makwana" in admin.get(reverse("engagement_reports:index")).content.decode()
    review = admin.get(reverse("engagement_reports:edit", args=[report.pk]))
    assert "Pay me cash" in review.content.decode()
    assert (
        admin.post(reverse("engagement_reports:edit", args=[report.pk]), {"notes": "Called them"}).status_code == 302
    )
    # The provider can no longer reply; the report page is not the provider's own message to report.
    assert client_for(provider_owner).post(provider_enquiry_url(enquiry), {"message": "Hello"}).status_code == 400
    assert client_for(provider_owner).get(report_url).status_code == 404


@pytest.mark.parametrize("who", ["stranger", "other_provider_owner", "former_helper"])
def test_only_the_other_party_can_report_a_message(request, enquiry, provider_owner, who):
    reply = services.message_send(enquiry=enquiry, side=Message.Side.PROVIDER, by=provider_owner, body="Hello")
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("engagement:message_report", args=[reply.uuid])).status_code == 404


def test_the_safeguarding_queue_is_for_commissioners_only(enquiry, holder, provider_owner):
    reply = services.message_send(enquiry=enquiry, side=Message.Side.PROVIDER, by=provider_owner, body="Hello")
    report = services.message_report(message=reply, by=holder.user, side="holder", reason="Odd", block=False)
    for user in (provider_owner, holder.user):
        response = client_for(user).get(reverse("engagement_reports:edit", args=[report.pk]))
        assert response.status_code in (302, 403)


# Query counts ------------------------------------------------------------------------------


def _count_queries(client: Client, url: str) -> int:
    client.get(url)  # the first request of a session also loads the site and its settings
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def _grow(holder: Any, personal_care: Any, owner: Any, count: int) -> None:
    from tests.factories import ProviderMembershipFactory

    for _ in range(count):
        listing = ProviderFactory(services=[personal_care])
        ProviderMembershipFactory(provider=listing, user=owner)
        services.shortlist_add(holder=holder, provider=listing, by=holder.user)
        enquiry = send_enquiry(holder, [listing], holder.user, personal_care, now=None)[0]
        services.message_send(enquiry=enquiry, side=Message.Side.PROVIDER, by=owner, body="Yes")


def test_your_support_and_the_inbox_run_a_fixed_number_of_queries(holder, personal_care, provider_owner, monkeypatch):
    monkeypatch.setattr(services, "MESSAGES_PER_PERSON_PER_MINUTE", 1000)
    monkeypatch.setattr(services, "ENQUIRIES_PER_HOLDER_PER_DAY", 1000)
    holder_client, provider_client = client_for(holder.user), client_for(provider_owner)
    _grow(holder, personal_care, provider_owner, 2)
    small = (_count_queries(holder_client, "/your-support/"), _count_queries(provider_client, "/provider/enquiries/"))
    _grow(holder, personal_care, provider_owner, 10)
    large = (_count_queries(holder_client, "/your-support/"), _count_queries(provider_client, "/provider/enquiries/"))
    print(
        f"\nSQL queries: Your support {small[0]} (2 rows) / {large[0]} (12 rows); "
        f"inbox {small[1]} (2 rows) / {large[1]} (12 rows)"
    )
    assert small == large


# More hostile input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "body", "message"),
    [
        ("holder", "", "Enter a message"),
        ("holder", "w" * 3001, "3000 characters or fewer"),
        ("provider", "", "Enter a message"),
        ("provider", "w" * 3001, "3000 characters or fewer"),
    ],
)
def test_a_bad_reply_on_either_side_keeps_what_was_typed(enquiry, holder, provider_owner, side, body, message):
    user, url = (
        (holder.user, enquiry_url(enquiry)) if side == "holder" else (provider_owner, provider_enquiry_url(enquiry))
    )
    response = client_for(user).post(url, {"message": body})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "govuk-error-summary" in page
    if body:
        assert body in page
    assert Message.objects.count() == 1


def test_a_reply_with_markup_is_shown_as_text(enquiry, holder, provider_owner):
    client_for(holder.user).post(enquiry_url(enquiry), {"message": HOSTILE})
    page = client_for(provider_owner).get(provider_enquiry_url(enquiry)).content.decode()
    assert HOSTILE not in page
    assert "&lt;script&gt;" in page


def test_a_report_reason_too_long_keeps_the_text_and_the_block_choice(enquiry, holder, provider_owner):
    reply = services.message_send(enquiry=enquiry, side=Message.Side.PROVIDER, by=provider_owner, body="Hello")
    response = client_for(holder.user).post(
        reverse("engagement:message_report", args=[reply.uuid]), {"reason": "r" * 3001, "block": "on"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "3000 characters or fewer" in page
    assert "r" * 3001 in page
    assert "checked" in page
    assert not MessageReport.objects.exists()


def test_a_commissioners_empty_review_is_refused_and_the_report_stays_open(enquiry, holder, provider_owner):
    reply = services.message_send(enquiry=enquiry, side=Message.Side.PROVIDER, by=provider_owner, body="Hello")
    report = services.message_report(message=reply, by=holder.user, side="holder", reason="Odd", block=False)
    response = client_for(CommissionerFactory()).post(
        reverse("engagement_reports:edit", args=[report.pk]), {"notes": ""}
    )
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.status == MessageReport.Status.OPEN


def test_changing_rights_to_an_unknown_one_is_refused(holder, family):
    from marketplace.accounts.models import ActingFor

    link = ActingFor.objects.get(agent=family)
    response = client_for(holder.user).post(
        reverse("accounts:acting_for_change", args=[link.pk]), {"rights": ["message", "sell_the_house"]}
    )
    assert response.status_code == 400
    assert "Choose only from the rights listed" in response.content.decode()
    link.refresh_from_db()
    assert link.may_see_money, "nothing changed"
