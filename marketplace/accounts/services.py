"""Every write about people: two-factor set-up for staff, provider teams and invitations."""

import base64
import hashlib
import secrets
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from marketplace.core.notifications import email_send
from marketplace.providers.models import Provider, ProviderMembership

from .models import INVITATION_LIFETIME_DAYS, ProviderInvitation, TeamChange, User


class AccountError(Exception):
    """A change to an account or a team that the rules do not allow; the message is for people."""


@transaction.atomic
def mfa_totp_activate(*, user: User, secret: str) -> Authenticator:
    """Give `user` an authenticator app with a known base32 `secret` (demo logins and tests).

    People set theirs up on the two-factor pages, where allauth makes the
    secret and shows it as a QR code. Replaces an authenticator app the user
    already had.
    """
    try:
        base64.b32decode(secret, casefold=True)
    except ValueError as error:
        raise AccountError("The authenticator secret must be base32 (letters A to Z and digits 2 to 7)") from error
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    return TOTP.activate(user, secret.upper()).instance


@transaction.atomic
def account_email_mark_verified(*, user: User) -> EmailAddress:
    """Record the user's address as verified and primary, as if they had confirmed it.

    For accounts the council makes itself (demo logins, `createsuperuser`
    followed by this): people who sign up confirm theirs by email.
    """
    EmailAddress.objects.filter(user=user, primary=True).exclude(email__iexact=user.email).update(primary=False)
    address, _ = EmailAddress.objects.update_or_create(
        user=user, email__iexact=user.email, defaults={"email": user.email, "verified": True, "primary": True}
    )
    return address


class InvitationError(AccountError):
    """An invitation that cannot be sent, accepted or cancelled; the message says why."""


def invitation_token_hash(token: str) -> str:
    """What is stored for an invitation link's token: its SHA-256, so the database never holds a usable link."""
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_path(token: str) -> str:
    return reverse("accounts:invitation", kwargs={"token": token})


@transaction.atomic
def invitation_send(
    *, provider: Provider, email: str, role: str, by: User | None, now: datetime | None = None
) -> tuple[ProviderInvitation, str]:
    """Invite `email` to `provider`'s team as owner or staff, and email them the link.

    Returns the invitation and the link's token (shown nowhere else: only its
    hash is kept). Refuses someone already in the team or already invited.
    """
    moment = now or timezone.now()
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise InvitationError("Enter an email address in the correct format, like name@example.com") from error
    if role not in ProviderInvitation.Role.values:
        raise InvitationError("Choose whether they will be an owner or staff")
    # Two owners inviting the same person at once: the second waits here, then sees the first's.
    Provider.objects.select_for_update().only("pk").get(pk=provider.pk)
    if ProviderMembership.objects.filter(provider=provider, user__email__iexact=email).exists():
        raise InvitationError(f"{email} is already in this team")
    existing = ProviderInvitation.objects.pending(now=moment).filter(provider=provider, email__iexact=email).first()
    if existing is not None:
        raise InvitationError(
            f"You have already invited {email}. The invitation lasts until "
            f"{date_format(timezone.localtime(existing.expires_at), 'j F Y')}; cancel it to send a new one."
        )
    token = secrets.token_urlsafe(32)
    invitation = ProviderInvitation.objects.create(
        provider=provider,
        email=email,
        role=role,
        token_hash=invitation_token_hash(token),
        invited_by=by,
        created_at=moment,
        expires_at=moment + timedelta(days=INVITATION_LIFETIME_DAYS),
    )
    TeamChange.objects.create(
        provider=provider,
        action=TeamChange.Action.INVITED,
        email=email,
        role=role,
        by=by,
        invitation=invitation,
        at=moment,
    )
    email_send(
        to=[email],
        subject=f"You are invited to manage {provider.name}'s listing",
        template="invitation",
        context={"invitation": invitation, "provider": provider, "invited_by": by, "path": invitation_path(token)},
    )
    return invitation, token


def _refuse_unless_pending(invitation: ProviderInvitation, *, now: datetime) -> None:
    if invitation.accepted_at:
        raise InvitationError("This invitation has already been used")
    if invitation.revoked_at:
        raise InvitationError("This invitation has been cancelled")
    if invitation.is_expired(now=now):
        raise InvitationError("This invitation has expired")


@transaction.atomic
def invitation_revoke(*, invitation: ProviderInvitation, by: User | None, now: datetime | None = None) -> None:
    """Cancel a pending invitation: its link stops working."""
    moment = now or timezone.now()
    invitation = ProviderInvitation.objects.select_for_update().get(pk=invitation.pk)
    _refuse_unless_pending(invitation, now=moment)
    invitation.revoked_at = moment
    invitation.revoked_by = by
    invitation.save(update_fields=["revoked_at", "revoked_by"])
    TeamChange.objects.create(
        provider=invitation.provider,
        action=TeamChange.Action.INVITATION_REVOKED,
        email=invitation.email,
        role=invitation.role,
        by=by,
        invitation=invitation,
        at=moment,
    )


@transaction.atomic
def invitation_accept(
    *, invitation: ProviderInvitation, user: User, now: datetime | None = None
) -> ProviderMembership:
    """Join the team the invitation is for, as its role. The user must have verified the invited address."""
    moment = now or timezone.now()
    invitation = ProviderInvitation.objects.select_for_update().select_related("provider").get(pk=invitation.pk)
    _refuse_unless_pending(invitation, now=moment)
    if not EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists():
        raise InvitationError(
            f"This invitation is for {invitation.email}. Sign in with that email address to accept it."
        )
    membership, created = ProviderMembership.objects.get_or_create(
        provider=invitation.provider, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = moment
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if created:
        TeamChange.objects.create(
            provider=invitation.provider,
            action=TeamChange.Action.JOINED,
            email=user.email,
            role=membership.role,
            by=user,
            invitation=invitation,
            at=moment,
        )
    return membership


@transaction.atomic
def team_member_remove(*, membership: ProviderMembership, by: User | None, now: datetime | None = None) -> None:
    """Take someone off a provider's team. A team always keeps at least one owner."""
    moment = now or timezone.now()
    owners = list(
        ProviderMembership.objects.select_for_update()
        .filter(provider_id=membership.provider_id, role=ProviderMembership.Role.OWNER)
        .values_list("pk", flat=True)
    )
    membership = ProviderMembership.objects.select_related("user", "provider").get(pk=membership.pk)
    if membership.role == ProviderMembership.Role.OWNER and owners == [membership.pk]:
        raise AccountError(f"{membership.user.email} is the only owner. Invite another owner before you remove them.")
    TeamChange.objects.create(
        provider=membership.provider,
        action=TeamChange.Action.REMOVED,
        email=membership.user.email,
        role=membership.role,
        by=by,
        at=moment,
    )
    membership.delete()
