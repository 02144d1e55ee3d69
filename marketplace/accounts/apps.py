from typing import Any

from django.apps import AppConfig
from django.db.models.signals import m2m_changed


def _forget_group_names(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A user object whose groups change here forgets the group names the role predicates cached on it."""
    from .rules import forget_group_names

    forget_group_names(instance)


class AccountsConfig(AppConfig):
    name = "marketplace.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        m2m_changed.connect(
            _forget_group_names, sender=get_user_model().groups.through, dispatch_uid="accounts-forget-group-names"
        )
