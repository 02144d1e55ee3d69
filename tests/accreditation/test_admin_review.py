"""The commissioners' vetting screens in the Wagtail admin: queue, review, decisions, evidence, permissions."""

import datetime
import io
import re
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from wagtail.models import ModelLogEntry

from marketplace.accreditation.models import (
    Accreditation,
    AccreditationDecision,
    CheckDecision,
    CheckType,
    Evidence,
    EvidenceView,
    ProviderCheck,
)
from marketplace.accreditation.requirements import required_checks
from marketplace.providers.models import Provider
from tests.factories import (
    DirectPaymentHolderFactory,
    LocalityFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

QUEUE = "/admin/vetting/"


def pdf_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(buffer, "PDF")
    return buffer.getvalue()


def add_evidence(check: ProviderCheck, name: str = "certificate.pdf") -> Evidence:
    content = pdf_bytes()
    return Evidence.objects.create(
        provider_check=check,
        file=SimpleUploadedFile(name, content),
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        sha256="0" * 64,
    )


def every_check(provider: Provider, *, status: str, days_ago: int = 1) -> list[ProviderCheck]:
    """A row with a document for each check the provider needs, all in one state."""
    today = timezone.localdate()
    moment = timezone.now() - datetime.timedelta(days=days_ago)
    checks = []
    for check_type, worker in required_checks(provider):
        expiry = today + datetime.timedelta(days=300) if check_type.has_expiry else None
        is_verified = status == ProviderCheck.Status.VERIFIED
        check = ProviderCheck.objects.create(
            provider=provider,
            check_type=check_type,
            worker=worker,
            status=status,
            issued_on=today - datetime.timedelta(days=30),
            expires_on=expiry,
            submitted_at=moment,
            verified_at=moment if is_verified else None,
            verified_expires_on=expiry if is_verified else None,
        )
        add_evidence(check)
        checks.append(check)
    return checks


def applied(provider: Provider, *, days_ago: int) -> Accreditation:
    return Accreditation.objects.create(
        provider=provider,
        status=Accreditation.Status.APPLIED,
        applied_at=timezone.now() - datetime.timedelta(days=days_ago),
    )


@pytest.fixture
def commissioner(client: Client, commissioner_user: Any) -> Any:
    client.force_login(commissioner_user)
    return commissioner_user


@pytest.fixture
def personal_assistant(db: None) -> Provider:
    provider = ProviderFactory(name="Priya Shah", contact_email="priya@example.org")
    ProviderMembershipFactory(provider=provider, user__email="priya.user@example.org")
    return provider


def review_url(provider: Provider) -> str:
    return reverse("accreditation_review:review", args=[provider.pk])


def check_url(check: ProviderCheck) -> str:
    return reverse("accreditation_review:decide_check", args=[check.provider_id, check.pk])


def decide_url(provider: Provider) -> str:
    return reverse("accreditation_review:decide", args=[provider.pk])


def queue_names(html: str) -> list[str]:
    listing = html.split('id="listing-results"', 1)[-1]
    return re.findall(r'<a href="/admin/vetting/providers/\d+/"[^>]*>\s*([^<]+?)\s*</a>', listing)


# The queue -----------------------------------------------------------------------------------------------


def test_queue_lists_who_is_waiting_oldest_first_with_the_count(client: Client, commissioner: Any) -> None:
    applied(ProviderFactory(name="Applied Ten Days"), days_ago=10)
    only_a_check = ProviderFactory(name="Check Three Days")
    check = every_check(only_a_check, status=ProviderCheck.Status.VERIFIED)[0]
    ProviderCheck.objects.filter(pk=check.pk).update(
        status=ProviderCheck.Status.SUBMITTED, submitted_at=timezone.now() - datetime.timedelta(days=3)
    )
    applied(ProviderFactory(name="Applied Twenty Days"), days_ago=20)
    every_check(ProviderFactory(name="Nothing Waiting"), status=ProviderCheck.Status.VERIFIED)
    Accreditation.objects.create(provider=ProviderFactory(name="Already Accredited"), status="accredited")

    response = client.get(QUEUE)

    assert response.status_code == 200
    html = response.content.decode()
    assert queue_names(html) == ["Applied Twenty Days", "Applied Ten Days", "Check Three Days"]
    assert "<strong>3</strong> providers waiting for review" in html
    assert "1 check to review" in html
    assert "Decision on accreditation" in html


def test_queue_filters_by_kind_locality_and_days_waiting(client: Client, commissioner: Any) -> None:
    north = LocalityFactory(name="Northfold")
    applied(ProviderFactory(name="North PA Old", locality=north), days_ago=30)
    applied(ProviderFactory(name="North PA New", locality=north), days_ago=2)
    applied(ProviderFactory(name="North Day Service", locality=north, kind=Provider.Kind.DAY_SERVICE), days_ago=30)
    applied(ProviderFactory(name="South PA Old", locality=LocalityFactory(name="Southmere")), days_ago=30)

    def names(query: str) -> list[str]:
        return queue_names(client.get(f"{QUEUE}?{query}").content.decode())

    assert names("kind=day_service") == ["North Day Service"]
    assert names(f"locality={north.pk}") == ["North PA Old", "North Day Service", "North PA New"]
    assert names(f"kind=personal_assistant&locality={north.pk}&waiting=14") == ["North PA Old"]
    assert names("waiting=28") == ["North PA Old", "North Day Service", "South PA Old"]
    assert "match these filters" in client.get(f"{QUEUE}results/?waiting=7").content.decode()


def test_a_bad_filter_value_is_ignored_not_an_error(client: Client, commissioner: Any) -> None:
    applied(ProviderFactory(name="Still Listed"), days_ago=3)

    response = client.get(f"{QUEUE}?waiting=999&kind=spaceship&locality=abc")

    assert response.status_code == 200
    assert "Still Listed" in response.content.decode()


# Reviewing a provider ----------------------------------------------------------------------------------------


def test_review_page_shows_checks_details_evidence_with_the_dbs_number_masked(
    client: Client, commissioner: Any, personal_assistant: Provider
) -> None:
    checks = every_check(personal_assistant, status=ProviderCheck.Status.SUBMITTED)
    dbs = next(check for check in checks if check.check_type.code == "enhanced-dbs")
    dbs.certificate_number = "001234567890"
    dbs.certificate_number_last_digits = "7890"
    dbs.save()

    response = client.get(review_url(personal_assistant))

    html = response.content.decode()
    assert response.status_code == 200
    assert "001234567890" not in html
    assert "•••• •••• 7890" in html
    assert html.count("View certificate.pdf") == len(checks)
    assert f"Verify {dbs.check_type.name}".replace("'", "&#x27;") in html


def test_verifying_a_check_appends_to_its_history_and_tells_the_provider(
    client: Client, commissioner: Any, personal_assistant: Provider, django_capture_on_commit_callbacks: Any
) -> None:
    check = every_check(personal_assistant, status=ProviderCheck.Status.SUBMITTED)[0]
    prefix = f"check-{check.pk}"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            check_url(check), {f"{prefix}-decision": "verify", f"{prefix}-reason": "Seen the original"}
        )

    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == ProviderCheck.Status.VERIFIED
    decision = CheckDecision.objects.get(provider_check=check)
    assert (decision.outcome, decision.decided_by, decision.reason) == ("verified", commissioner, "Seen the original")
    [email] = mail.outbox
    assert email.to == ["priya.user@example.org"]
    assert "Seen the original" in email.body
    page = client.get(review_url(personal_assistant)).content.decode()
    assert "Seen the original" in page.split('id="history-section"', 1)[1]


def test_rejecting_needs_a_reason_and_keeps_nothing_half_done(
    client: Client, commissioner: Any, personal_assistant: Provider
) -> None:
    check = every_check(personal_assistant, status=ProviderCheck.Status.SUBMITTED)[0]
    prefix = f"check-{check.pk}"

    response = client.post(check_url(check), {f"{prefix}-decision": "reject", f"{prefix}-reason": "  "})

    assert response.status_code == 400
    assert "Give the reason for rejecting this check" in response.content.decode()
    check.refresh_from_db()
    assert check.status == ProviderCheck.Status.SUBMITTED
    assert not CheckDecision.objects.exists()


def test_rejecting_with_a_reason_sends_it_to_the_provider(
    client: Client, commissioner: Any, personal_assistant: Provider, django_capture_on_commit_callbacks: Any
) -> None:
    check = every_check(personal_assistant, status=ProviderCheck.Status.SUBMITTED)[0]
    prefix = f"check-{check.pk}"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(check_url(check), {f"{prefix}-decision": "reject", f"{prefix}-reason": "The scan is unreadable"})

    check.refresh_from_db()
    assert check.status == ProviderCheck.Status.REJECTED
    assert CheckDecision.objects.get(provider_check=check).reason == "The scan is unreadable"
    assert any("The scan is unreadable" in message.body for message in mail.outbox)


def test_a_service_refusal_is_shown_and_what_was_typed_is_kept(
    client: Client, commissioner: Any, personal_assistant: Provider
) -> None:
    # A check already rejected cannot be verified: the service says so.
    check = every_check(personal_assistant, status=ProviderCheck.Status.REJECTED)[0]
    prefix = f"check-{check.pk}"

    response = client.post(check_url(check), {f"{prefix}-decision": "verify", f"{prefix}-reason": "My careful note"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "Only a check waiting for review can be verified" in html
    assert "My careful note" in html
    check.refresh_from_db()
    assert check.status == ProviderCheck.Status.REJECTED


def test_accrediting_before_every_check_is_verified_says_what_is_missing(
    client: Client, commissioner: Any, personal_assistant: Provider
) -> None:
    every_check(personal_assistant, status=ProviderCheck.Status.SUBMITTED)
    applied(personal_assistant, days_ago=3)

    response = client.post(decide_url(personal_assistant), {"outcome": "accredited", "reason": "Looks good to me"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "Every required check must be verified and in date first" in html
    assert "Looks good to me" in html
    personal_assistant.refresh_from_db()
    assert not personal_assistant.is_accredited
    assert not AccreditationDecision.objects.filter(outcome="accredited").exists()


def test_accredit_then_suspend_is_recorded_in_order_and_the_provider_is_told(
    client: Client, commissioner: Any, personal_assistant: Provider, django_capture_on_commit_callbacks: Any
) -> None:
    every_check(personal_assistant, status=ProviderCheck.Status.VERIFIED)
    applied(personal_assistant, days_ago=3)

    with django_capture_on_commit_callbacks(execute=True):
        accredit = client.post(decide_url(personal_assistant), {"outcome": "accredited", "reason": ""})
    assert accredit.status_code == 302
    personal_assistant.refresh_from_db()
    assert personal_assistant.is_accredited
    assert personal_assistant.accreditation.status == Accreditation.Status.ACCREDITED

    no_reason = client.post(decide_url(personal_assistant), {"outcome": "suspended", "reason": ""})
    assert no_reason.status_code == 400
    assert "Give the reason for your decision" in no_reason.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(decide_url(personal_assistant), {"outcome": "suspended", "reason": "Safeguarding concern raised"})

    personal_assistant.refresh_from_db()
    assert not personal_assistant.is_accredited
    decisions = list(
        AccreditationDecision.objects.filter(provider=personal_assistant).values_list("outcome", "reason")
    )
    assert decisions == [("suspended", "Safeguarding concern raised"), ("accredited", "")]
    assert all(d.decided_by == commissioner for d in AccreditationDecision.objects.filter(provider=personal_assistant))
    assert any("Safeguarding concern raised" in message.body for message in mail.outbox)
    history = client.get(review_url(personal_assistant)).content.decode().split('id="history-section"', 1)[1]
    assert history.index("Suspended") < history.index("Accredited")


def test_refusing_an_application_with_a_reason(
    client: Client, commissioner: Any, personal_assistant: Provider, django_capture_on_commit_callbacks: Any
) -> None:
    every_check(personal_assistant, status=ProviderCheck.Status.SUBMITTED)
    applied(personal_assistant, days_ago=3)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            decide_url(personal_assistant), {"outcome": "refused", "reason": "References could not be confirmed"}
        )

    assert response.status_code == 302
    assert Accreditation.objects.get(provider=personal_assistant).status == Accreditation.Status.REFUSED
    decision = AccreditationDecision.objects.get(provider=personal_assistant)
    assert (decision.outcome, decision.reason) == ("refused", "References could not be confirmed")
    assert any("References could not be confirmed" in message.body for message in mail.outbox)
    # Still in the queue for its checks, but no longer for a decision.
    queue = client.get(QUEUE).content.decode()
    assert queue_names(queue) == ["Priya Shah"]
    assert "Decision on accreditation" not in queue


def test_an_unknown_outcome_is_a_form_error_not_a_500(
    client: Client, commissioner: Any, personal_assistant: Provider
) -> None:
    response = client.post(decide_url(personal_assistant), {"outcome": "promoted", "reason": "x"})

    assert response.status_code == 400
    assert not AccreditationDecision.objects.exists()


# Evidence --------------------------------------------------------------------------------------------------


def test_the_viewer_logs_nothing_but_each_opening_of_the_document_is_logged(
    client: Client, commissioner: Any, personal_assistant: Provider
) -> None:
    check = every_check(personal_assistant, status=ProviderCheck.Status.SUBMITTED)[0]
    evidence = check.evidence.get()

    viewer = client.get(reverse("accreditation_review:evidence", args=[evidence.uuid]))
    assert viewer.status_code == 200
    file_url = reverse("accreditation_review:evidence_file", args=[evidence.uuid])
    assert f'<iframe src="{file_url}"' in viewer.content.decode()
    assert f'href="{file_url}" target="_blank"' in viewer.content.decode()
    assert not EvidenceView.objects.exists()

    for _ in range(2):
        response = client.get(file_url, REMOTE_ADDR="10.1.2.3")
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF-")

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    views = list(EvidenceView.objects.values_list("evidence", "viewed_by", "ip_address"))
    assert views == [(evidence.pk, commissioner.pk, "10.1.2.3")] * 2


# Who may reach it ----------------------------------------------------------------------------------------------


def someone(role: str, provider: Provider, editor_user: Any) -> Any:
    if role == "direct payment holder":
        return DirectPaymentHolderFactory().user
    if role == "another provider's user":
        return ProviderMembershipFactory().user
    if role == "the provider's own user":
        return provider.memberships.get().user
    if role == "editor":
        return editor_user
    return UserFactory()


ROLES = ["anonymous", "signed-in member of the public", "direct payment holder", "another provider's user",
         "the provider's own user", "editor"]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_nobody_but_commissioners_reaches_any_vetting_screen(
    client: Client, role: str, personal_assistant: Provider, editor_user: Any
) -> None:
    check = every_check(personal_assistant, status=ProviderCheck.Status.SUBMITTED)[0]
    applied(personal_assistant, days_ago=2)
    evidence = check.evidence.get()
    if role != "anonymous":
        client.force_login(someone(role, personal_assistant, editor_user))
    prefix = f"check-{check.pk}"
    pages = [
        QUEUE,
        f"{QUEUE}results/",
        review_url(personal_assistant),
        reverse("accreditation_review:evidence", args=[evidence.uuid]),
        reverse("accreditation_review:evidence_file", args=[evidence.uuid]),
        reverse("accreditation_expiring_report:index") + "?export=csv",
        reverse("accreditation_accredited_report:index") + "?export=csv",
        reverse("wagtailsnippets_accreditation_checktype:list"),
        reverse("wagtailsnippets_accreditation_checktype:add"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        if response.status_code == 302:
            assert "/vetting/" not in response["Location"].split("?")[0], url
    posts = [
        (check_url(check), {f"{prefix}-decision": "verify", f"{prefix}-reason": "x"}),
        (decide_url(personal_assistant), {"outcome": "refused", "reason": "x"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code in (302, 403, 404), url

    check.refresh_from_db()
    assert check.status == ProviderCheck.Status.SUBMITTED
    assert not CheckDecision.objects.exists()
    assert not AccreditationDecision.objects.exists()
    assert not EvidenceView.objects.exists()


def test_every_screen_refuses_an_editor_before_looking_anything_up(
    client: Client, editor_user: Any, personal_assistant: Provider
) -> None:
    evidence = every_check(personal_assistant, status=ProviderCheck.Status.SUBMITTED)[0].evidence.get()
    client.force_login(editor_user)
    ajax = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}  # Wagtail answers 403 itself, not its dashboard redirect

    assert client.get(review_url(personal_assistant), **ajax).status_code == 403
    assert client.get(reverse("accreditation_review:review", args=[999_999]), **ajax).status_code == 403
    assert client.get(reverse("accreditation_review:evidence_file", args=[evidence.uuid]), **ajax).status_code == 403
    # Without it, Wagtail turns a refusal inside the admin into a message on its dashboard.
    response = client.get(QUEUE)
    assert (response.status_code, response["Location"]) == (302, "/admin/")


def test_the_vetting_menu_is_shown_to_commissioners_only(
    client: Client, commissioner_user: Any, editor_user: Any
) -> None:
    client.force_login(commissioner_user)
    assert "Review queue" in client.get("/admin/").content.decode()

    client.force_login(editor_user)
    assert "Review queue" not in client.get("/admin/").content.decode()


def test_commissioners_configure_the_checks(client: Client, commissioner: Any) -> None:
    response = client.get(reverse("wagtailsnippets_accreditation_checktype:list"))

    assert response.status_code == 200
    assert "Enhanced DBS check" in response.content.decode()
    assert client.get(reverse("wagtailsnippets_accreditation_checktype:add")).status_code == 200


def test_only_the_decisions_the_state_allows_are_offered(
    client: Client, commissioner: Any, personal_assistant: Provider
) -> None:
    every_check(personal_assistant, status=ProviderCheck.Status.VERIFIED)

    not_applied = client.get(review_url(personal_assistant)).content.decode()
    assert "The provider has not applied for accreditation" in not_applied
    assert 'name="outcome"' not in not_applied

    Accreditation.objects.create(provider=personal_assistant, status=Accreditation.Status.ACCREDITED)
    accredited = client.get(review_url(personal_assistant)).content.decode()
    assert re.findall(r'name="outcome" value="(\w+)"', accredited) == ["suspended"]

    response = client.post(decide_url(personal_assistant), {"outcome": "accredited", "reason": ""})
    assert response.status_code == 400
    assert "Choose one of the decisions listed" in response.content.decode()
    assert not AccreditationDecision.objects.exists()


def test_an_image_is_shown_inline_and_served_as_an_image(
    client: Client, commissioner: Any, personal_assistant: Provider
) -> None:
    check = every_check(personal_assistant, status=ProviderCheck.Status.SUBMITTED)[0]
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "navy").save(buffer, "PNG")
    photo = Evidence.objects.create(
        provider_check=check,
        file=SimpleUploadedFile("photo.png", buffer.getvalue()),
        original_name="photo.png",
        content_type="image/png",
        size=len(buffer.getvalue()),
        sha256="0" * 64,
    )
    file_url = reverse("accreditation_review:evidence_file", args=[photo.uuid])

    viewer = client.get(reverse("accreditation_review:evidence", args=[photo.uuid])).content.decode()
    response = client.get(file_url)

    assert f'<img src="{file_url}" alt="photo.png: evidence for' in viewer
    assert "<iframe" not in viewer
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert EvidenceView.objects.filter(evidence=photo).count() == 1


def test_a_commissioner_adds_a_check_and_the_kinds_that_need_it(client: Client, commissioner: Any) -> None:
    data = {
        "name": "Driving licence",
        "code": "driving-licence",
        "public_description": "Driving licence checked",
        "guidance": "A photo of both sides of the licence.",
        "has_expiry": "on",
        "needs_evidence": "on",
        "sort_order": "200",
        "requirements-TOTAL_FORMS": "1",
        "requirements-INITIAL_FORMS": "0",
        "requirements-MIN_NUM_FORMS": "0",
        "requirements-MAX_NUM_FORMS": "1000",
        "requirements-0-provider_kind": "personal_assistant",
        "requirements-0-condition": "always",
        "requirements-0-applies_to": "provider",
        "requirements-0-ORDER": "1",
        "requirements-0-id": "",
        "requirements-0-DELETE": "",
    }

    response = client.post(reverse("wagtailsnippets_accreditation_checktype:add"), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    check_type = CheckType.objects.get(code="driving-licence")
    assert list(check_type.requirements.values_list("provider_kind", "condition")) == [
        ("personal_assistant", "always")
    ]
    assert ModelLogEntry.objects.filter(object_id=str(check_type.pk), user=commissioner).exists()
