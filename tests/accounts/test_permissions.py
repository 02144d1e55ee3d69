"""Every role against every listing permission, including the wrong provider."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from marketplace.accounts.models import ActingFor
from marketplace.accounts.roles import COMMISSIONERS, EDITORS
from marketplace.providers.models import Provider
from tests.factories import (
    DirectPaymentHolderFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    UserFactory,
    days_ago,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    own = ProviderFactory(status=Provider.Status.DRAFT)
    other = ProviderFactory(status=Provider.Status.DRAFT)
    commissioner = UserFactory()
    commissioner.groups.add(Group.objects.get_or_create(name=COMMISSIONERS)[0])
    editor = UserFactory()
    editor.groups.add(Group.objects.get_or_create(name=EDITORS)[0])
    owner = ProviderMembershipFactory(provider=own).user
    staff = ProviderMembershipFactory(provider=own, role="staff").user
    other_owner = ProviderMembershipFactory(provider=other).user
    holder = DirectPaymentHolderFactory()
    return {
        "own": own,
        "other": other,
        "commissioner": commissioner,
        "editor": editor,
        "owner": owner,
        "staff": staff,
        "other_owner": other_owner,
        "holder": holder,
        "anonymous": AnonymousUser(),
    }


@pytest.mark.parametrize(
    ("who", "can_view", "can_edit", "can_manage_users", "can_change_status"),
    [
        ("owner", True, True, True, False),
        ("staff", True, True, False, False),
        ("other_owner", False, False, False, False),
        ("commissioner", True, True, True, True),
        ("editor", False, False, False, False),
        ("anonymous", False, False, False, False),
    ],
)
def test_unpublished_listing_permissions_by_role(people, who, can_view, can_edit, can_manage_users, can_change_status):
    user = people[who]
    provider = people["own"]
    assert user.has_perm("providers.view_listing", provider) is can_view
    assert user.has_perm("providers.edit_listing", provider) is can_edit
    assert user.has_perm("providers.manage_listing_users", provider) is can_manage_users
    assert user.has_perm("providers.change_listing_status", provider) is can_change_status


def test_holder_user_cannot_see_unpublished_listing(people):
    assert not people["holder"].user.has_perm("providers.view_listing", people["own"])


def test_everyone_can_view_a_published_listing(people):
    published = ProviderFactory()
    for who in ("owner", "other_owner", "editor", "anonymous", "commissioner"):
        assert people[who].has_perm("providers.view_listing", published), who
    assert not people["other_owner"].has_perm("providers.edit_listing", published)


def test_holder_records_visible_to_holder_agents_and_commissioners_only(people):
    holder = people["holder"]
    daughter = UserFactory()
    former_money_manager = UserFactory()
    ActingFor.objects.create(agent=daughter, holder=holder, relationship="family_member", started_on=days_ago(300))
    ActingFor.objects.create(
        agent=former_money_manager,
        holder=holder,
        relationship="money_manager",
        started_on=days_ago(300),
        ended_on=days_ago(10),
    )
    assert holder.user.has_perm("accounts.view_holder_records", holder)
    assert daughter.has_perm("accounts.view_holder_records", holder)
    assert people["commissioner"].has_perm("accounts.view_holder_records", holder)
    assert not former_money_manager.has_perm("accounts.view_holder_records", holder)
    assert not people["owner"].has_perm("accounts.view_holder_records", holder)
    assert not AnonymousUser().has_perm("accounts.view_holder_records", holder)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("perm", "right_field"),
    [
        ("accounts.message_for_holder", "may_message"),
        ("accounts.post_adverts_for_holder", "may_post_adverts"),
        ("accounts.agree_support_for_holder", "may_agree_support"),
        ("accounts.view_holder_money", "may_see_money"),
    ],
)
def test_each_acting_for_right_is_given_only_by_its_own_flag_on_a_live_link(people, perm, right_field):
    holder = people["holder"]
    with_right = UserFactory()
    without_right = UserFactory()
    revoked = UserFactory()
    ActingFor.objects.create(
        agent=with_right, holder=holder, relationship="advocate", started_on=days_ago(10), **{right_field: True}
    )
    ActingFor.objects.create(agent=without_right, holder=holder, relationship="advocate", started_on=days_ago(10))
    ActingFor.objects.create(
        agent=revoked,
        holder=holder,
        relationship="advocate",
        started_on=days_ago(10),
        ended_on=days_ago(1),
        **{right_field: True},
    )

    assert holder.user.has_perm(perm, holder)
    assert with_right.has_perm(perm, holder)
    assert without_right.has_perm("accounts.view_holder_records", holder)
    assert not without_right.has_perm(perm, holder)
    assert not revoked.has_perm(perm, holder)
    assert not revoked.has_perm("accounts.view_holder_records", holder)
    assert not people["owner"].has_perm(perm, holder)
    assert not AnonymousUser().has_perm(perm, holder)


@pytest.mark.django_db
def test_only_the_holder_and_commissioners_manage_who_acts_for_them(people):
    holder = people["holder"]
    family = UserFactory()
    ActingFor.objects.create(
        agent=family, holder=holder, relationship="authorised_person", started_on=days_ago(5), may_message=True
    )

    assert holder.user.has_perm("accounts.manage_acting_for", holder)
    assert people["commissioner"].has_perm("accounts.manage_acting_for", holder)
    assert people["commissioner"].has_perm("accounts.appoint_authorised_person", holder)
    assert not family.has_perm("accounts.manage_acting_for", holder)
    assert not holder.user.has_perm("accounts.appoint_authorised_person", holder)
    assert not people["commissioner"].has_perm("accounts.message_for_holder", holder)
