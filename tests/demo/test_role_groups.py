"""The role groups made by accounts migration 0002 (the demo logins rely on them)."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import GroupCollectionPermission, GroupPagePermission

from cms.models import HomePage
from marketplace.accounts.models import User
from marketplace.accounts.roles import COMMISSIONERS, EDITORS


def codenames(group: Group) -> set[str]:
    rows = group.permissions.values_list("content_type__app_label", "codename")
    return {f"{app}.{codename}" for app, codename in rows}


@pytest.mark.django_db
def test_commissioners_manage_providers_and_settings_in_the_admin():
    permissions = codenames(Group.objects.get(name=COMMISSIONERS))

    assert {
        "wagtailadmin.access_admin",
        "providers.add_provider",
        "providers.change_provider",
        "providers.view_provider",
        "providers.view_servicetype",
        "providers.view_language",
        "cms.change_councilsettings",
    } <= permissions
    assert "providers.delete_provider" not in permissions
    assert "providers.change_servicetype" not in permissions


@pytest.mark.django_db
def test_a_commissioner_user_gets_the_group_permissions():
    user = User.objects.create_user("commissioner@example.org", "correct horse battery staple")
    user.groups.add(Group.objects.get(name=COMMISSIONERS))

    assert user.has_perm("providers.change_provider")
    assert not user.has_perm("providers.delete_provider")


@pytest.mark.django_db
def test_editors_edit_and_publish_pages_under_home_and_the_taxonomies():
    editors = Group.objects.get(name=EDITORS)
    home = HomePage.objects.get()

    page_permissions = set(
        GroupPagePermission.objects.filter(group=editors, page=home).values_list("permission__codename", flat=True)
    )
    assert {"add_page", "change_page", "publish_page"} <= page_permissions
    assert {"wagtailadmin.access_admin", "providers.change_servicetype", "providers.add_specialism"} <= codenames(
        editors
    )
    collection_permissions = set(
        GroupCollectionPermission.objects.filter(group=editors).values_list("permission__codename", flat=True)
    )
    assert {"add_image", "change_image", "add_document", "change_document"} <= collection_permissions
