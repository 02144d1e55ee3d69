"""Who may do what: every permission predicate in one place (django-rules).

Views and admin screens ask `user.has_perm("providers.view_listing", provider)`;
they never test roles themselves.
"""

from typing import Any

import rules
from django.db.models import Q

from .roles import COMMISSIONERS, EDITORS


def _group_names(user: Any) -> frozenset[str]:
    """The names of the user's groups, read once per user object (so once per request).

    An admin page asks for many permissions, and each role predicate used to
    run its own query (35 on the morning dashboard). Like Django's own
    permission cache (`_perm_cache`), the answer lives on the user object, so a
    change of groups shows from the next request, or after `refresh_from_db`.
    """
    cached = user.__dict__.get("_rules_group_names")
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user.__dict__["_rules_group_names"] = cached
    return cached


def forget_group_names(user: Any) -> None:
    """Drop the cached group names (after changing the groups of a user object still in use)."""
    user.__dict__.pop("_rules_group_names", None)


@rules.predicate
def is_commissioner(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or COMMISSIONERS in _group_names(user)))


@rules.predicate
def is_editor(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or EDITORS in _group_names(user)))


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


def _acts_for_holder_with(right: str) -> Any:
    """A predicate: the user is the holder, or has a live `ActingFor` link to them giving `right`."""
    from .models import RIGHT_FIELDS, ActingFor

    field = RIGHT_FIELDS.get(right)

    @rules.predicate(name=f"acts_for_holder_with_{right}")
    def predicate(user: Any, holder: Any) -> bool:
        if not user.is_authenticated or holder is None:
            return False
        if holder.user_id == user.pk:
            return True
        links = ActingFor.objects.filter(holder=holder, agent=user, ended_on__isnull=True)
        if field is not None:
            links = links.filter(**{field: True})
        return bool(links.exists())

    return predicate


acts_for_holder = _acts_for_holder_with("see")
may_message_for_holder = _acts_for_holder_with("message")
may_post_adverts_for_holder = _acts_for_holder_with("post_adverts")
may_agree_support_for_holder = _acts_for_holder_with("agree_support")
may_see_money_of_holder = _acts_for_holder_with("see_money")


@rules.predicate
def is_the_holder(user: Any, holder: Any) -> bool:
    return bool(user.is_authenticated and holder is not None and holder.user_id == user.pk)


@rules.predicate
def acts_for_enquiry_holder(user: Any, enquiry: Any) -> bool:
    """Seeing an enquiry's conversation: the holder it was sent for, or anyone with a live link to them."""
    return enquiry is not None and bool(acts_for_holder.test(user, enquiry.holder))


@rules.predicate
def may_message_for_enquiry_holder(user: Any, enquiry: Any) -> bool:
    return enquiry is not None and bool(may_message_for_holder.test(user, enquiry.holder))


@rules.predicate
def is_member_of_enquiry_provider(user: Any, enquiry: Any) -> bool:
    return enquiry is not None and bool(is_member_of_provider.test(user, enquiry.provider))


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


def _holder_behind(obj: Any) -> Any:
    """The direct payment holder behind an advert or one of its applications."""
    if obj is None:
        return None
    if hasattr(obj, "advert"):
        obj = obj.advert
    return getattr(obj, "holder", None)


@rules.predicate
def sees_records_of_holder_behind(user: Any, obj: Any) -> bool:
    return bool(acts_for_holder.test(user, _holder_behind(obj)))


@rules.predicate
def may_post_adverts_for_holder_behind(user: Any, obj: Any) -> bool:
    return bool(may_post_adverts_for_holder.test(user, _holder_behind(obj)))


@rules.predicate
def is_member_of_published_personal_assistant_listing(user: Any, provider: Any) -> bool:
    """A provider user whose listing is a published personal assistant: who may apply to adverts."""
    if provider is None or provider.kind != "personal_assistant" or not provider.is_published:
        return False
    return bool(is_member_of_provider.test(user, provider))


@rules.predicate
def is_member_of_applying_provider(user: Any, application: Any) -> bool:
    return application is not None and bool(is_member_of_provider.test(user, application.provider))


# A listing: the public sees what is published; its own users see it in any state.
rules.add_perm("providers.view_listing", is_published | is_member_of_provider | is_commissioner)
rules.add_perm("providers.edit_listing", is_member_of_provider | is_commissioner)
rules.add_perm("providers.manage_listing_users", is_owner_of_provider | is_commissioner)
rules.add_perm("providers.change_listing_status", is_commissioner)
rules.add_perm("providers.review_change_request", is_commissioner)
# A direct payment holder's own records: theirs, those acting for them, commissioners.
rules.add_perm("accounts.view_holder_records", acts_for_holder | is_commissioner)
# Acting for someone: each right is the holder's own, or given by a live ActingFor link.
# Commissioners see holders' records but act for nobody unless a link says so.
rules.add_perm("accounts.message_for_holder", may_message_for_holder)
rules.add_perm("accounts.post_adverts_for_holder", may_post_adverts_for_holder)
rules.add_perm("accounts.agree_support_for_holder", may_agree_support_for_holder)
rules.add_perm("accounts.view_holder_money", may_see_money_of_holder | is_commissioner)
# Who acts for a holder: the holder invites and revokes; a commissioner can appoint an
# authorised person for someone who lacks capacity, and end any link.
rules.add_perm("accounts.manage_acting_for", is_the_holder | is_commissioner)
rules.add_perm("accounts.appoint_authorised_person", is_commissioner)
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
# Engagement: a holder's support (shortlist, enquiries, replies) is theirs and those acting for them;
# writing to providers needs the message right (accounts.message_for_holder). A provider's team sees
# and answers the enquiries sent to it, never another provider's. Commissioners see no conversation:
# only messages someone reported, in the safeguarding queue.
rules.add_perm("engagement.view_support", acts_for_holder)
rules.add_perm("engagement.manage_shortlist", acts_for_holder)
rules.add_perm("engagement.view_enquiry_as_holder", acts_for_enquiry_holder)
rules.add_perm("engagement.message_as_holder", may_message_for_enquiry_holder)
rules.add_perm("engagement.answer_enquiry", is_member_of_enquiry_provider)
rules.add_perm("engagement.review_reports", is_commissioner)
# Adverts for personal assistants: whoever may post for the holder writes and manages them
# (shortlist, reply, decline, close); anyone who acts for the holder sees them; a published
# personal assistant listing's users apply; an application is seen by its two sides only.
rules.add_perm("adverts.view_advert_as_advertiser", sees_records_of_holder_behind)
rules.add_perm("adverts.manage_advert", may_post_adverts_for_holder_behind)
rules.add_perm("adverts.apply_as_provider", is_member_of_published_personal_assistant_listing)
rules.add_perm("adverts.view_application", is_member_of_applying_provider | sees_records_of_holder_behind)
rules.add_perm("adverts.reply_as_applicant", is_member_of_applying_provider)

# The email outbox's admin screen (marketplace.core): what failed to send, and resending it.
rules.add_perm("core.manage_outbox", is_commissioner)

# Reviews and back-up plans (marketplace.reviews, marketplace.backups). A review is written by the
# holder or anyone acting for them (the "see" right, as accounts.view_holder_records gives, but not
# commissioners, who moderate instead); only the reviewed provider's own team replies. A holder's
# back-up plans and the alerts that their provider cannot come are theirs and those acting for them;
# a provider's own team marks its absences.
rules.add_perm("reviews.write_review", acts_for_holder)
rules.add_perm("reviews.reply_to_review", is_member_of_provider)
rules.add_perm("reviews.moderate", is_commissioner)
rules.add_perm("backups.manage_plan", acts_for_holder)
rules.add_perm("backups.mark_absence", is_member_of_provider)


# Agreements (support agreements, timesheets, invoices). The object is an agreement, a timesheet
# entry or an invoice. The holder's side sees an agreement with the records right and proposes,
# accepts, changes and ends it with the agree-support right; timesheets and invoices need the money
# right, and only that right approves or queries an entry. The provider's own users act for its
# side. Commissioners see agreements and invoices (a holder's records) but act for neither side.
# A pooled agreement (several holders sharing it, see agreements.PoolMember) is also seen by each
# member's side; its timesheet by each member's money right, who may approve or query it while
# sharing; an invoice only by its own holder's money right, so no member sees another's share.
def _agreement_behind(obj: Any) -> Any:
    if obj is None:
        return None
    return getattr(obj, "agreement", obj)


def _is_invoice(obj: Any) -> bool:
    return hasattr(obj, "transfer_group") and hasattr(obj, "number")


def _acts_for_pool_member(user: Any, agreement: Any, *, right_field: str | None, statuses: tuple[str, ...]) -> bool:
    """The user is, or has a live link with `right_field` to, a member of the agreement's pool in `statuses`."""
    from .models import ActingFor

    if not user.is_authenticated or agreement is None:
        return False
    links = ActingFor.objects.filter(agent=user, ended_on__isnull=True)
    if right_field is not None:
        links = links.filter(**{right_field: True})
    members = agreement.pool_members.filter(status__in=statuses)
    return bool(members.filter(Q(holder__user=user) | Q(holder__in=links.values("holder"))).exists())


SEEING_MEMBERS = ("invited", "joined", "left")
PAYING_MEMBERS = ("joined", "left")


@rules.predicate
def sees_records_of_agreement_holder(user: Any, obj: Any) -> bool:
    agreement = _agreement_behind(obj)
    if agreement is None:
        return False
    if acts_for_holder.test(user, agreement.holder):
        return True
    return _acts_for_pool_member(user, agreement, right_field=None, statuses=SEEING_MEMBERS)


@rules.predicate
def may_agree_support_for_agreement_holder(user: Any, obj: Any) -> bool:
    agreement = _agreement_behind(obj)
    return agreement is not None and bool(may_agree_support_for_holder.test(user, agreement.holder))


@rules.predicate
def may_see_money_of_agreement_holder(user: Any, obj: Any) -> bool:
    if _is_invoice(obj):
        return bool(may_see_money_of_holder.test(user, obj.holder))
    agreement = _agreement_behind(obj)
    if agreement is None:
        return False
    if may_see_money_of_holder.test(user, agreement.holder):
        return True
    return _acts_for_pool_member(user, agreement, right_field="may_see_money", statuses=PAYING_MEMBERS)


@rules.predicate
def may_decide_for_agreement_holder(user: Any, obj: Any) -> bool:
    agreement = _agreement_behind(obj)
    if agreement is None:
        return False
    if may_see_money_of_holder.test(user, agreement.holder):
        return True
    return _acts_for_pool_member(user, agreement, right_field="may_see_money", statuses=("joined",))


@rules.predicate
def may_see_money_of_pool_member(user: Any, member: Any) -> bool:
    """Joining, declining or leaving a pool: whoever holds the money right for that member."""
    return member is not None and bool(may_see_money_of_holder.test(user, member.holder))


@rules.predicate
def is_member_of_agreement_provider(user: Any, obj: Any) -> bool:
    agreement = _agreement_behind(obj)
    return agreement is not None and bool(is_member_of_provider.test(user, agreement.provider))


@rules.predicate
def may_invite_to_pool_as_holder(user: Any, agreement: Any) -> bool:
    """A member's side with the money right invites others (holders they also hold that right for)."""
    if agreement is None:
        return False
    if may_see_money_of_holder.test(user, agreement.holder):
        return True
    return _acts_for_pool_member(user, agreement, right_field="may_see_money", statuses=("joined",))


rules.add_perm("agreements.view_as_holder", sees_records_of_agreement_holder | is_commissioner)
rules.add_perm("agreements.act_as_holder", may_agree_support_for_agreement_holder)
rules.add_perm("agreements.view_money_as_holder", may_see_money_of_agreement_holder | is_commissioner)
rules.add_perm("agreements.decide_timesheets", may_decide_for_agreement_holder)
rules.add_perm("agreements.act_as_provider", is_member_of_agreement_provider)
rules.add_perm("agreements.invite_to_pool", may_invite_to_pool_as_holder)
rules.add_perm("agreements.answer_for_pool_member", may_see_money_of_pool_member)
# Commissioners see every member of a pool by name and every member's invoices (read only).
rules.add_perm("agreements.view_every_pool_member", is_commissioner)
# Payments (marketplace.payments): a provider's own users set up and see its connected account
# ("Get paid online"); nobody else, commissioners included, starts Stripe onboarding for it.
rules.add_perm("payments.manage_payment_account", is_member_of_provider)
# Paying a holder's invoices online: the holder and whoever has the money right, as for recording a
# payment (budgets.manage_money); commissioners see a holder's payments but never pay for them.
rules.add_perm("payments.pay_invoices", may_see_money_of_holder)
# Commissioners see every online payment, refund, dispute, payout and reconciliation, and refund.
rules.add_perm("payments.view_payments", is_commissioner)
rules.add_perm("payments.refund_payments", is_commissioner)
# Budgets (marketplace.budgets): the personal budget ledger and employer duties. The holder and
# whoever has the money right see and manage them; commissioners see every holder's money (read
# only on the holder's pages), adjust a ledger with a reason and see the county's spending.
rules.add_perm("budgets.manage_money", may_see_money_of_holder)
rules.add_perm("budgets.adjust_ledger", is_commissioner)
rules.add_perm("budgets.view_county_spending", is_commissioner)
