"""Reads about people: roles, two-factor status, teams and invitations."""

from typing import Any

from allauth.mfa.models import Authenticator
from django.db.models import QuerySet

from .models import User
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
