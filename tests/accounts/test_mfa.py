"""Two-factor authentication: offered to everyone, required of commissioners and editors."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.urls import reverse

from marketplace.accounts.roles import COMMISSIONERS, EDITORS
from marketplace.accounts.services import AccountError, account_email_mark_verified, mfa_totp_activate
from marketplace.accounts.totp import totp_code
from marketplace.demo.builder import DEMO_TOTP_SECRET
from tests.factories import TEST_TOTP_SECRET, ProviderMembershipFactory, UserFactory

from .helpers import PASSWORD, enter_code, page_text, sign_in

pytestmark = pytest.mark.django_db


def staff_without_authenticator(group_name: str):
    user = UserFactory(multi_factor=False)
    user.groups.add(Group.objects.get(name=group_name))
    account_email_mark_verified(user=user)
    return user


@pytest.mark.parametrize("group_name", [COMMISSIONERS, EDITORS])
@pytest.mark.parametrize("path", ["/admin/", "/admin/pages/", "/provider/", "/"])
def test_council_staff_without_an_authenticator_app_are_sent_to_set_one_up(client, group_name, path):
    client.force_login(staff_without_authenticator(group_name))

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_the_account_pages_stay_open_to_staff_setting_up_two_factor(client):
    client.force_login(staff_without_authenticator(COMMISSIONERS))

    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("account_logout")).status_code == 200
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate")), "allauth asks for the password first"


@pytest.mark.parametrize("role", ["provider user", "direct payment holder"])
def test_other_people_are_offered_two_factor_but_not_made_to_use_it(client, role):
    user = ProviderMembershipFactory().user if role == "provider user" else UserFactory()
    client.force_login(user)

    assert client.get("/").status_code == 200
    assert "Set up" in page_text(client.get(reverse("mfa_index")))


def test_staff_with_an_authenticator_app_reach_the_admin(client, commissioner_user, editor_user):
    for user in (commissioner_user, editor_user):
        client.force_login(user)
        assert client.get("/admin/").status_code == 200


def test_the_wagtail_sign_in_page_sends_people_to_ours_keeping_where_they_were_going(client):
    response = client.get("/admin/login/?next=/admin/pages/")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2Fpages%2F"


def test_the_admin_asks_visitors_to_sign_in_on_our_page(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_commissioner_signs_in_with_a_password_then_a_code(client, commissioner_user):
    account_email_mark_verified(user=commissioner_user)

    response = sign_in(client, commissioner_user.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/admin/").status_code == 302, "not signed in after the password alone"

    wrong = enter_code(client, "000000")
    assert "Enter the 6-digit code shown in your authenticator app" in page_text(wrong)

    response = enter_code(client)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_code_cannot_be_used_twice(client, commissioner_user):
    account_email_mark_verified(user=commissioner_user)
    code = totp_code(TEST_TOTP_SECRET)
    sign_in(client, commissioner_user.email)
    enter_code(client, code)
    client.logout()

    sign_in(client, commissioner_user.email)
    response = enter_code(client, code)

    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_a_recovery_code_works_once_instead_of_the_app(client, person):
    sign_in(client, person.email)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    recovery_code = client.get(reverse("mfa_view_recovery_codes")).context["unused_codes"][0]
    client.logout()

    sign_in(client, person.email)
    assert enter_code(client, recovery_code)["Location"] == "/"
    client.logout()
    sign_in(client, person.email)
    assert enter_code(client, recovery_code).status_code == 200, "each recovery code works once"


def test_anyone_can_turn_on_an_authenticator_app_from_their_account(client, person):
    sign_in(client, person.email)
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    page = client.get(reverse("mfa_activate_totp"))
    assert "Set up an authenticator app" in page_text(page)
    secret = page.context["form"].secret
    assert secret in page.content.decode(), "the setup key is shown for people who cannot scan"

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "123"})
    assert "There is a problem" in page_text(wrong)
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)}, follow=True)

    # (allauth's "is on" message is added when the set-up commits, which a test transaction
    # never does; the browser journey sees it.)
    text = page_text(response)
    assert "Your recovery codes" in text
    assert Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()


def test_people_can_turn_two_factor_off_but_council_staff_cannot(client, person, commissioner_user):
    mfa_totp_activate(user=person, secret=TEST_TOTP_SECRET)
    account_email_mark_verified(user=commissioner_user)

    for user, stays_on in ((person, False), (commissioner_user, True)):
        client.logout()
        sign_in(client, user.email)
        enter_code(client)
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        response = client.post(reverse("mfa_deactivate_totp"), follow=True)
        has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        assert has_totp is stays_on, user
        if stays_on:
            assert "Your role needs two-factor authentication, so you cannot turn it off" in page_text(response)
        else:
            assert "Two-factor authentication is off" in page_text(response)


def test_authenticator_secrets_are_encrypted_at_rest(commissioner_user):
    stored = Authenticator.objects.get(user=commissioner_user, type=Authenticator.Type.TOTP).data["secret"]

    assert TEST_TOTP_SECRET not in stored
    assert stored.startswith("gAAAAA"), "a Fernet token"


def test_a_secret_that_is_not_base32_is_refused(person):
    with pytest.raises(AccountError, match="base32"):
        mfa_totp_activate(user=person, secret="not base32 at all!")


def test_codes_match_the_published_algorithm():
    # RFC 6238 appendix B, SHA-1, 59 seconds after the epoch: 94287082, so 287082 in six digits.
    rfc_secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

    assert totp_code(rfc_secret, at=59) == "287082"


def test_the_demo_secret_in_the_readme_is_the_one_the_demo_uses():
    with open("README.md", encoding="utf-8") as readme:
        assert DEMO_TOTP_SECRET in readme.read()


def test_the_demo_commissioner_signs_in_with_the_readme_password_and_secret(client):
    from marketplace.demo.builder import DEMO_PASSWORD, demo_county_build

    demo_county_build(scale=0.03, seed=3)

    response = sign_in(client, "commissioner@demo.example", DEMO_PASSWORD)
    assert response["Location"] == reverse("mfa_authenticate")
    response = enter_code(client, totp_code(DEMO_TOTP_SECRET))
    assert response["Location"] == "/admin/"
    client.logout()
    assert sign_in(client, "provider@demo.example", DEMO_PASSWORD)["Location"] == "/provider/"
