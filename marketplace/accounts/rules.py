"""Who may do what: every permission predicate in one place (django-rules).

Views and admin screens ask `user.has_perm("providers.view_listing", provider)`;
they never test roles themselves.
"""

from typing import Any

import rules

from .roles import COMMISSIONERS, EDITORS


@rules.predicate
def is_commissioner(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.groups.filter(name=COMMISSIONERS).exists()))


@rules.predicate
def is_editor(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.groups.filter(name=EDITORS).exists()))


@rules.predicate
def is_member_of_provider(user: Any, provider: Any) -> bool:
    if not user.is_authenticated or provider is None:
        return False
    return bool(provider.memberships.filter(user=user).exists())


@rules.predicate
def is_owner_of_provider(user: Any, provider: Any) -> bool:
    if not user.is_authenticated or provider is None:
        return False
    return bool(provider.memberships.filter(user=user, role="owner").exists())


@rules.predicate
def is_published(user: Any, provider: Any) -> bool:
    return provider is not None and bool(provider.is_published)


@rules.predicate
def acts_for_holder(user: Any, holder: Any) -> bool:
    if not user.is_authenticated or holder is None:
        return False
    if holder.user_id == user.pk:
        return True
    return bool(holder.agents.filter(agent=user, ended_on__isnull=True).exists())


def _provider_of(obj: Any) -> Any:
    """The provider behind a provider, one of its checks, or a check's evidence."""
    if obj is None:
        return None
    if hasattr(obj, "provider_check"):
        obj = obj.provider_check
    if hasattr(obj, "provider") and not hasattr(obj, "memberships"):
        return obj.provider
    return obj


@rules.predicate
def is_member_of_the_provider_behind(user: Any, obj: Any) -> bool:
    return bool(is_member_of_provider.test(user, _provider_of(obj)))


# A listing: the public sees what is published; its own users see it in any state.
rules.add_perm("providers.view_listing", is_published | is_member_of_provider | is_commissioner)
rules.add_perm("providers.edit_listing", is_member_of_provider | is_commissioner)
rules.add_perm("providers.manage_listing_users", is_owner_of_provider | is_commissioner)
rules.add_perm("providers.change_listing_status", is_commissioner)
rules.add_perm("providers.review_change_request", is_commissioner)
# A direct payment holder's own records: theirs, those acting for them, commissioners.
rules.add_perm("accounts.view_holder_records", acts_for_holder | is_commissioner)
# Accreditation: commissioners review checks and decide on the accredited supplier list.
rules.add_perm("accreditation.decide", is_commissioner)
# The commissioners' morning dashboard and reports (insights app) in the Wagtail admin.
rules.add_perm("insights.view_dashboard", is_commissioner)
# Council staff (commissioners, editors) must sign in with two-factor authentication.
rules.add_perm("accounts.must_use_multi_factor", is_commissioner | is_editor)
# Provider-failure contingency flags: commissioners only; never the provider, never the public.
rules.add_perm("contingency.manage_flags", is_commissioner)
# Contract monitoring: commissioners record visits and manage arrangements and feedback;
# a provider's own users see its published outcomes and answer its actions; nobody else does.
rules.add_perm("monitoring.manage", is_commissioner)
rules.add_perm("monitoring.view_outcomes", is_member_of_provider | is_commissioner)
rules.add_perm("monitoring.respond_to_actions", is_member_of_provider)
# Vetting: a provider's own users keep its checks and evidence; evidence is seen only by them
# and commissioners (every view logged). The object may be a provider, a check or evidence.
rules.add_perm("accreditation.manage_checks", is_member_of_the_provider_behind)
rules.add_perm("accreditation.view_evidence", is_member_of_the_provider_behind | is_commissioner)
