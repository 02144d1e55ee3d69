"""The shared commissioner admin (marketplace.core.commissioner_admin, decision 0043).

Every URL of every commissioner area refuses anyone who is not a commissioner,
before anything is looked up; the areas' menu items are hidden from them;
superusers count as commissioners and get no more than one.
"""

import uuid
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.urls import URLPattern, converters, reverse
from wagtail.admin.viewsets import viewsets

from marketplace.accounts.models import User
from marketplace.core.commissioner_admin import CommissionerArea, CommissionerPermissionPolicy
from marketplace.monitoring.models import MonitoringVisit
from tests.factories import UserFactory, give_authenticator_app

# Every commissioner area, by URL namespace: a new area joins this list (and so the tests below).
EXPECTED_AREAS = {
    "accreditation_review",
    "accreditation_expiring_report",
    "accreditation_accredited_report",
    "wagtailsnippets_accreditation_checktype",
    "budgets_admin",
    "contingency_admin",
    "engagement_authorised_person",
    "engagement_reports",
    "insights",
    "monitoring_arrangements",
    "monitoring_feedback",
    "monitoring_memberships",
    "monitoring_schedule",
    "monitoring_visits",
    "outbox",
    "payments_admin",
    "providers_change_requests",
    "reviews_moderation",
}
# Wagtail answers a refusal in its admin with 403 to a script, and with its dashboard and a message otherwise.
AS_A_SCRIPT = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def commissioner_areas() -> list[Any]:
    reverse("wagtailadmin_home")  # loading the admin's URLs registers the viewsets
    return [viewset for viewset in viewsets.viewsets if isinstance(viewset, CommissionerArea)]


def argument_for(converter: Any) -> Any:
    """A value for a URL argument that names nothing that exists: the refusal must come before any lookup."""
    if isinstance(converter, converters.IntConverter):
        return 999_999
    if isinstance(converter, converters.UUIDConverter):
        return uuid.uuid4()
    return "nothing-here"


def area_urls() -> list[tuple[str, str]]:
    urls = []
    for area in commissioner_areas():
        for pattern in area.get_urlpatterns():
            if not isinstance(pattern, URLPattern) or not pattern.name:
                continue
            kwargs = {name: argument_for(converter) for name, converter in pattern.pattern.converters.items()}
            name = f"{area.url_namespace}:{pattern.name}"
            urls.append((name, reverse(name, kwargs=kwargs)))
    return urls


AREA_URLS = area_urls()


def test_every_commissioner_area_is_registered_through_the_shared_pattern() -> None:
    assert {area.url_namespace for area in commissioner_areas()} == EXPECTED_AREAS


@pytest.mark.parametrize(("name", "url"), AREA_URLS, ids=[name for name, _ in AREA_URLS])
def test_a_non_commissioner_is_refused_on_every_url_of_every_area(
    name: str, url: str, client: Client, editor_user: User
) -> None:
    client.force_login(editor_user)  # in the admin, but not a commissioner

    assert client.get(url, **AS_A_SCRIPT).status_code == 403
    assert client.post(url, {}, **AS_A_SCRIPT).status_code == 403


def test_a_refusal_in_a_browser_is_wagtails_dashboard_with_a_message(client: Client, editor_user: User) -> None:
    client.force_login(editor_user)

    for _, url in AREA_URLS:
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home")), url
    messages = {str(message).strip() for message in response.wsgi_request._messages}  # type: ignore[attr-defined]
    assert messages == {"Sorry, you do not have permission to access this area."}


@pytest.mark.parametrize("who", ["signed out", "provider user"])
def test_people_outside_the_admin_never_reach_an_area(who: str, client: Client, db: None) -> None:
    if who == "provider user":
        client.force_login(UserFactory.create())

    for _, url in AREA_URLS:
        response = client.get(url)
        assert response.status_code == 302, url
        assert not response["Location"].startswith(url)


def menu_request(user: Any) -> Any:
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_every_areas_menu_item_is_shown_to_commissioners_and_hidden_from_everyone_else(
    commissioner_user: User, editor_user: User
) -> None:
    areas_with_menus = [area for area in commissioner_areas() if area.menu_label]
    assert len(areas_with_menus) == len(EXPECTED_AREAS) - 1  # the budgets ledger is reached from a report

    for area in areas_with_menus:
        item = area.get_menu_item()
        assert item.is_shown(menu_request(commissioner_user)), area.url_namespace
        assert not item.is_shown(menu_request(editor_user)), area.url_namespace
        assert not item.is_shown(menu_request(AnonymousUser())), area.url_namespace


def test_the_admin_menu_names_no_commissioner_area_to_an_editor(
    client: Client, commissioner_user: User, editor_user: User
) -> None:
    labels = ["Morning dashboard", "Vetting", "Monitoring", "Contingency", "Online payments", "Provider changes"]

    client.force_login(commissioner_user)
    page = client.get("/admin/").content.decode()
    assert all(f'"{label}"' in page for label in labels)

    client.force_login(editor_user)
    page = client.get("/admin/").content.decode()
    assert not any(f'"{label}"' in page for label in labels)


@pytest.fixture
def superuser(db: None) -> User:
    user: User = User.objects.create_superuser("root@example.org", "a long password")
    return give_authenticator_app(user)


def test_a_superuser_is_a_commissioner_in_every_area(client: Client, superuser: User) -> None:
    for area in commissioner_areas():
        if area.menu_label:
            assert area.get_menu_item().is_shown(menu_request(superuser)), area.url_namespace

    client.force_login(superuser)
    for name in ["contingency_admin:index", "insights:dashboard", "payments_admin:index", "monitoring_visits:index"]:
        assert client.get(reverse(name)).status_code == 200, name


def test_a_superuser_gets_no_more_than_a_commissioner(superuser: User, commissioner_user: User) -> None:
    policy = CommissionerPermissionPolicy(MonitoringVisit, permission="monitoring.manage", actions={"change", "view"})

    for user in (superuser, commissioner_user):
        assert policy.user_has_permission(user, "change")
        assert not policy.user_has_permission(user, "delete")


def test_the_policy_names_every_commissioner_and_nobody_else(
    superuser: User, commissioner_user: User, editor_user: User
) -> None:
    policy = CommissionerPermissionPolicy(MonitoringVisit, permission="monitoring.manage", actions={"change", "view"})

    assert set(policy.users_with_any_permission(["change"])) == set(User.objects.commissioners())
    assert set(policy.users_with_any_permission(["change"])) == {superuser, commissioner_user}
    assert not policy.users_with_any_permission(["delete"]).exists()
    assert not policy.user_has_permission(editor_user, "view")
