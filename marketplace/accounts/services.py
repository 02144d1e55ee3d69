"""Every write about people: two-factor set-up for staff, provider teams, invitations, and who acts for whom."""

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

from marketplace.core.errors import DomainError
from marketplace.core.notifications import email_send
from marketplace.providers.models import Provider, ProviderMembership

from .models import (
    DEFAULT_RIGHTS,
    INVITATION_LIFETIME_DAYS,
    RIGHT_FIELDS,
    ActingFor,
    ActingForChange,
    ActingForInvitation,
    DirectPaymentHolder,
    ProviderInvitation,
    TeamChange,
    User,
    right_fields,
)


class AccountError(DomainError):
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


# ---------------------------------------------------------------------------
# Acting for someone: the holder (or a commissioner) invites, the invited person
# accepts with their verified address, the holder changes rights or ends it.
# Every change appends an ActingForChange.
# ---------------------------------------------------------------------------


class ActingForError(AccountError):
    """A change to who acts for someone that the rules do not allow; the message says why."""


def _granted(rights: frozenset[str] | set[str]) -> frozenset[str]:
    unknown = set(rights) - set(RIGHT_FIELDS)
    if unknown:
        raise ActingForError("Choose only from the rights listed")
    return frozenset(rights)


def _rights_of(row: ActingFor | ActingForInvitation) -> list[str]:
    return sorted(right for right, field in RIGHT_FIELDS.items() if getattr(row, field))


def acting_for_invitation_path(token: str) -> str:
    return reverse("accounts:acting_for_invitation", kwargs={"token": token})


@transaction.atomic
def acting_for_invite(
    *,
    holder: DirectPaymentHolder,
    email: str,
    relationship: str,
    rights: frozenset[str] | set[str] | None = None,
    by: User | None,
    now: datetime | None = None,
) -> tuple[ActingForInvitation, str]:
    """Invite `email` to act for `holder` as `relationship` with `rights` (the relationship's defaults if None).

    Returns the invitation and the link's token, which is emailed and kept
    nowhere else. Refuses the holder themselves, someone who already acts for
    them in that capacity, and a second pending invitation to the same address.
    """
    moment = now or timezone.now()
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise ActingForError("Enter an email address in the correct format, like name@example.com") from error
    if relationship not in ActingFor.Relationship.values:
        raise ActingForError("Choose how they are related to you")
    granted = _granted(DEFAULT_RIGHTS[relationship] if rights is None else rights)
    if holder.user is not None and holder.user.email.lower() == email:
        raise ActingForError("Enter the email address of someone else: this is your own")
    if ActingFor.objects.filter(
        holder=holder, agent__email__iexact=email, relationship=relationship, ended_on__isnull=True
    ).exists():
        raise ActingForError(f"{email} already acts for {holder.display_name} as {relationship.replace('_', ' ')}")
    pending = ActingForInvitation.objects.filter(
        holder=holder, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=moment
    ).first()
    if pending is not None:
        raise ActingForError(
            f"You have already invited {email}. The invitation lasts until "
            f"{date_format(timezone.localtime(pending.expires_at), 'j F Y')}; cancel it to send a new one."
        )
    token = secrets.token_urlsafe(32)
    invitation = ActingForInvitation.objects.create(
        holder=holder,
        email=email,
        relationship=relationship,
        token_hash=invitation_token_hash(token),
        invited_by=by,
        created_at=moment,
        expires_at=moment + timedelta(days=INVITATION_LIFETIME_DAYS),
        **right_fields(granted),
    )
    ActingForChange.objects.create(
        holder=holder,
        action=ActingForChange.Action.INVITED,
        email=email,
        relationship=relationship,
        rights=sorted(granted),
        invitation=invitation,
        by=by,
        at=moment,
    )
    email_send(
        to=[email],
        subject=f"You are invited to help {holder.display_name} with their support",
        template="acting_for_invitation",
        context={
            "invitation": invitation,
            "holder": holder,
            "invited_by": by,
            "path": acting_for_invitation_path(token),
            "rights": invitation.rights(),
        },
    )
    return invitation, token


def _refuse_unless_acting_invitation_pending(invitation: ActingForInvitation, *, now: datetime) -> None:
    state = invitation.state(now=now)
    if state == "accepted":
        raise ActingForError("This invitation has already been used")
    if state == "revoked":
        raise ActingForError("This invitation has been cancelled")
    if state == "expired":
        raise ActingForError("This invitation has expired")


@transaction.atomic
def acting_for_invitation_cancel(
    *, invitation: ActingForInvitation, by: User | None, now: datetime | None = None
) -> None:
    """Cancel a pending invitation to act for someone: its link stops working."""
    moment = now or timezone.now()
    invitation = ActingForInvitation.objects.select_for_update().get(pk=invitation.pk)
    _refuse_unless_acting_invitation_pending(invitation, now=moment)
    invitation.revoked_at = moment
    invitation.revoked_by = by
    invitation.save(update_fields=["revoked_at", "revoked_by"])
    ActingForChange.objects.create(
        holder_id=invitation.holder_id,
        action=ActingForChange.Action.INVITATION_CANCELLED,
        email=invitation.email,
        relationship=invitation.relationship,
        rights=_rights_of(invitation),
        invitation=invitation,
        by=by,
        at=moment,
    )


@transaction.atomic
def acting_for_invitation_accept(
    *, invitation: ActingForInvitation, user: User, now: datetime | None = None
) -> ActingFor:
    """Start acting for the holder with the invitation's relationship and rights.

    The user must have verified the invited address. A link already live in
    the same capacity takes the invitation's rights.
    """
    moment = now or timezone.now()
    invitation = ActingForInvitation.objects.select_for_update().select_related("holder").get(pk=invitation.pk)
    _refuse_unless_acting_invitation_pending(invitation, now=moment)
    if not EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists():
        raise ActingForError(
            f"This invitation is for {invitation.email}. Sign in with that email address to accept it."
        )
    if invitation.holder.user_id == user.pk:
        raise ActingForError("You cannot act for yourself")
    fields = {field: getattr(invitation, field) for field in RIGHT_FIELDS.values()}
    link = ActingFor.objects.filter(agent=user, holder=invitation.holder, relationship=invitation.relationship).first()
    if link is None:
        link = ActingFor.objects.create(
            agent=user,
            holder=invitation.holder,
            relationship=invitation.relationship,
            started_on=timezone.localdate(moment),
            **fields,
        )
    else:
        # An ended link in the same capacity starts again (the unique constraint allows one row).
        for field, value in fields.items():
            setattr(link, field, value)
        link.ended_on = None
        link.ended_by = None
        link.started_on = timezone.localdate(moment)
        link.save()
    invitation.accepted_at = moment
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    ActingForChange.objects.create(
        holder=invitation.holder,
        action=ActingForChange.Action.STARTED,
        email=user.email,
        relationship=link.relationship,
        rights=_rights_of(link),
        link=link,
        invitation=invitation,
        by=user,
        at=moment,
    )
    return link


@transaction.atomic
def acting_for_change_rights(
    *, link: ActingFor, rights: frozenset[str] | set[str], by: User | None, now: datetime | None = None
) -> ActingFor:
    """Give a live link exactly `rights` (seeing is always part of it)."""
    moment = now or timezone.now()
    granted = _granted(rights)
    link = ActingFor.objects.select_for_update().select_related("agent").get(pk=link.pk)
    if not link.is_live:
        raise ActingForError(f"{link.agent.email} no longer acts for this person")
    for field, value in right_fields(granted).items():
        setattr(link, field, value)
    link.save(update_fields=list(RIGHT_FIELDS.values()))
    ActingForChange.objects.create(
        holder_id=link.holder_id,
        action=ActingForChange.Action.RIGHTS_CHANGED,
        email=link.agent.email,
        relationship=link.relationship,
        rights=sorted(granted),
        link=link,
        by=by,
        at=moment,
    )
    return link


@transaction.atomic
def acting_for_end(*, link: ActingFor, by: User | None, now: datetime | None = None) -> ActingFor:
    """End a live link: from now the person sees and does nothing for the holder. Kept as a record."""
    moment = now or timezone.now()
    link = ActingFor.objects.select_for_update().select_related("agent").get(pk=link.pk)
    if not link.is_live:
        raise ActingForError(f"{link.agent.email} no longer acts for this person")
    link.ended_on = timezone.localdate(moment)
    link.ended_by = by
    link.save(update_fields=["ended_on", "ended_by"])
    ActingForChange.objects.create(
        holder_id=link.holder_id,
        action=ActingForChange.Action.ENDED,
        email=link.agent.email,
        relationship=link.relationship,
        rights=[],
        link=link,
        by=by,
        at=moment,
    )
    return link
