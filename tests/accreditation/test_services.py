"""The vetting and accreditation services: submitting checks, evidence, decisions and their histories."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from marketplace.accreditation.models import (
    Accreditation,
    AccreditationDecision,
    CheckDecision,
    CheckType,
    EvidenceView,
    ProviderCheck,
)
from marketplace.accreditation.selectors import check_counts_as_verified, provider_vetting_summary
from marketplace.accreditation.services import (
    AccreditationError,
    accreditation_apply,
    accreditation_decide,
    accreditation_recompute,
    add_months,
    check_reject,
    check_return_to_review,
    check_submit,
    check_verify,
    evidence_add,
    evidence_open,
    provider_checks_sync,
    worker_add,
    worker_remove,
)
from marketplace.providers.models import Provider
from tests.accreditation.conftest import make_every_check, pdf_upload, png_upload
from tests.factories import ProviderFactory, ProviderMembershipFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DBS_NUMBER = "001234567890"


def check_of(provider, code, worker=None):
    provider_checks_sync(provider=provider)
    return ProviderCheck.objects.get(provider=provider, check_type__code=code, worker=worker)


# --- Checks ---------------------------------------------------------------------------------------------


def test_sync_creates_one_row_per_required_check_and_is_idempotent(pa):
    first = provider_checks_sync(provider=pa)
    second = provider_checks_sync(provider=pa)
    assert len(first) == 7
    assert [check.pk for check in first] == [check.pk for check in second]
    assert ProviderCheck.objects.filter(provider=pa).count() == 7


def test_submitting_a_dbs_check_encrypts_the_number_and_keeps_only_its_last_digits_in_clear(pa):
    user = pa.memberships.get().user
    dbs = check_of(pa, "enhanced-dbs")
    check_submit(
        provider_check=dbs,
        by=user,
        issued_on=TODAY - timedelta(days=10),
        certificate_number="0012 3456 7890",
        is_on_update_service=True,
        holder_surname="Shah",
        holder_date_of_birth=TODAY.replace(year=TODAY.year - 40),
        evidence=pdf_upload(),
    )
    dbs.refresh_from_db()
    assert dbs.status == ProviderCheck.Status.SUBMITTED
    assert dbs.certificate_number == DBS_NUMBER
    assert dbs.certificate_number_last_digits == "7890"
    assert dbs.masked_certificate_number.endswith("7890")
    assert DBS_NUMBER not in dbs.masked_certificate_number
    with connection.cursor() as cursor:
        cursor.execute("SELECT certificate_number FROM accreditation_providercheck WHERE id = %s", [dbs.pk])
        stored = cursor.fetchone()[0]
    assert DBS_NUMBER not in stored
    # Three years by default, from the issue date.
    assert dbs.expires_on == add_months(TODAY - timedelta(days=10), 36)
    assert dbs.decisions.get().outcome == CheckDecision.Outcome.SUBMITTED
    assert dbs.decisions.get().decided_by == user


def test_an_empty_certificate_number_keeps_the_one_held(pa):
    dbs = check_of(pa, "enhanced-dbs")
    check_submit(provider_check=dbs, by=None, issued_on=TODAY, certificate_number=DBS_NUMBER, evidence=pdf_upload())
    check_submit(provider_check=dbs, by=None, issued_on=TODAY, certificate_number="")
    dbs.refresh_from_db()
    assert dbs.certificate_number == DBS_NUMBER


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"issued_on": None}, "Enter the date it was issued"),
        ({"issued_on": TODAY + timedelta(days=1)}, "today or in the past"),
        ({"expires_on": TODAY - timedelta(days=1)}, "expiry date must be today or in the future"),
        ({"certificate_number": "12345"}, "12 digits"),
        ({"is_on_update_service": True}, "surname"),
        ({"evidence": None}, "Upload a copy of the document"),
    ],
)
def test_check_submit_refuses_bad_details(pa, changes, message):
    dbs = check_of(pa, "enhanced-dbs")
    values = {
        "issued_on": TODAY - timedelta(days=3),
        "certificate_number": DBS_NUMBER,
        "evidence": pdf_upload(),
    }
    values.update(changes)
    with pytest.raises(AccreditationError, match=message):
        check_submit(provider_check=dbs, by=None, **values)
    dbs.refresh_from_db()
    assert dbs.status == ProviderCheck.Status.NOT_STARTED
    assert not dbs.decisions.exists()


def test_a_document_issued_longer_ago_than_its_validity_is_out_of_date(pa):
    insurance = check_of(pa, "public-liability-insurance")
    with pytest.raises(AccreditationError, match="more than 12 months ago"):
        check_submit(provider_check=insurance, by=None, issued_on=TODAY - timedelta(days=400), evidence=pdf_upload())


def test_a_bad_upload_saves_nothing_of_the_submission(pa):
    insurance = check_of(pa, "public-liability-insurance")
    with pytest.raises(AccreditationError, match="must be a PDF, JPG or PNG"):
        check_submit(
            provider_check=insurance,
            by=None,
            issued_on=TODAY,
            reference="POL-1",
            evidence=pdf_upload_named_but_html(),
        )
    insurance.refresh_from_db()
    assert insurance.reference == ""
    assert not insurance.evidence.exists()


def pdf_upload_named_but_html():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("policy.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")


def test_details_the_check_type_does_not_ask_for_are_not_kept(pa):
    reference = check_of(pa, "reference-1")
    check_submit(
        provider_check=reference,
        by=None,
        issued_on=TODAY,
        expires_on=TODAY + timedelta(days=30),
        level="Level 9",
        reference="Mrs Jones",
        evidence=pdf_upload(),
    )
    reference.refresh_from_db()
    assert reference.expires_on is None  # references do not expire
    assert reference.level == ""
    assert reference.reference == "Mrs Jones"


def test_a_rating_must_be_one_of_the_check_types_choices():
    agency = ProviderFactory(kind=Provider.Kind.HOME_CARE_AGENCY)
    cqc = check_of(agency, "cqc-registration")
    with pytest.raises(AccreditationError, match="Choose one of the ratings"):
        check_submit(provider_check=cqc, by=None, issued_on=TODAY, rating="Brilliant", evidence=pdf_upload())
    check_submit(provider_check=cqc, by=None, issued_on=TODAY, rating="Good", evidence=pdf_upload())
    cqc.refresh_from_db()
    assert cqc.rating == "Good"


# --- Evidence ---------------------------------------------------------------------------------------------


def test_evidence_is_stored_privately_under_a_name_that_says_nothing_with_its_real_type(pa):
    insurance = check_of(pa, "public-liability-insurance")
    user = pa.memberships.get().user
    evidence = evidence_add(provider_check=insurance, upload=png_upload("Priya Shah passport.pdf"), by=user)
    assert evidence.content_type == "image/png"
    assert evidence.original_name == "Priya Shah passport.pdf"
    assert "Priya" not in evidence.file.name
    assert evidence.file.name.startswith(f"evidence/{pa.pk}/")
    assert evidence.file.storage is not None
    assert len(evidence.sha256) == 64
    assert evidence.uploaded_by == user
    assert evidence.was_virus_scanned is False


def test_every_opening_of_evidence_is_logged(pa, commissioner):
    insurance = check_of(pa, "public-liability-insurance")
    evidence = evidence_add(provider_check=insurance, upload=pdf_upload(), by=None)
    for _ in range(2):
        with evidence_open(evidence=evidence, user=commissioner, ip_address="192.0.2.1") as handle:
            assert handle.read(5) == b"%PDF-"
    views = EvidenceView.objects.filter(evidence=evidence)
    assert views.count() == 2
    assert {view.viewed_by for view in views} == {commissioner}
    assert views.first().ip_address == "192.0.2.1"


# --- Decisions on checks ------------------------------------------------------------------------------------


def submitted(provider, code, **extra):
    check = check_of(provider, code)
    return check_submit(provider_check=check, by=None, issued_on=TODAY, evidence=pdf_upload(), **extra)


def test_verifying_a_check_records_who_and_emails_the_provider(pa, commissioner, django_capture_on_commit_callbacks):
    insurance = submitted(pa, "public-liability-insurance")
    with django_capture_on_commit_callbacks(execute=True):
        check_verify(provider_check=insurance, by=commissioner)
    insurance.refresh_from_db()
    assert insurance.status == ProviderCheck.Status.VERIFIED
    assert insurance.verified_by == commissioner
    assert insurance.verified_expires_on == insurance.expires_on
    decision = insurance.decisions.first()
    assert (decision.outcome, decision.decided_by) == (CheckDecision.Outcome.VERIFIED, commissioner)
    assert [message.to for message in mail.outbox] == [["priya@example.org"]]
    assert "verified" in mail.outbox[0].subject


def test_only_a_check_waiting_for_review_can_be_verified(pa, commissioner):
    with pytest.raises(AccreditationError, match="Only a check waiting for review"):
        check_verify(provider_check=check_of(pa, "first-aid-training"), by=commissioner)


def test_a_check_that_has_expired_while_waiting_cannot_be_verified(pa, commissioner):
    insurance = submitted(pa, "public-liability-insurance", expires_on=TODAY + timedelta(days=2))
    with pytest.raises(AccreditationError, match="expired on"):
        check_verify(provider_check=insurance, by=commissioner, today=TODAY + timedelta(days=3))


def test_rejecting_needs_a_reason_and_sends_it(pa, commissioner, django_capture_on_commit_callbacks):
    insurance = submitted(pa, "public-liability-insurance")
    with pytest.raises(AccreditationError, match="Give a reason"):
        check_reject(provider_check=insurance, by=commissioner, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        check_reject(provider_check=insurance, by=commissioner, reason="The schedule is for another person.")
    insurance.refresh_from_db()
    assert insurance.status == ProviderCheck.Status.REJECTED
    assert insurance.decisions.first().reason == "The schedule is for another person."
    assert "The schedule is for another person." in mail.outbox[0].body


def test_rejecting_a_check_of_an_accredited_provider_lapses_it(accredited_pa, commissioner):
    insurance = ProviderCheck.objects.get(provider=accredited_pa, check_type__code="public-liability-insurance")
    check_reject(provider_check=insurance, by=commissioner, reason="Cancelled by the insurer.")
    accredited_pa.refresh_from_db()
    assert accredited_pa.is_accredited is False
    assert accredited_pa.accreditation.status == Accreditation.Status.LAPSED


def test_returning_a_check_to_review_stops_it_counting_and_lapses_the_badge(accredited_pa):
    dbs = ProviderCheck.objects.get(provider=accredited_pa, check_type__code="enhanced-dbs")
    check_return_to_review(provider_check=dbs, reason="The DBS Update Service reports new information.")
    dbs.refresh_from_db()
    assert dbs.status == ProviderCheck.Status.SUBMITTED
    assert not check_counts_as_verified(dbs)
    assert dbs.decisions.first().outcome == CheckDecision.Outcome.RETURNED
    assert dbs.decisions.first().decided_by is None
    accredited_pa.refresh_from_db()
    assert accredited_pa.is_accredited is False
    lapse = accredited_pa.accreditation_decisions.first()
    assert lapse.outcome == AccreditationDecision.Outcome.LAPSED
    assert lapse.decided_by is None
    assert "Enhanced DBS" in lapse.reason


def test_a_renewal_sent_before_expiry_keeps_the_check_counting_until_the_old_details_run_out(accredited_pa):
    insurance = ProviderCheck.objects.get(provider=accredited_pa, check_type__code="public-liability-insurance")
    old_expiry = insurance.expires_on
    check_submit(provider_check=insurance, by=None, issued_on=TODAY, evidence=pdf_upload("renewal.pdf"))
    insurance.refresh_from_db()
    assert insurance.status == ProviderCheck.Status.SUBMITTED
    assert insurance.verified_expires_on == old_expiry
    assert check_counts_as_verified(insurance, TODAY)
    assert accreditation_recompute(provider=accredited_pa) is False
    assert not check_counts_as_verified(insurance, old_expiry + timedelta(days=1))


# --- Accreditation ----------------------------------------------------------------------------------------------


def test_applying_is_refused_until_every_check_is_sent_and_says_which(pa):
    submitted(pa, "public-liability-insurance")
    with pytest.raises(AccreditationError) as refused:
        accreditation_apply(provider=pa, by=None)
    assert "Enhanced DBS check with adults' barred list" in str(refused.value)
    assert "Public liability insurance" not in str(refused.value)
    assert not AccreditationDecision.objects.filter(provider=pa).exists()


def test_applying_with_every_check_sent_tells_the_commissioners(pa, commissioner, django_capture_on_commit_callbacks):
    make_every_check(pa, status=ProviderCheck.Status.SUBMITTED)
    user = pa.memberships.get().user
    with django_capture_on_commit_callbacks(execute=True):
        accreditation = accreditation_apply(provider=pa, by=user)
    assert accreditation.status == Accreditation.Status.APPLIED
    decision = pa.accreditation_decisions.get()
    assert (decision.outcome, decision.decided_by) == (AccreditationDecision.Outcome.APPLIED, user)
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["commissioner@council.example", "priya@example.org"]
    with pytest.raises(AccreditationError, match="already applied"):
        accreditation_apply(provider=pa, by=user)


def test_a_commissioner_cannot_accredit_while_a_check_is_unverified_and_is_told_which(pa, commissioner):
    make_every_check(pa)
    ProviderCheck.objects.filter(provider=pa, check_type__code="first-aid-training").update(
        status=ProviderCheck.Status.SUBMITTED, verified_at=None
    )
    Accreditation.objects.create(provider=pa, status=Accreditation.Status.APPLIED)
    with pytest.raises(AccreditationError, match="First aid training"):
        accreditation_decide(provider=pa, by=commissioner, outcome="accredited")
    pa.refresh_from_db()
    assert pa.is_accredited is False


def test_accrediting_shows_the_badge_and_publishes_a_listing_waiting_for_review(
    commissioner, django_capture_on_commit_callbacks
):
    provider = ProviderFactory(kind=Provider.Kind.PERSONAL_ASSISTANT, status=Provider.Status.SUBMITTED)
    ProviderMembershipFactory(provider=provider)
    make_every_check(provider)
    Accreditation.objects.create(provider=provider, status=Accreditation.Status.APPLIED)
    with django_capture_on_commit_callbacks(execute=True):
        decision = accreditation_decide(provider=provider, by=commissioner, outcome="accredited", reason="All good.")
    provider.refresh_from_db()
    assert provider.is_accredited is True
    assert provider.accredited_since == TODAY
    assert provider.status == Provider.Status.PUBLISHED
    assert provider.accreditation.status == Accreditation.Status.ACCREDITED
    assert (decision.decided_by, decision.reason) == (commissioner, "All good.")
    assert any("accredited" in message.subject for message in mail.outbox)


@pytest.mark.parametrize("outcome", ["refused", "suspended"])
def test_refusing_or_suspending_needs_a_reason(accredited_pa, commissioner, outcome):
    if outcome == "refused":
        Accreditation.objects.filter(provider=accredited_pa).update(status=Accreditation.Status.APPLIED)
    with pytest.raises(AccreditationError, match="Give a reason"):
        accreditation_decide(provider=accredited_pa, by=commissioner, outcome=outcome, reason="")


def test_suspending_removes_the_badge_and_keeps_the_history(accredited_pa, commissioner):
    accreditation_decide(
        provider=accredited_pa, by=commissioner, outcome="suspended", reason="Safeguarding enquiry open."
    )
    accredited_pa.refresh_from_db()
    assert accredited_pa.is_accredited is False
    outcomes = list(accredited_pa.accreditation_decisions.values_list("outcome", flat=True))
    assert outcomes == ["suspended", "accredited"]
    with pytest.raises(AccreditationError, match="suspended"):
        accreditation_apply(provider=accredited_pa, by=None)


def test_a_decision_not_allowed_from_the_current_state_is_refused(pa, commissioner):
    with pytest.raises(AccreditationError, match="cannot be refused"):
        accreditation_decide(provider=pa, by=commissioner, outcome="refused", reason="No.")
    with pytest.raises(AccreditationError, match="Choose whether"):
        accreditation_decide(provider=pa, by=commissioner, outcome="lapsed", reason="No.")


def test_a_lapse_emails_the_provider_and_the_commissioners_and_raises_a_contingency_signal(
    accredited_pa, django_capture_on_commit_callbacks
):
    ProviderCheck.objects.filter(provider=accredited_pa, check_type__code="right-to-work").update(
        status=ProviderCheck.Status.EXPIRED
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert accreditation_recompute(provider=accredited_pa) is True
    recipients = {address for message in mail.outbox for address in message.to}
    assert {"priya@example.org", "commissioner@council.example"} <= recipients
    lapse_email = next(message for message in mail.outbox if message.to == ["priya@example.org"])
    assert "Right to work in the UK" in lapse_email.body
    from marketplace.contingency.models import ContingencyFlag

    assert ContingencyFlag.objects.filter(provider=accredited_pa).exists()
    # Recomputing again changes nothing more.
    assert accreditation_recompute(provider=accredited_pa) is False
    assert accredited_pa.accreditation_decisions.filter(outcome="lapsed").count() == 1


# --- Workers ----------------------------------------------------------------------------------------------------


def test_adding_a_worker_creates_their_checks_and_removing_them_stops_them_counting():
    provider = ProviderFactory(kind=Provider.Kind.MICRO_PROVIDER)
    assert provider_vetting_summary(provider=provider).needs_workers
    worker = worker_add(provider=provider, full_name="  Sam   Patel ", role="Support worker")
    assert worker.full_name == "Sam Patel"
    assert ProviderCheck.objects.filter(worker=worker).count() == 6
    with pytest.raises(AccreditationError, match="already on your list"):
        worker_add(provider=provider, full_name="sam patel")
    worker_remove(worker=worker)
    summary = provider_vetting_summary(provider=provider)
    assert summary.needs_workers
    assert not any("Sam Patel" in item for item in summary.outstanding)


def test_the_summary_counts_sent_and_verified_checks(pa):
    make_every_check(pa, status=ProviderCheck.Status.SUBMITTED)
    summary = provider_vetting_summary(provider=pa)
    assert (summary.required, summary.submitted, summary.verified) == (7, 7, 0)
    assert summary.is_complete
    assert not summary.is_fully_verified


def test_check_types_with_no_default_validity_need_no_expiry(pa):
    right_to_work = check_of(pa, "right-to-work")
    assert CheckType.objects.get(code="right-to-work").default_validity_months is None
    check_submit(provider_check=right_to_work, by=None, issued_on=TODAY, evidence=pdf_upload())
    right_to_work.refresh_from_db()
    assert right_to_work.expires_on is None


def test_a_decision_told_the_day_is_recorded_on_that_day_not_the_real_one(accredited_pa, commissioner):
    day = date(2027, 10, 31)  # the day British Summer Time ends
    decision = accreditation_decide(
        provider=accredited_pa, by=commissioner, outcome="suspended", reason="Concerns raised.", today=day
    )
    accredited_pa.accreditation.refresh_from_db()
    assert timezone.localdate(decision.decided_at) == day
    assert timezone.localdate(accredited_pa.accreditation.decided_at) == day
