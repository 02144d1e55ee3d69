"""Reads about people: roles, two-factor status, teams and invitations, and who acts for whom."""

from typing import Any

from allauth.mfa.models import Authenticator
from django.db.models import Case, Q, QuerySet, When
from django.utils import timezone

from .models import (
    ActingFor,
    ActingForChange,
    ActingForInvitation,
    DirectPaymentHolder,
    ProviderInvitation,
    TeamChange,
    User,
)


def user_must_use_multi_factor(user: Any) -> bool:
    """Commissioners and editors (and superusers) must sign in with a second factor."""
    return bool(user.has_perm("accounts.must_use_multi_factor"))


def user_has_totp(user: Any) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def commissioner_email_addresses() -> list[str]:
    """The addresses of every commissioner (`User.objects.commissioners()`), for notifications."""
    return list(
        User.objects.commissioners().exclude(email="").order_by("email").values_list("email", flat=True).distinct()
    )


def active_users() -> QuerySet[User]:
    return User.objects.filter(is_active=True)


def user_belongs_to_a_provider(user: Any) -> bool:
    from marketplace.providers.models import ProviderMembership

    return bool(user.is_authenticated and ProviderMembership.objects.filter(user_id=user.pk).exists())


def invitation_by_token(token: str) -> ProviderInvitation | None:
    """The invitation a link's token belongs to, in any state; None for a token we never issued."""
    from .services import invitation_token_hash

    if not token or len(token) > 100:
        return None
    return (
        ProviderInvitation.objects.select_related("provider", "invited_by")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


def team_members(provider: Any) -> QuerySet[Any]:
    """A provider's team: owners first, then staff, each by email address."""
    from marketplace.providers.models import ProviderMembership

    return (
        ProviderMembership.objects.filter(provider=provider)
        .select_related("user")
        .order_by(Case(When(role=ProviderMembership.Role.OWNER, then=0), default=1), "user__email")
    )


def team_pending_invitations(provider: Any) -> QuerySet[ProviderInvitation]:
    return ProviderInvitation.objects.pending().filter(provider=provider).select_related("invited_by")


def team_recent_changes(provider: Any, *, limit: int = 20) -> list[TeamChange]:
    return list(TeamChange.objects.filter(provider=provider).select_related("by")[:limit])


def user_memberships(user: Any) -> QuerySet[Any]:
    """The provider teams a person belongs to, with their role in each."""
    from marketplace.providers.models import ProviderMembership

    return ProviderMembership.objects.filter(user_id=user.pk).select_related("provider").order_by("provider__name")


def holders_for_user(user: Any) -> list[DirectPaymentHolder]:
    """The holders a person may see the support of: themselves first, then those they act for, by name.

    One query. Each holder carries `acting_link`: the person's live ActingFor
    link to them, or None for their own record.
    """
    if not getattr(user, "is_authenticated", False):
        return []
    holders = list(
        DirectPaymentHolder.objects.filter(
            Q(user_id=user.pk) | Q(agents__agent_id=user.pk, agents__ended_on__isnull=True)
        )
        .distinct()
        .order_by("display_name", "pk")
    )
    if not holders:
        return []
    links = {
        link.holder_id: link
        for link in ActingFor.objects.filter(
            agent_id=user.pk, holder_id__in=[holder.pk for holder in holders], ended_on__isnull=True
        ).order_by("pk")
    }
    for holder in holders:
        holder.acting_link = None if holder.user_id == user.pk else links.get(holder.pk)  # type: ignore[attr-defined]
    holders.sort(key=lambda holder: (holder.user_id != user.pk, holder.display_name.lower(), holder.pk))
    return holders


def user_acts_for_anyone(user: Any) -> bool:
    """Whether the person is a holder or has a live link to one (the header's "Your support" link)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(
        DirectPaymentHolder.objects.filter(
            Q(user_id=user.pk) | Q(agents__agent_id=user.pk, agents__ended_on__isnull=True)
        ).exists()
    )


def holder_own_record(user: Any) -> DirectPaymentHolder | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return DirectPaymentHolder.objects.filter(user_id=user.pk).first()


def holder_agents(holder: DirectPaymentHolder) -> QuerySet[ActingFor]:
    """Who acts for a holder now, by name."""
    return (
        ActingFor.objects.filter(holder=holder, ended_on__isnull=True)
        .select_related("agent")
        .order_by("agent__first_name", "agent__last_name", "agent__email")
    )


def holder_pending_agent_invitations(holder: DirectPaymentHolder) -> QuerySet[ActingForInvitation]:
    return ActingForInvitation.objects.filter(
        holder=holder, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def holder_agent_changes(holder: DirectPaymentHolder, *, limit: int = 20) -> list[ActingForChange]:
    return list(ActingForChange.objects.filter(holder=holder).select_related("by")[:limit])


def acting_for_invitation_by_token(token: str) -> ActingForInvitation | None:
    """The invitation to act for someone a link's token belongs to, in any state; None if never issued."""
    from .services import invitation_token_hash

    if not token or len(token) > 100:
        return None
    return (
        ActingForInvitation.objects.select_related("holder", "invited_by")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


# The rights a link can give (the may_* fields of ActingFor) that decide who is emailed about a holder.
HOLDER_EMAIL_RIGHTS = frozenset({"may_message", "may_post_adverts", "may_agree_support", "may_see_money"})


def holder_email_addresses(holder: DirectPaymentHolder, *, right: str | None = None) -> list[str]:
    """Who is emailed about a holder: the holder, if they sign in, and everyone with a live link to act for
    them (only links giving `right`, a may_* field of ActingFor, when it is given); each address once, sorted.
    A deactivated user is never emailed. One query."""
    links = Q(acting_for__holder=holder, acting_for__ended_on__isnull=True)
    if right is not None:
        if right not in HOLDER_EMAIL_RIGHTS:
            raise ValueError(f"Not a right a link gives: {right}")
        links &= Q(**{f"acting_for__{right}": True})
    users = User.objects.filter(is_active=True).filter(Q(pk=holder.user_id) | links)
    return sorted({address for address in users.values_list("email", flat=True) if address})
