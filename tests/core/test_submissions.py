"""Every create form is sent once: a second submission of the same form lands on the first one's result."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import ProviderInvitation
from marketplace.accreditation.models import Evidence, ProviderCheck, Worker
from marketplace.accreditation.services import provider_checks_sync
from marketplace.core.models import FormSubmission
from marketplace.core.submissions import form_submissions_forget_old
from marketplace.monitoring.models import Feedback
from marketplace.providers.models import Provider
from tests.accreditation.conftest import pdf_upload
from tests.factories import ProviderFactory, ProviderMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def token_on(page) -> str:
    match = re.search(r'name="form_token" value="([A-Za-z0-9_-]+)"', page.content.decode())
    assert match, "the form carries a one-time token"
    return match[1]


def send_twice(client, url: str, data_of) -> tuple:
    token = token_on(client.get(url))
    first = client.post(url, {**data_of(), "form_token": token})
    second = client.post(url, {**data_of(), "form_token": token})
    return first, second


def test_joining_twice_with_the_same_form_starts_one_draft_listing(client):
    user = UserFactory()
    client.force_login(user)

    first, second = send_twice(
        client, reverse("providers:join"), lambda: {"kind": "personal_assistant", "name": "Ama"}
    )

    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Provider.objects.filter(memberships__user=user).count() == 1


def test_two_forms_are_two_listings(client):
    """The token is per form shown, not per person: someone starting two listings gets two."""
    client.force_login(UserFactory())
    url = reverse("providers:join")
    for name in ("First", "Second"):
        client.post(url, {"kind": "personal_assistant", "name": name, "form_token": token_on(client.get(url))})

    assert Provider.objects.count() == 2


def test_a_form_without_a_token_or_with_a_mangled_one_still_works(client):
    client.force_login(UserFactory())
    url = reverse("providers:join")
    for token in ("", "not a token!", "x" * 500):
        response = client.post(url, {"kind": "personal_assistant", "name": "Ama", "form_token": token})
        assert response.status_code == 302

    assert Provider.objects.count() == 3
    assert not FormSubmission.objects.exists()


def test_a_refused_form_keeps_its_token_free_so_the_corrected_form_is_saved(client):
    client.force_login(UserFactory())
    url = reverse("providers:join")
    token = token_on(client.get(url))

    refused = client.post(url, {"kind": "personal_assistant", "name": "", "form_token": token})
    assert refused.status_code == 200
    assert token_on(refused) == token
    saved = client.post(url, {"kind": "personal_assistant", "name": "Ama", "form_token": token})

    assert saved.status_code == 302
    assert Provider.objects.count() == 1


def test_another_persons_token_shows_nothing_of_theirs(client):
    client.force_login(UserFactory())
    url = reverse("providers:join")
    token = token_on(client.get(url))
    first = client.post(url, {"kind": "personal_assistant", "name": "Theirs", "form_token": token})

    client.force_login(UserFactory())
    other = client.post(url, {"kind": "personal_assistant", "name": "Mine", "form_token": token})

    assert other["Location"] != first["Location"]
    assert sorted(Provider.objects.values_list("name", flat=True)) == ["Mine", "Theirs"]


def test_adding_a_worker_twice_adds_one(client):
    provider = ProviderFactory(kind=Provider.Kind.MICRO_PROVIDER)
    client.force_login(ProviderMembershipFactory(provider=provider).user)

    first, second = send_twice(
        client, reverse("accreditation:workers", args=[provider.uuid]), lambda: {"full_name": "Sam Patel", "role": ""}
    )

    assert second["Location"] == first["Location"]
    assert Worker.objects.filter(provider=provider).count() == 1


def test_inviting_twice_sends_one_invitation_and_one_email(client, django_capture_on_commit_callbacks):
    from django.core import mail

    provider = ProviderFactory()
    client.force_login(ProviderMembershipFactory(provider=provider, role="owner").user)

    with django_capture_on_commit_callbacks(execute=True):
        first, second = send_twice(
            client,
            reverse("accounts:team", args=[provider.uuid]),
            lambda: {"email": "new@example.org", "role": "staff"},
        )

    assert second["Location"] == first["Location"]
    assert ProviderInvitation.objects.filter(email="new@example.org").count() == 1
    assert [message.to for message in mail.outbox] == [["new@example.org"]]


def test_sending_the_same_evidence_twice_keeps_one_file(client):
    provider = ProviderFactory(kind=Provider.Kind.PERSONAL_ASSISTANT)
    client.force_login(ProviderMembershipFactory(provider=provider).user)
    provider_checks_sync(provider=provider)
    insurance = ProviderCheck.objects.get(provider=provider, check_type__code="public-liability-insurance")
    today = timezone.localdate()

    def data():
        return {
            "issued_on_day": today.day,
            "issued_on_month": today.month,
            "issued_on_year": today.year,
            "reference": "PL-1",
            "evidence": pdf_upload(),
        }

    first, second = send_twice(client, reverse("accreditation:check", args=[provider.uuid, insurance.uuid]), data)

    assert first.status_code == 302, first.content.decode()[:3000]
    assert second["Location"] == first["Location"]
    assert Evidence.objects.filter(provider_check=insurance).count() == 1


def test_feedback_sent_twice_is_kept_once(client, site):
    cache.clear()
    provider = ProviderFactory(status=Provider.Status.PUBLISHED)
    data = {
        "relationship": "family",
        "is_complaint": "no",
        "rating": "4",
        "text": "My mum looks forward to every visit.",
        "from_name": "",
        "website": "",
    }

    first, second = send_twice(client, reverse("monitoring:feedback", args=[provider.slug]), lambda: data)

    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Feedback.objects.filter(provider=provider).count() == 1


def test_old_tokens_are_forgotten_after_a_week():
    now = timezone.now()
    FormSubmission.objects.create(token="a" * 32, result_url="/x", created_at=now - timedelta(days=8))
    FormSubmission.objects.create(token="b" * 32, result_url="/y", created_at=now - timedelta(days=6))

    assert form_submissions_forget_old(now=now) == 1
    assert list(FormSubmission.objects.values_list("token", flat=True)) == ["b" * 32]
