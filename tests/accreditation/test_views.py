"""The provider's vetting pages and evidence downloads, for every role."""

from datetime import timedelta

import pytest
from django.urls import reverse

from marketplace.accreditation.models import Accreditation, Evidence, EvidenceView, ProviderCheck
from marketplace.accreditation.services import evidence_add, provider_checks_sync
from marketplace.providers.models import Provider
from tests.accreditation.conftest import make_every_check, pdf_upload
from tests.clock import FIXED_TODAY
from tests.factories import (
    DirectPaymentHolderFactory,
    EditorFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
TODAY = FIXED_TODAY
DBS_NUMBER = "009876543210"


@pytest.fixture
def owner(pa):
    return pa.memberships.get().user


@pytest.fixture
def insurance(pa):
    provider_checks_sync(provider=pa)
    return ProviderCheck.objects.get(provider=pa, check_type__code="public-liability-insurance")


@pytest.fixture
def evidence(insurance):
    return evidence_add(provider_check=insurance, upload=pdf_upload("schedule.pdf"), by=None)


def other_provider_user():
    return ProviderMembershipFactory(provider=ProviderFactory()).user


def direct_payment_holder():
    return DirectPaymentHolderFactory().user


def date_fields(name, day):
    return {f"{name}_day": str(day.day), f"{name}_month": str(day.month), f"{name}_year": str(day.year)}


# --- Who may see what -------------------------------------------------------------------------------------------


def provider_pages(pa, insurance):
    return [
        reverse("accreditation:checks", args=[pa.uuid]),
        reverse("accreditation:check", args=[pa.uuid, insurance.uuid]),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, pa, insurance, evidence):
    for url in [*provider_pages(pa, insurance), reverse("accreditation:evidence", args=[evidence.uuid])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "make_user",
    [other_provider_user, direct_payment_holder, lambda: EditorFactory(), lambda: UserFactory()],
    ids=["another provider's user", "direct payment holder", "editor", "someone signed in"],
)
def test_nobody_but_the_providers_users_sees_its_vetting_pages(client, pa, insurance, make_user):
    client.force_login(make_user())
    for url in provider_pages(pa, insurance):
        assert client.get(url).status_code == 404
    assert client.post(reverse("accreditation:apply", args=[pa.uuid])).status_code == 404


def test_commissioners_use_the_admin_not_the_providers_pages(client, pa, insurance, commissioner):
    client.force_login(commissioner)
    for url in provider_pages(pa, insurance):
        assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "make_user",
    [other_provider_user, direct_payment_holder, lambda: EditorFactory(), lambda: UserFactory()],
    ids=["another provider's user", "direct payment holder", "editor", "someone signed in"],
)
def test_evidence_is_not_found_for_anyone_else_and_not_logged(client, evidence, make_user):
    client.force_login(make_user())
    assert client.get(reverse("accreditation:evidence", args=[evidence.uuid])).status_code == 404
    assert not EvidenceView.objects.exists()


@pytest.mark.parametrize("who", ["owner", "commissioner"])
def test_the_providers_users_and_commissioners_open_evidence_safely_and_each_view_is_logged(
    client, evidence, owner, commissioner, who
):
    user = owner if who == "owner" else commissioner
    client.force_login(user)
    response = client.get(reverse("accreditation:evidence", args=[evidence.uuid]), REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert "schedule.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    client.get(reverse("accreditation:evidence", args=[evidence.uuid]))
    views = EvidenceView.objects.filter(evidence=evidence, viewed_by=user)
    assert views.count() == 2
    assert views.last().ip_address == "198.51.100.7"


def test_pages_link_to_the_logged_view_never_to_the_stored_file(client, pa, owner, evidence):
    client.force_login(owner)
    content = client.get(reverse("accreditation:checks", args=[pa.uuid])).content.decode()
    assert reverse("accreditation:evidence", args=[evidence.uuid]) in content
    assert evidence.file.name not in content
    assert "/media/" not in content


# --- The checks page --------------------------------------------------------------------------------------------


def test_the_checks_page_lists_each_required_check_with_its_status(client, pa, owner):
    client.force_login(owner)
    response = client.get(reverse("accreditation:checks", args=[pa.uuid]))
    assert response.status_code == 200
    content = response.content.decode()
    for name in ["Enhanced DBS check with adults&#x27; barred list", "First reference", "Public liability insurance"]:
        assert name in content
    assert "Not started" in content
    assert "0 of 7" in content
    assert "You can apply once you have sent every check" in content


def test_the_index_takes_a_provider_user_to_their_checks(client, pa, owner):
    client.force_login(owner)
    response = client.get(reverse("accreditation:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accreditation:checks", args=[pa.uuid])


# --- One check's form -------------------------------------------------------------------------------------------


def dbs_post(**overrides):
    data = {
        **date_fields("issued_on", TODAY - timedelta(days=20)),
        "certificate_number": DBS_NUMBER,
        "is_on_update_service": "yes",
        "holder_surname": "Shah",
        **date_fields("holder_date_of_birth", TODAY.replace(year=TODAY.year - 35)),
        "note": "Both sides scanned.",
    }
    data.update(overrides)
    return data


def test_a_provider_sends_a_dbs_check_and_the_number_is_never_shown_in_full(client, pa, owner):
    client.force_login(owner)
    provider_checks_sync(provider=pa)
    dbs = ProviderCheck.objects.get(provider=pa, check_type__code="enhanced-dbs")
    url = reverse("accreditation:check", args=[pa.uuid, dbs.uuid])
    response = client.post(
        url, {**dbs_post(), "evidence": pdf_upload("front.pdf"), "evidence_back": pdf_upload("back.pdf")}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    dbs.refresh_from_db()
    assert dbs.status == ProviderCheck.Status.SUBMITTED
    assert dbs.certificate_number == DBS_NUMBER
    assert sorted(dbs.evidence.values_list("original_name", flat=True)) == ["back.pdf", "front.pdf"]

    pages = [
        client.get(url),
        client.get(reverse("accreditation:checks", args=[pa.uuid])),
    ]
    for page in pages:
        assert page.status_code == 200
        assert DBS_NUMBER.encode() not in page.content
        assert b"3210" in page.content  # the last four digits, masked
    form_page = pages[0].content.decode()
    assert 'name="certificate_number" type="text" value=""' in form_page
    assert "Leave this empty" in form_page


def test_a_bad_upload_is_refused_with_an_error_summary_and_the_typed_details_kept(client, pa, owner):
    client.force_login(owner)
    provider_checks_sync(provider=pa)
    dbs = ProviderCheck.objects.get(provider=pa, check_type__code="enhanced-dbs")
    url = reverse("accreditation:check", args=[pa.uuid, dbs.uuid])
    from django.core.files.uploadedfile import SimpleUploadedFile

    renamed_program = SimpleUploadedFile("dbs.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    response = client.post(url, {**dbs_post(), "evidence": pdf_upload(), "evidence_back": renamed_program})
    assert response.status_code == 400
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert '<a href="#evidence_back">The selected file must be a PDF, JPG or PNG</a>' in content
    assert 'value="Shah"' in content
    assert "Both sides scanned." in content
    assert f'value="{TODAY.replace(year=TODAY.year - 35).year}"' in content
    # Like a password, the certificate number is not sent back: the person types it again.
    assert DBS_NUMBER not in content
    assert "Type it again" in content
    dbs.refresh_from_db()
    assert dbs.status == ProviderCheck.Status.NOT_STARTED
    assert not Evidence.objects.exists()


def test_a_dbs_check_asks_for_both_sides_of_the_certificate(client, pa, owner):
    client.force_login(owner)
    provider_checks_sync(provider=pa)
    dbs = ProviderCheck.objects.get(provider=pa, check_type__code="enhanced-dbs")
    url = reverse("accreditation:check", args=[pa.uuid, dbs.uuid])

    form_page = client.get(url).content.decode()
    response = client.post(url, {**dbs_post(), "evidence": pdf_upload("front.pdf")})

    assert "Upload the front of the certificate" in form_page
    assert "Upload the back of the certificate" in form_page
    assert response.status_code == 400
    assert '<a href="#evidence_back">Select a file of the back of the certificate</a>' in response.content.decode()
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("changes", "anchor", "message"),
    [
        ({"issued_on_day": "", "issued_on_month": "", "issued_on_year": ""}, "issued_on_day", "Enter the date"),
        ({"issued_on_month": ""}, "issued_on_day", "must include a month"),
        ({"issued_on_day": "31", "issued_on_month": "2"}, "issued_on_day", "must be a real date"),
        ({"certificate_number": "12"}, "certificate_number", "12 digits"),
        ({"is_on_update_service": ""}, "is_on_update_service", "Select yes"),
        ({"holder_surname": ""}, "holder_surname", "Enter the surname"),
    ],
)
def test_each_mistake_is_linked_from_the_error_summary(client, pa, owner, changes, anchor, message):
    client.force_login(owner)
    provider_checks_sync(provider=pa)
    dbs = ProviderCheck.objects.get(provider=pa, check_type__code="enhanced-dbs")
    response = client.post(
        reverse("accreditation:check", args=[pa.uuid, dbs.uuid]),
        {**dbs_post(**changes), "evidence": pdf_upload(), "evidence_back": pdf_upload()},
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert f'<a href="#{anchor}">' in content
    assert message in content
    assert content.count(f'id="{anchor}"') == 1


def test_the_form_asks_only_for_what_the_check_type_needs(client, pa, owner, insurance):
    client.force_login(owner)
    content = client.get(reverse("accreditation:check", args=[pa.uuid, insurance.uuid])).content.decode()
    assert '<label class="govuk-label govuk-label--s" for="reference">Policy number</label>' in content
    assert 'name="expires_on_day"' in content
    assert "certificate_number" not in content
    assert 'name="level"' not in content
    assert 'accept=".pdf,application/pdf,.jpg,image/jpeg,.jpeg,.png,image/png"' in content


def test_a_check_of_another_provider_is_not_found(client, pa, owner):
    other = ProviderFactory()
    provider_checks_sync(provider=other)
    their_check = ProviderCheck.objects.filter(provider=other).first()
    client.force_login(owner)
    assert client.get(reverse("accreditation:check", args=[pa.uuid, their_check.uuid])).status_code == 404


# --- Applying ---------------------------------------------------------------------------------------------------


def test_applying_too_early_shows_what_is_missing(client, pa, owner):
    client.force_login(owner)
    response = client.post(reverse("accreditation:apply", args=[pa.uuid]))
    assert response.status_code == 400
    assert "Before you apply, send these checks" in response.content.decode()
    assert not Accreditation.objects.filter(provider=pa, status=Accreditation.Status.APPLIED).exists()


def test_applying_with_every_check_sent(client, pa, owner):
    make_every_check(pa, status=ProviderCheck.Status.SUBMITTED)
    client.force_login(owner)
    page = client.get(reverse("accreditation:checks", args=[pa.uuid])).content.decode()
    assert "Apply for accreditation</button>" in page
    response = client.post(reverse("accreditation:apply", args=[pa.uuid]), follow=True)
    assert "Application sent" in response.content.decode()
    assert pa.accreditation.status == Accreditation.Status.APPLIED


def test_get_is_not_allowed_on_apply(client, pa, owner):
    client.force_login(owner)
    assert client.get(reverse("accreditation:apply", args=[pa.uuid])).status_code == 405


# --- Workers ----------------------------------------------------------------------------------------------------


def test_a_micro_provider_adds_and_removes_workers(client):
    provider = ProviderFactory(kind=Provider.Kind.MICRO_PROVIDER)
    user = ProviderMembershipFactory(provider=provider).user
    client.force_login(user)
    url = reverse("accreditation:workers", args=[provider.uuid])
    response = client.post(url, {"full_name": "", "role": "Driver"})
    assert response.status_code == 400
    assert "Enter the worker&#x27;s full name" in response.content.decode()
    assert 'value="Driver"' in response.content.decode()

    assert client.post(url, {"full_name": "Sam Patel", "role": "Support worker"}).status_code == 302
    worker = provider.workers.get()
    checks_page = client.get(reverse("accreditation:checks", args=[provider.uuid])).content.decode()
    assert "Sam Patel\u2019s checks" in checks_page

    remove = reverse("accreditation:worker_remove", args=[provider.uuid, worker.pk])
    assert client.post(remove).status_code == 302
    worker.refresh_from_db()
    assert worker.is_active is False
    assert client.post(remove).status_code == 404


def test_a_personal_assistant_has_no_workers_page(client, pa, owner):
    client.force_login(owner)
    assert client.get(reverse("accreditation:workers", args=[pa.uuid])).status_code == 404


def test_an_uploaded_pdf_round_trips_unchanged(client, pa, owner, insurance):
    client.force_login(owner)
    upload = pdf_upload("policy.pdf")
    sent = upload.read()
    upload.seek(0)
    data = {**date_fields("issued_on", TODAY), "reference": "PL-778", "evidence": upload}
    assert client.post(reverse("accreditation:check", args=[pa.uuid, insurance.uuid]), data).status_code == 302
    stored = insurance.evidence.get()
    body = b"".join(client.get(reverse("accreditation:evidence", args=[stored.uuid])).streaming_content)
    assert body == sent


def test_the_evidence_log_keeps_the_client_address_behind_our_proxy_and_ignores_nonsense(
    client, settings, evidence, owner
):
    settings.OPENREFERRAL_TRUSTED_PROXY_COUNT = 1
    client.force_login(owner)
    url = reverse("accreditation:evidence", args=[evidence.uuid])
    client.get(url, HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="10.0.0.2")
    client.get(url, HTTP_X_FORWARDED_FOR="not-an-address", REMOTE_ADDR="10.0.0.2")
    addresses = list(EvidenceView.objects.order_by("pk").values_list("ip_address", flat=True))
    assert addresses == ["203.0.113.9", None]
