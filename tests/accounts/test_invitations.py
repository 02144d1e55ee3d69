"""A provider's owner manages the team: invitations by email, cancelling them, removing people."""

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import ProviderInvitation, TeamChange
from marketplace.accounts.services import (
    AccountError,
    InvitationError,
    account_email_mark_verified,
    invitation_accept,
    invitation_revoke,
    invitation_send,
    invitation_token_hash,
    team_member_remove,
)
from marketplace.providers.models import Provider, ProviderMembership
from tests.factories import DirectPaymentHolderFactory, ProviderFactory, ProviderMembershipFactory, UserFactory

from .helpers import PASSWORD, link_in_last_email, page_text, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider() -> Provider:
    return ProviderFactory(name="Brightside Support")


@pytest.fixture
def owner(provider):
    user = UserFactory(email="owner@brightside.example")
    account_email_mark_verified(user=user)
    ProviderMembershipFactory(provider=provider, user=user, role=ProviderMembership.Role.OWNER)
    return user


def team_url(provider: Provider) -> str:
    return reverse("accounts:team", kwargs={"provider_uuid": provider.uuid})


def invite(provider, owner, email="new.staff@example.org", role="staff"):
    """Send an invitation and return it with its link path."""
    invitation, token = invitation_send(provider=provider, email=email, role=role, by=owner)
    return invitation, reverse("accounts:invitation", kwargs={"token": token})


# Who may see and manage the team --------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 200),
        ("commissioner", 200),
        ("staff", 404),
        ("owner of another provider", 404),
        ("direct payment holder", 404),
        ("editor", 404),
    ],
)
def test_only_the_owners_and_commissioners_see_a_team(
    client, provider, owner, commissioner_user, editor_user, who, status
):
    people = {
        "owner": owner,
        "commissioner": commissioner_user,
        "editor": editor_user,
        "staff": ProviderMembershipFactory(provider=provider, role=ProviderMembership.Role.STAFF).user,
        "owner of another provider": ProviderMembershipFactory().user,
        "direct payment holder": DirectPaymentHolderFactory().user,
    }
    client.force_login(people[who])

    assert client.get(team_url(provider)).status_code == status


def test_visitors_are_asked_to_sign_in_to_see_a_team(client, provider):
    response = client.get(team_url(provider))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_another_providers_owner_can_neither_invite_nor_cancel_nor_remove(client, provider, owner):
    invitation, _ = invite(provider, owner)
    outsider = ProviderMembershipFactory().user
    client.force_login(outsider)

    responses = [
        client.post(team_url(provider), {"email": "friend@example.org", "role": "owner"}),
        client.post(reverse("accounts:invitation_revoke", args=[provider.uuid, invitation.uuid])),
        client.post(reverse("accounts:member_remove", args=[provider.uuid, owner.provider_memberships.get().pk])),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404]
    assert not ProviderInvitation.objects.filter(email="friend@example.org").exists()
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert provider.memberships.filter(user=owner).exists()


def test_an_unknown_team_is_not_found(client, owner):
    client.force_login(owner)

    assert client.get(reverse("accounts:team", args=["00000000-0000-0000-0000-000000000000"])).status_code == 404


# Inviting -------------------------------------------------------------------------------


def test_the_owner_sees_the_team_and_invites_someone_by_email(
    client, provider, owner, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    page = page_text(client.get(team_url(provider)))
    assert "owner@brightside.example (you)" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(team_url(provider), {"email": " New.Staff@Example.org ", "role": "staff"}, follow=True)

    text = page_text(response)
    assert "We have sent an invitation to new.staff@example.org" in text
    assert "Invitations not yet accepted" in text
    invitation = ProviderInvitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == ("new.staff@example.org", "staff", owner)
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    message = mail.outbox[-1]
    assert message.to == ["new.staff@example.org"]
    assert "Brightside Support" in message.subject
    token = link_in_last_email("new.staff@example.org").rstrip("/").rsplit("/", 1)[-1]
    assert invitation.token_hash == invitation_token_hash(token)
    assert token not in invitation.token_hash, "only a hash of the link is stored"
    assert TeamChange.objects.get().action == TeamChange.Action.INVITED


def test_an_invitation_form_with_mistakes_explains_them_and_keeps_what_was_typed(client, provider, owner):
    client.force_login(owner)

    empty = client.post(team_url(provider), {"email": "", "role": ""})
    assert "Enter the email address of the person to invite" in page_text(empty)
    assert "Choose whether they will be an owner or staff" in page_text(empty)
    assert 'href="#email"' in empty.content.decode()

    wrong = client.post(team_url(provider), {"email": "not-an-email", "role": "staff"})
    html = wrong.content.decode()
    assert "Enter an email address in the correct format" in html
    assert 'value="not-an-email"' in html
    assert not ProviderInvitation.objects.exists()


def test_someone_already_invited_or_in_the_team_is_not_invited_again(client, provider, owner):
    invite(provider, owner, email="asked@example.org")
    client.force_login(owner)

    again = client.post(team_url(provider), {"email": "asked@example.org", "role": "staff"})
    member = client.post(team_url(provider), {"email": owner.email, "role": "staff"})

    assert "You have already invited asked@example.org" in page_text(again)
    assert f"{owner.email} is already in this team" in page_text(member)
    assert ProviderInvitation.objects.count() == 1


def test_a_commissioner_can_invite_an_owner_for_a_provider(client, provider, commissioner_user):
    client.force_login(commissioner_user)

    client.post(team_url(provider), {"email": "founder@example.org", "role": "owner"})

    assert ProviderInvitation.objects.get().invited_by == commissioner_user


# Accepting ------------------------------------------------------------------------------


def test_a_new_person_creates_an_account_with_the_invited_address_and_joins(client, provider, owner):
    invitation, path = invite(provider, owner, role="owner")

    page = client.get(path)
    assert "Join the team for Brightside Support" in page_text(page)
    assert "new.staff@example.org" in page_text(page)
    response = client.post(
        reverse("account_signup") + f"?next={path}",
        {"email": "new.staff@example.org", "password1": PASSWORD, "password2": PASSWORD, "next": path},
    )
    assert response["Location"] == path, "the link already proved the address: no second email to confirm"
    assert EmailAddress.objects.get(email="new.staff@example.org").verified

    response = client.post(path, follow=True)

    assert "You have joined the team for Brightside Support" in page_text(response)
    membership = ProviderMembership.objects.get(provider=provider, user__email="new.staff@example.org")
    assert membership.role == ProviderMembership.Role.OWNER
    invitation.refresh_from_db()
    assert invitation.accepted_by == membership.user
    assert TeamChange.objects.filter(action=TeamChange.Action.JOINED, email="new.staff@example.org").exists()


def test_someone_with_an_account_signs_in_with_the_invited_address_and_joins(client, provider, owner, person):
    _, path = invite(provider, owner, email=person.email)

    response = sign_in(client, person.email, next=path)
    assert response["Location"] == path
    client.post(path)

    assert ProviderMembership.objects.get(provider=provider, user=person).role == "staff"


def test_signed_in_with_another_address_the_invitation_says_so_and_cannot_be_accepted(client, provider, owner, person):
    _, path = invite(provider, owner, email="someone.else@example.org")
    client.force_login(person)

    page = page_text(client.get(path))
    client.post(path)

    assert f"but you are signed in as {person.email}" in page
    assert not ProviderMembership.objects.filter(user=person).exists()


def test_accepting_needs_the_invited_address_to_be_confirmed(provider, owner):
    invitation, _ = invite(provider, owner, email="unconfirmed@example.org")
    user = UserFactory(email="unconfirmed@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)

    with pytest.raises(InvitationError, match="Sign in with that email address"):
        invitation_accept(invitation=invitation, user=user)


@pytest.mark.parametrize("state", ["expired", "revoked", "accepted"])
def test_a_link_that_can_no_longer_be_used_gives_a_clear_page(client, provider, owner, person, state):
    invitation, path = invite(provider, owner, email=person.email)
    if state == "revoked":
        invitation_revoke(invitation=invitation, by=owner)
    elif state == "accepted":
        invitation_accept(invitation=invitation, user=person)

    with time_machine.travel(timezone.now() + timedelta(days=15 if state == "expired" else 0)):
        response = client.get(path)
        posted = client.post(path)

    assert response.status_code == 410
    assert posted.status_code == 410
    assert "This invitation cannot be used" in page_text(response)
    expected = {"expired": "It expired on", "revoked": "cancelled", "accepted": "already been accepted"}[state]
    assert expected in page_text(response)


def test_a_made_up_link_is_not_found_with_a_clear_page(client):
    response = client.get(reverse("accounts:invitation", kwargs={"token": "made-up-token"}))

    assert response.status_code == 404
    assert "This invitation cannot be used" in page_text(response)


def test_an_invitation_cannot_be_accepted_twice(provider, owner, person):
    invitation, _ = invite(provider, owner, email=person.email)
    invitation_accept(invitation=invitation, user=person)

    with pytest.raises(InvitationError, match="already been used"):
        invitation_accept(invitation=invitation, user=person)


# Cancelling and removing ---------------------------------------------------------------


def test_the_owner_cancels_an_invitation_and_its_link_stops_working(client, provider, owner):
    invitation, path = invite(provider, owner)
    client.force_login(owner)

    response = client.post(reverse("accounts:invitation_revoke", args=[provider.uuid, invitation.uuid]), follow=True)

    assert "You have cancelled the invitation to new.staff@example.org" in page_text(response)
    invitation.refresh_from_db()
    assert invitation.revoked_by == owner
    assert client.get(path).status_code == 410
    assert TeamChange.objects.filter(action=TeamChange.Action.INVITATION_REVOKED).count() == 1


def test_the_owner_removes_a_member_after_confirming(client, provider, owner):
    staff = ProviderMembershipFactory(provider=provider, role=ProviderMembership.Role.STAFF)
    url = reverse("accounts:member_remove", args=[provider.uuid, staff.pk])
    client.force_login(owner)

    assert f"Remove {staff.user.email} from the team?" in page_text(client.get(url))
    response = client.post(url, follow=True)

    assert f"You have removed {staff.user.email} from the team" in page_text(response)
    assert not ProviderMembership.objects.filter(pk=staff.pk).exists()
    change = TeamChange.objects.get(action=TeamChange.Action.REMOVED)
    assert (change.email, change.role, change.by) == (staff.user.email, "staff", owner)


def test_the_last_owner_cannot_be_removed(client, provider, owner):
    membership = owner.provider_memberships.get()
    client.force_login(owner)

    response = client.post(reverse("accounts:member_remove", args=[provider.uuid, membership.pk]))

    assert response.status_code == 400
    assert "is the only owner" in page_text(response)
    assert ProviderMembership.objects.filter(pk=membership.pk).exists()
    with pytest.raises(AccountError):
        team_member_remove(membership=membership, by=owner)


def test_an_owner_who_leaves_a_team_with_another_owner_goes_back_to_their_account(client, provider, owner):
    ProviderMembershipFactory(provider=provider, role=ProviderMembership.Role.OWNER)
    client.force_login(owner)

    response = client.post(
        reverse("accounts:member_remove", args=[provider.uuid, owner.provider_memberships.get().pk])
    )

    assert response["Location"] == reverse("accounts:index")


def test_a_member_of_another_team_cannot_be_removed_through_this_one(client, provider, owner):
    elsewhere = ProviderMembershipFactory()
    client.force_login(owner)

    response = client.post(reverse("accounts:member_remove", args=[provider.uuid, elsewhere.pk]))

    assert response.status_code == 404
    assert ProviderMembership.objects.filter(pk=elsewhere.pk).exists()


def test_the_account_page_lists_the_teams_a_person_is_in(client, provider, owner):
    client.force_login(owner)

    text = page_text(client.get(reverse("accounts:index")))

    assert "Brightside Support Owner Manage team" in text
