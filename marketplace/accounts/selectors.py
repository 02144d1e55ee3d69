"""Reads about people: roles, two-factor status, teams and invitations."""

from typing import Any

from allauth.mfa.models import Authenticator
from django.db.models import Case, QuerySet, When

from .models import ProviderInvitation, TeamChange, User
from .roles import COMMISSIONERS


def user_must_use_multi_factor(user: Any) -> bool:
    """Commissioners and editors (and superusers) must sign in with a second factor."""
    return bool(user.has_perm("accounts.must_use_multi_factor"))


def user_has_totp(user: Any) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def commissioner_email_addresses() -> list[str]:
    """The addresses of every active member of the Commissioners group, for notifications."""
    return list(
        User.objects.filter(is_active=True, groups__name=COMMISSIONERS)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def active_users() -> QuerySet[User]:
    return User.objects.filter(is_active=True)


def user_belongs_to_a_provider(user: Any) -> bool:
    from marketplace.providers.models import ProviderMembership

    return bool(user.is_authenticated and ProviderMembership.objects.filter(user_id=user.pk).exists())


def user_is_or_acts_for_a_holder(user: Any) -> bool:
    """A direct payment holder, or someone with a live link to act for one."""
    from django.db.models import Q

    from .models import DirectPaymentHolder

    return bool(
        user.is_authenticated
        and DirectPaymentHolder.objects.filter(
            Q(user_id=user.pk) | Q(agents__agent_id=user.pk, agents__ended_on__isnull=True)
        ).exists()
    )


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
