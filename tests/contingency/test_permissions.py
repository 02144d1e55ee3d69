"""Only commissioners reach flags; nothing about a flag reaches the public or the provider."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cms.models import CouncilSettings
from marketplace.contingency.models import ContingencyFlag, Level
from marketplace.contingency.services import (
    NEUTRAL_NOTICES,
    contingency_add_affected_person,
    contingency_add_event,
    contingency_change_level,
    contingency_set_visibility,
    contingency_signal,
    contingency_upload_plan,
)
from marketplace.providers.models import Provider
from search.documents import provider_documents
from tests.factories import (
    DirectPaymentHolderFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    ServiceTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SECRET_DETAIL = "Whistleblower says wages unpaid since March"
SECRET_REASON = "Escalated after the administrator was appointed"
# Words that would give a flag away on any page that is not the commissioners' own.
FLAG_WORDS = [
    SECRET_DETAIL,
    SECRET_REASON,
    "contingency",
    "Contingency",
    "at risk",
    "At risk",
    "failing",
    "Failing",
    "s.48",
    "ASC-7781",
    "Rated Poor at the visit",
]


@pytest.fixture
def flagged(db: None, commissioner_user: Any) -> ContingencyFlag:
    """A published provider with an open flag at "failing", a timeline, a plan and someone affected."""
    provider = ProviderFactory.create(
        name="Meadowbank Homecare", slug="meadowbank-homecare", services=[ServiceTypeFactory.create(name="Home care")]
    )
    flag = contingency_signal(provider=provider, signal="poor_monitoring_rating", detail="Rated Poor at the visit")
    assert flag is not None
    contingency_signal(provider=provider, signal="insolvency", detail=SECRET_DETAIL)
    contingency_change_level(flag=flag, to_level=Level.FAILING, by=commissioner_user, reason=SECRET_REASON)
    contingency_add_event(flag=flag, by=commissioner_user, kind="communication", party="cqc", summary=SECRET_DETAIL)
    contingency_add_affected_person(flag=flag, by=commissioner_user, reference="ASC-7781")
    contingency_upload_plan(
        flag=flag, by=commissioner_user, upload=SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n%%EOF\n")
    )
    return flag


def _user(role: str, flag: ContingencyFlag, request: Any) -> Any:
    if role == "anonymous":
        return None
    if role == "direct_payment_holder":
        return DirectPaymentHolderFactory.create().user
    if role == "own_provider_user":
        return ProviderMembershipFactory.create(provider=flag.provider).user
    if role == "other_provider_user":
        return ProviderMembershipFactory.create(provider=ProviderFactory.create()).user
    if role == "editor":
        return request.getfixturevalue("editor_user")
    raise ValueError(role)


ROLES_WITHOUT_ACCESS = ["anonymous", "direct_payment_holder", "own_provider_user", "other_provider_user", "editor"]


def flag_urls(flag: ContingencyFlag) -> list[str]:
    return [
        reverse("contingency_admin:index"),
        reverse("contingency_admin:index") + "?export=csv",
        reverse("contingency_admin:flag", args=[flag.pk]),
        reverse("contingency_admin:plan_file", args=[flag.pk]),
        reverse("contingency_admin:open", args=[flag.provider.pk]),
    ]


@pytest.mark.parametrize("role", ROLES_WITHOUT_ACCESS)
def test_no_one_but_a_commissioner_has_the_permission(role: str, flagged: ContingencyFlag, request: Any) -> None:
    user = _user(role, flagged, request)
    if user is None:
        from django.contrib.auth.models import AnonymousUser

        user = AnonymousUser()

    assert not user.has_perm("contingency.manage_flags")


def test_a_commissioner_has_the_permission(commissioner_user: Any) -> None:
    assert commissioner_user.has_perm("contingency.manage_flags")


@pytest.mark.parametrize("role", ROLES_WITHOUT_ACCESS)
def test_no_flag_page_is_reachable_without_the_permission(
    role: str, flagged: ContingencyFlag, client: Client, request: Any
) -> None:
    user = _user(role, flagged, request)
    if user is not None:
        client.force_login(user)

    for url in flag_urls(flagged):
        response = client.get(url)
        assert response.status_code in {302, 403, 404}, url
        if response.status_code == 302:
            assert response["Location"] != url
            assert "/admin/contingency/" not in response["Location"].split("?")[0]
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"Meadowbank" not in body
        assert b"%PDF" not in body


@pytest.mark.parametrize("role", ROLES_WITHOUT_ACCESS)
def test_no_change_is_possible_without_the_permission(
    role: str, flagged: ContingencyFlag, client: Client, request: Any
) -> None:
    user = _user(role, flagged, request)
    if user is not None:
        client.force_login(user)
    changes_before = flagged.level_changes.count()

    client.post(
        reverse("contingency_admin:change_level", args=[flagged.pk]), {"to_level": "watch", "reason": "Nothing"}
    )
    client.post(reverse("contingency_admin:close", args=[flagged.pk]), {"outcome": "recovered", "reason": "Fine"})

    flagged.refresh_from_db()
    assert flagged.level == Level.FAILING
    assert flagged.level_changes.count() == changes_before
    assert flagged.bcp_views.count() == 0


def test_a_commissioner_reaches_every_flag_page(
    flagged: ContingencyFlag, client: Client, commissioner_user: Any
) -> None:
    client.force_login(commissioner_user)

    for url in flag_urls(flagged):
        response = client.get(url)
        assert response.status_code in {200, 302}, url
        if response.status_code == 302:  # opening a second flag goes to the open one
            assert response["Location"].startswith(reverse("contingency_admin:flag", args=[flagged.pk]))


# No leaks ------------------------------------------------------------------------------------


@pytest.fixture
def public_site(directory_page_and_council: None) -> None:
    """The directory at /directory/ with the council's settings."""


@pytest.fixture
def directory_page_and_council(site: Any) -> None:
    settings = CouncilSettings.for_site(site)
    settings.council_name = "Wendleshire County Council"
    settings.service_name = "Find care and support"
    settings.save()


def assert_no_flag_words(html: str) -> None:
    for word in FLAG_WORDS:
        assert word not in html, f"{word!r} leaked"


def test_the_public_profile_and_results_say_nothing_about_the_flag(
    client: Client, flagged: ContingencyFlag, public_site: None
) -> None:
    profile = client.get("/directory/meadowbank-homecare/")
    results = client.get("/directory/", {"q": "Meadowbank"})

    assert profile.status_code == 200
    assert "Meadowbank Homecare" in profile.text
    assert "Meadowbank Homecare" in results.text
    assert_no_flag_words(profile.text)
    assert_no_flag_words(results.text)


def test_the_chosen_neutral_notice_is_all_the_public_sees(
    client: Client, flagged: ContingencyFlag, public_site: None, commissioner_user: Any
) -> None:
    contingency_set_visibility(
        flag=flagged, by=commissioner_user, visibility="notice", notice=NEUTRAL_NOTICES[0], reason=SECRET_REASON
    )

    profile = client.get("/directory/meadowbank-homecare/")

    assert NEUTRAL_NOTICES[0] in profile.text
    assert_no_flag_words(profile.text)


def test_a_hidden_listing_is_gone_from_the_public_site_and_open_data(
    client: Client, flagged: ContingencyFlag, public_site: None, commissioner_user: Any
) -> None:
    contingency_set_visibility(flag=flagged, by=commissioner_user, visibility="hidden", reason=SECRET_REASON)

    assert client.get("/directory/meadowbank-homecare/").status_code == 404
    assert "Meadowbank" not in client.get("/directory/", {"q": "Homecare"}).text
    assert client.get(f"/openreferral/services/{flagged.provider.uuid}").status_code == 404


def test_the_providers_own_pages_say_nothing_about_the_flag(
    client: Client, flagged: ContingencyFlag, public_site: None
) -> None:
    owner = ProviderMembershipFactory.create(provider=flagged.provider).user
    client.force_login(owner)
    uuid = flagged.provider.uuid

    pages = [
        client.get(reverse("providers:dashboard")),
        client.get(reverse("providers:task_list", args=[uuid])),
        client.get(reverse("providers:preview", args=[uuid])),
        client.get("/directory/meadowbank-homecare/"),
    ]

    for response in pages:
        assert response.status_code == 200
        assert_no_flag_words(response.text)


def test_the_providers_own_pages_show_only_neutral_words_when_hidden(
    client: Client, flagged: ContingencyFlag, public_site: None, commissioner_user: Any
) -> None:
    contingency_set_visibility(flag=flagged, by=commissioner_user, visibility="hidden", reason=SECRET_REASON)
    owner = ProviderMembershipFactory.create(provider=flagged.provider).user
    client.force_login(owner)

    response = client.get(reverse("providers:task_list", args=[flagged.provider.uuid]))

    assert response.status_code == 200
    assert_no_flag_words(response.text)
    flagged.provider.refresh_from_db()
    assert flagged.provider.status == Provider.Status.SUSPENDED


def test_open_data_says_nothing_about_the_flag(client: Client, flagged: ContingencyFlag) -> None:
    bodies = [
        client.get(f"/openreferral/services/{flagged.provider.uuid}"),
        client.get("/openreferral/services", {"full": "true"}),
    ]

    assert bodies[0].status_code == 200
    for response in bodies:
        assert_no_flag_words(response.content.decode())


def test_the_search_index_holds_nothing_about_the_flag(flagged: ContingencyFlag) -> None:
    flagged.provider.refresh_from_db()
    (source,) = provider_documents([flagged.provider.pk])

    assert_no_flag_words(repr(source.document))
    assert_no_flag_words(flagged.provider.search_text)


def test_an_editor_sees_no_contingency_menu_in_the_admin(
    client: Client, flagged: ContingencyFlag, editor_user: Any
) -> None:
    client.force_login(editor_user)

    response = client.get(reverse("wagtailadmin_home"))

    assert reverse("contingency_admin:index") not in response.text
    assert SECRET_DETAIL not in response.text


def test_email_about_a_flag_goes_to_commissioners_only(
    flagged: ContingencyFlag, commissioner_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    owner = ProviderMembershipFactory.create(provider=flagged.provider).user
    UserFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        contingency_signal(provider=flagged.provider, signal="struck_off", detail="Gazette notice")

    recipients = {address for message in mail.outbox for address in message.to}
    assert recipients == {commissioner_user.email}
    assert owner.email not in recipients
    assert flagged.provider.contact_email not in recipients
