"""Acting for someone: invitations by email, accepting with the invited address, changing rights,
ending a link, the append-only history, the rules, and the commissioners' authorised-person screen."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts import services
from marketplace.accounts.models import ActingFor, ActingForChange, ActingForInvitation
from marketplace.accounts.services import account_email_mark_verified
from tests.accounts.helpers import link_in_last_email
from tests.factories import CommissionerFactory, DirectPaymentHolderFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=timezone.get_default_timezone())


@pytest.fixture
def holder():
    user = UserFactory(email="margaret@example.org", first_name="Margaret", last_name="Hollis")
    account_email_mark_verified(user=user)
    return DirectPaymentHolderFactory(user=user, display_name="Margaret Hollis")


@pytest.fixture
def david():
    user = UserFactory(email="david@example.org", first_name="David", last_name="Hollis")
    account_email_mark_verified(user=user)
    return user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_holder_invites_by_email_and_the_invited_person_accepts(holder, david, django_capture_on_commit_callbacks):
    client = signed_in(holder.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:acting_for"),
            {"email": "David@Example.org", "relationship": "family_member", "rights": ["message", "see_money"]},
        )
    assert response.status_code == 302
    invitation = ActingForInvitation.objects.get()
    assert (invitation.email, invitation.may_message, invitation.may_see_money) == ("david@example.org", True, True)
    assert len(invitation.token_hash) == 64
    path = link_in_last_email("david@example.org")
    assert invitation.token_hash not in path

    response = signed_in(david).post(path)
    assert response.status_code == 302
    link = ActingFor.objects.get(agent=david)
    assert link.is_live
    assert (link.may_message, link.may_post_adverts, link.may_see_money) == (True, False, True)
    assert david.has_perm("accounts.message_for_holder", holder)
    assert not david.has_perm("accounts.post_adverts_for_holder", holder)
    assert list(ActingForChange.objects.order_by("at", "pk").values_list("action", flat=True)) == [
        "invited",
        "started",
    ]
    # Single use.
    assert signed_in(david).get(path).status_code == 410


def test_an_invitation_is_accepted_only_by_the_invited_verified_address(holder, david):
    invitation, token = services.acting_for_invite(
        holder=holder, email="someone.else@example.org", relationship="advocate", by=holder.user
    )
    with pytest.raises(services.ActingForError, match="Sign in with that email address"):
        services.acting_for_invitation_accept(invitation=invitation, user=david)
    page = signed_in(david).get(reverse("accounts:acting_for_invitation", args=[token]))
    assert "but you are signed in as david@example.org" in page.content.decode()


def test_an_invitation_lasts_fourteen_days(holder, david):
    invitation, _ = services.acting_for_invite(
        holder=holder, email="david@example.org", relationship="family_member", by=holder.user, now=NOW
    )
    with pytest.raises(services.ActingForError, match="expired"):
        services.acting_for_invitation_accept(invitation=invitation, user=david, now=NOW + timedelta(days=14))
    services.acting_for_invitation_accept(invitation=invitation, user=david, now=NOW + timedelta(days=13, hours=23))


def test_a_cancelled_invitation_cannot_be_used(holder, david):
    invitation, token = services.acting_for_invite(
        holder=holder, email="david@example.org", relationship="family_member", by=holder.user
    )
    response = signed_in(holder.user).post(reverse("accounts:acting_for_invitation_cancel", args=[invitation.uuid]))
    assert response.status_code == 302
    assert signed_in(david).get(reverse("accounts:acting_for_invitation", args=[token])).status_code == 410
    assert Client().get(reverse("accounts:acting_for_invitation", args=["made-up"])).status_code == 404


def test_the_holder_changes_rights_then_ends_the_link_and_the_history_is_kept(holder, david):
    invitation, _ = services.acting_for_invite(
        holder=holder, email="david@example.org", relationship="family_member", by=holder.user
    )
    link = services.acting_for_invitation_accept(invitation=invitation, user=david)
    client = signed_in(holder.user)
    response = client.post(reverse("accounts:acting_for_change", args=[link.pk]), {"rights": []})
    assert response.status_code == 302
    link.refresh_from_db()
    assert not link.may_message
    assert david.has_perm("engagement.view_support", holder), "seeing is part of every live link"
    assert not david.has_perm("accounts.message_for_holder", holder)
    assert client.post(reverse("accounts:acting_for_end", args=[link.pk])).status_code == 302
    link.refresh_from_db()
    assert link.ended_by == holder.user
    assert not david.has_perm("engagement.view_support", holder)
    assert not david.has_perm("accounts.view_holder_records", holder)
    actions = list(ActingForChange.objects.order_by("at", "pk").values_list("action", flat=True))
    assert actions == ["invited", "started", "rights_changed", "ended"]
    change = ActingForChange.objects.first()
    with pytest.raises(ValueError, match="never edited"):
        change.save()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not an email", "relationship": "family_member"}, "Enter an email address in the correct format"),
        ({"email": "a@example.org", "relationship": "boss"}, "Choose how they are helping you"),
        ({"email": "a@example.org", "relationship": "advocate", "rights": ["launch_missiles"]}, "Choose only from"),
        ({"email": "margaret@example.org", "relationship": "advocate"}, "this is your own"),
        ({"email": "", "relationship": ""}, "Enter the email address of the person to invite"),
    ],
)
def test_hostile_invitations_get_a_clear_message_and_keep_what_was_typed(holder, data, message):
    response = signed_in(holder.user).post(reverse("accounts:acting_for"), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body
    assert "govuk-error-summary" in body
    if data["email"]:
        assert f'value="{data["email"]}"' in body
    assert not ActingForInvitation.objects.exists()


@pytest.mark.parametrize("who", ["david", "stranger", "commissioner", "signed_out"])
def test_only_the_holder_manages_who_acts_for_them_on_the_public_site(holder, david, who):
    if who == "signed_out":
        assert Client().get(reverse("accounts:acting_for")).status_code == 302
        return
    user = {"david": david, "stranger": UserFactory(), "commissioner": CommissionerFactory()}[who]
    link = ActingFor.objects.create(agent=david, holder=holder, relationship="family_member", started_on="2026-01-01")
    client = signed_in(user)
    assert client.get(reverse("accounts:acting_for")).status_code == 404
    assert client.post(reverse("accounts:acting_for_end", args=[link.pk])).status_code == 404
    link.refresh_from_db()
    assert link.is_live


def test_a_commissioner_appoints_an_authorised_person_in_the_admin(holder, django_capture_on_commit_callbacks):
    commissioner = CommissionerFactory()
    client = signed_in(commissioner)
    url = reverse("engagement_authorised_person:index")
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"holder": holder.pk, "email": "ap@example.org", "rights": ["message", "see_money"]}
        )
    assert response.status_code == 302
    invitation = ActingForInvitation.objects.get()
    assert (invitation.relationship, invitation.invited_by) == ("authorised_person", commissioner)
    assert mail.outbox[-1].to == ["ap@example.org"]
    # Bad input keeps what was typed.
    response = client.post(url, {"holder": "99999", "email": "nope"})
    assert response.status_code == 400
    assert "Choose the holder from the list" in response.content.decode()


def test_people_who_are_not_commissioners_cannot_appoint_authorised_people(holder):
    client = signed_in(holder.user)
    response = client.post(
        reverse("engagement_authorised_person:index"), {"holder": holder.pk, "email": "ap@example.org"}
    )
    assert response.status_code in (302, 403)
    assert not ActingForInvitation.objects.exists()
