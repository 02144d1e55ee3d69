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
