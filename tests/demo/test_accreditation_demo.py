"""The demo county's vetting and accreditation: realistic shares, and the badge always true to the checks."""

import hashlib
from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from marketplace.accreditation.filters import review_queue
from marketplace.accreditation.models import (
    Accreditation,
    AccreditationDecision,
    CheckDecision,
    Evidence,
    ExpiryReminder,
    ProviderCheck,
    Worker,
)
from marketplace.accreditation.selectors import checks_expiring_within, provider_vetting_summary
from marketplace.accreditation.services import expiry_sweep
from marketplace.core.uploads import validate_upload
from marketplace.demo.builder import demo_county_build
from marketplace.providers.models import Provider

TODAY = date(2026, 11, 23)
Status = Accreditation.Status


@pytest.fixture(scope="module")
def county(django_db_setup, django_db_blocker):
    """The demo county at scale 1, built once for this module in a transaction rolled back afterwards."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield demo_county_build(scale=1, seed=2026, today=TODAY)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@pytest.mark.django_db
def test_states_come_in_realistic_proportions(county):
    published = Provider.objects.published()
    total = published.count()
    statuses = Counter(Accreditation.objects.filter(provider__in=published).values_list("status", flat=True))

    assert 0.33 < share(statuses[Status.ACCREDITED], total) < 0.47
    assert 0.03 < share(statuses[Status.APPLIED], total) < 0.08
    assert 0.005 < share(statuses[Status.REFUSED], total) < 0.03
    assert 0.003 < share(statuses[Status.LAPSED], total) < 0.02
    # Every listing submitted for review has applied too.
    submitted = Provider.objects.filter(status=Provider.Status.SUBMITTED)
    assert (
        submitted.filter(kind=Provider.Kind.OTHER).count()
        + submitted.filter(accreditation__status=Status.APPLIED).count()
        == submitted.count()
    )
    # Most have not applied; some have started their checks.
    not_applied = Provider.objects.filter(accreditation__isnull=True)
    assert not_applied.count() > Provider.objects.count() * 0.3
    assert not_applied.filter(checks__status=ProviderCheck.Status.VERIFIED).distinct().count() > 50

    accredited = Provider.objects.filter(accreditation__status=Status.ACCREDITED)
    lapsing = accredited.filter(
        checks__status=ProviderCheck.Status.VERIFIED,
        checks__expires_on__gte=TODAY,
        checks__expires_on__lte=TODAY + timedelta(days=60),
    ).distinct()
    assert 0.04 < share(lapsing.count(), accredited.count()) < 0.10


@pytest.mark.django_db
def test_micro_providers_and_day_services_name_one_to_four_workers_with_their_own_checks(county):
    for kind in (Provider.Kind.MICRO_PROVIDER, Provider.Kind.DAY_SERVICE):
        counts = Counter(Worker.objects.filter(provider__kind=kind).values_list("provider_id", flat=True))
        assert len(counts) == Provider.objects.filter(kind=kind).count()
        assert set(counts.values()) <= {1, 2, 3, 4}
    assert ProviderCheck.objects.filter(worker__isnull=False, status=ProviderCheck.Status.VERIFIED).exists()
    assert Worker.objects.exclude(full_name="").count() == Worker.objects.count()


@pytest.mark.django_db
def test_the_badge_is_true_for_every_provider(county):
    accreditations = {row.provider_id: row for row in Accreditation.objects.all()}
    checked = 0
    for provider in Provider.objects.order_by("pk"):
        accreditation = accreditations.get(provider.pk)
        is_accredited = accreditation is not None and accreditation.status == Status.ACCREDITED
        assert provider.is_accredited == is_accredited, provider
        assert provider.accredited_since == (accreditation.accredited_since if is_accredited else None), provider
        summary = provider_vetting_summary(provider=provider, today=TODAY)
        if is_accredited:
            assert summary.is_fully_verified, (provider, summary.unverified)
            checked += 1
        if accreditation is not None and accreditation.status in (Status.LAPSED, Status.REFUSED):
            assert not summary.is_fully_verified, provider
        if accreditation is not None and accreditation.status == Status.APPLIED:
            assert summary.is_complete, (provider, summary.outstanding)
            assert not summary.is_fully_verified, provider
    assert checked > 400
    # The listings' count the builder reports is the same.
    assert county.accredited == checked


@pytest.mark.django_db
def test_decisions_say_who_when_and_why(county):
    commissioner = county.logins[1].email
    accredited = AccreditationDecision.objects.filter(outcome=AccreditationDecision.Outcome.ACCREDITED)
    assert set(accredited.values_list("decided_by__email", flat=True)) == {commissioner}
    for decision in AccreditationDecision.objects.filter(outcome=AccreditationDecision.Outcome.REFUSED):
        assert decision.decided_by is not None
        assert "was not accepted" in decision.reason
        rejected = CheckDecision.objects.get(
            provider_check__provider=decision.provider, outcome=CheckDecision.Outcome.REJECTED
        )
        assert rejected.reason in decision.reason
    lapses = AccreditationDecision.objects.filter(outcome=AccreditationDecision.Outcome.LAPSED)
    assert lapses.exists()
    for lapse in lapses:
        assert lapse.decided_by is None
        assert lapse.reason.startswith("Not verified and in date: ")
        expired = ProviderCheck.objects.get(provider=lapse.provider, status=ProviderCheck.Status.EXPIRED)
        assert expired.expires_on < TODAY
        assert expired.reminders.count() == 3
        history = list(lapse.provider.accreditation_decisions.order_by("decided_at").values_list("outcome", flat=True))
        assert history == ["applied", "accredited", "lapsed"]
    # Every verified check has its history: sent, then verified by a commissioner.
    verified = ProviderCheck.objects.filter(status=ProviderCheck.Status.VERIFIED).first()
    assert verified is not None
    outcomes = list(verified.decisions.order_by("decided_at", "pk").values_list("outcome", flat=True))
    assert outcomes == ["submitted", "verified"]
    assert verified.verified_by is not None
    assert verified.verified_expires_on == verified.expires_on


@pytest.mark.django_db
def test_lapsing_checks_have_had_the_reminders_already_due(county):
    reminders = ExpiryReminder.objects.select_related("provider_check")
    assert reminders.exists()
    for reminder in reminders:
        check = reminder.provider_check
        assert reminder.expires_on == check.expires_on
        assert reminder.sent_at.date() == check.expires_on - timedelta(days=reminder.days_before)
        assert reminder.sent_at.date() < TODAY
    assert reminders.filter(days_before=30).exists()


@pytest.mark.django_db
def test_the_review_queue_waits_realistic_days(county):
    queue = list(review_queue())
    assert len(queue) > 60
    now = timezone.make_aware(datetime.combine(TODAY, time(12)))
    waiting_days = [(now - provider.waiting_since).days for provider in queue]
    assert max(waiting_days) >= 30
    assert min(waiting_days) <= 7
    assert sum(1 for provider in queue if provider.application_waiting_since is not None) > 50


@pytest.mark.django_db
def test_evidence_files_are_real_documents_in_private_storage(county):
    waiting = ProviderCheck.objects.filter(status=ProviderCheck.Status.SUBMITTED)
    assert waiting.exists()
    assert not waiting.filter(evidence__isnull=True).exists()
    login_listing = Provider.objects.get(memberships__user__email="provider@demo.example")
    assert not (
        login_listing.checks.exclude(status=ProviderCheck.Status.NOT_STARTED).filter(evidence__isnull=True).exists()
    )
    # Only where someone will open them: not for every accredited provider.
    assert Evidence.objects.count() < ProviderCheck.objects.count() / 2

    types = Counter()
    for evidence in Evidence.objects.order_by("pk")[:300]:
        with evidence.file.open("rb") as handle:
            data = handle.read()
            assert validate_upload(handle).content_type == evidence.content_type
        assert len(data) == evidence.size
        assert hashlib.sha256(data).hexdigest() == evidence.sha256
        assert evidence.file.name.startswith(f"evidence/{evidence.provider_check.provider_id}/")
        types[evidence.content_type] += 1
    assert set(types) == {"application/pdf", "image/png"}
    uploaded = Evidence.objects.filter(provider_check__provider=login_listing).values_list(
        "uploaded_by__email", flat=True
    )
    assert set(uploaded) == {"provider@demo.example"}


@pytest.mark.django_db
def test_dbs_certificate_numbers_are_twelve_digits_and_encrypted_at_rest(county):
    check = ProviderCheck.objects.filter(check_type__code="enhanced-dbs", status=ProviderCheck.Status.VERIFIED).first()
    assert check is not None
    assert check.certificate_number.isdigit()
    assert len(check.certificate_number) == 12
    assert check.certificate_number_last_digits == check.certificate_number[-4:]
    with connection.cursor() as cursor:
        cursor.execute("SELECT certificate_number FROM accreditation_providercheck WHERE id = %s", [check.pk])
        stored = cursor.fetchone()[0]
    assert check.certificate_number not in stored
    on_update_service = ProviderCheck.objects.filter(check_type__code="enhanced-dbs", is_on_update_service=True)
    dbs = ProviderCheck.objects.filter(check_type__code="enhanced-dbs").exclude(
        status=ProviderCheck.Status.NOT_STARTED
    )
    assert 0.65 < share(on_update_service.count(), dbs.count()) < 0.95
    assert all(check.holder_surname and check.holder_date_of_birth for check in on_update_service[:50])


@pytest.mark.django_db
def test_the_daily_job_on_the_demo_lapses_no_one_and_reports_what_expires(county):
    expiring = checks_expiring_within(days=30, today=TODAY)
    assert 5 < expiring.count() < 60

    summary = expiry_sweep(today=TODAY)
    assert summary.checks_expired == 0
    assert summary.providers_lapsed == 0
    assert expiry_sweep(today=TODAY).reminders_sent == 0


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_vetting_and_force_clears_it():
    def snapshot() -> list[tuple]:
        return list(
            ProviderCheck.objects.order_by("provider__slug", "check_type__code", "worker__full_name").values_list(
                "provider__slug",
                "check_type__code",
                "worker__full_name",
                "status",
                "issued_on",
                "expires_on",
                "provider__accreditation__status",
                "provider__is_accredited",
            )
        )

    demo_county_build(scale=0.05, seed=5, today=TODAY, force=True)
    first = snapshot()
    evidence_names = set(Evidence.objects.values_list("file", flat=True))
    assert first
    assert evidence_names

    demo_county_build(scale=0.05, seed=5, today=TODAY, force=True)
    assert snapshot() == first
    assert Evidence.objects.count() == len(evidence_names)
    assert not evidence_names & set(Evidence.objects.values_list("file", flat=True))
