"""Hostile input everywhere, as five roles: no response may be a 5xx.

The suite discovers every URL from the URL configuration (the Wagtail admin's
included), fills its parameters with real ids, nonsense and ids too large for
any column, signs in as each role, requests each page with hostile query
parameters, then fills every form it finds on the page with generated hostile
values (long, control and invalid text, huge, negative and non-numeric
numbers, impossible dates, unknown choices, repeated parameters, malformed
uploads) and sends it, plus requests with wrong methods and without a CSRF
token. Any 5xx fails the test, listing each with its exception.

Deterministic (a seeded generator) and bounded: it prints how many requests
it sent and how long it took.
"""

import datetime
import traceback
from typing import Any

import pytest
from django.core.signals import got_request_exception
from django.test import Client
from django.utils import timezone

from marketplace.accounts.services import account_email_mark_verified
from marketplace.accreditation.models import ProviderCheck
from marketplace.accreditation.services import evidence_add, provider_checks_sync, worker_add
from marketplace.agreements.pools import pool_invite
from marketplace.agreements.services import invoice_issue as agreement_invoice_issue
from marketplace.backups.services import absence_mark
from marketplace.providers.models import Provider
from marketplace.reviews.services import review_moderate, review_write
from tests.accreditation.conftest import pdf_upload
from tests.factories import (
    AGREEMENT_MOMENT,
    AgreementFactory,
    ArrangementMembershipFactory,
    ContingencyFlagFactory,
    DirectPaymentHolderFactory,
    MonitoringFeedbackFactory,
    MonitoringVisitFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    TimesheetEntryFactory,
)
from tests.hostile import Answer, concrete_urls, hostile_world, send_hostile_requests

pytestmark = pytest.mark.django_db

# --- The world and the roles ----------------------------------------------------------------------------------------


@pytest.fixture
def world(commissioner_user: Any, editor_user: Any) -> dict[str, Any]:
    owner_membership = ProviderMembershipFactory(
        provider__kind=Provider.Kind.MICRO_PROVIDER, provider__status=Provider.Status.PUBLISHED, role="owner"
    )
    provider = owner_membership.provider
    owner = owner_membership.user
    worker = worker_add(provider=provider, full_name="Sam Patel")
    provider_checks_sync(provider=provider)
    check = ProviderCheck.objects.filter(provider=provider, worker__isnull=True).first()
    evidence = evidence_add(provider_check=check, upload=pdf_upload(), by=None)
    visit = MonitoringVisitFactory(provider=provider, officer=commissioner_user)
    membership = ArrangementMembershipFactory(provider=provider)
    feedback = MonitoringFeedbackFactory(provider=provider)
    flag = ContingencyFlagFactory(provider=ProviderFactory())
    holder_record = DirectPaymentHolderFactory()
    holder = holder_record.user
    # Reviews and back-up plans: an agreement with an approved entry, a published review, an absence and its alert.
    reviewed_agreement = AgreementFactory(holder=holder_record, provider=provider)
    TimesheetEntryFactory(agreement=reviewed_agreement, status="approved")
    review = review_write(
        agreement=reviewed_agreement, by=holder, rating=4, text="Kind, on time and careful.", author_name="Jo"
    )
    review_moderate(review=review, by=commissioner_user, decision="published")
    waiting_agreement = AgreementFactory(provider=provider)
    TimesheetEntryFactory(agreement=waiting_agreement, status="approved")
    waiting = review_write(
        agreement=waiting_agreement,
        by=waiting_agreement.holder.user,
        rating=2,
        text="Late twice in one week.",
        author_name="Al",
    )
    today = timezone.localdate()
    absence = absence_mark(provider=provider, by=owner, starts_on=today, ends_on=today, reason="Ill", today=today)
    # Agreements: a timesheet entry waiting for approval and an invoice.
    agreement = AgreementFactory(holder=holder_record, provider=provider, version__start_on=datetime.date(2026, 1, 5))
    entry = TimesheetEntryFactory(agreement=agreement, worked_on=datetime.date(2026, 1, 6))
    invoiced = TimesheetEntryFactory(agreement=agreement, worked_on=datetime.date(2026, 1, 7), status="approved")
    invoice = agreement_invoice_issue(
        agreement=agreement, by=owner, up_to=invoiced.worked_on, today=datetime.date(2026, 1, 9), now=AGREEMENT_MOMENT
    )
    # Shared support: the holder's agreement shared with another holder, so the holder's member id is real.
    pool_invite(
        agreement=agreement, holder=DirectPaymentHolderFactory(), by=owner, side="provider", shares_from=today,
        today=today, now=timezone.now(),
    )  # fmt: skip
    member = agreement.pool_members.get(holder=holder_record)
    for user in (owner, holder, commissioner_user, editor_user):
        account_email_mark_verified(user=user)

    return hostile_world(
        provider=provider,
        owner_membership=owner_membership,
        worker=worker,
        check=check,
        evidence=evidence,
        visit=visit,
        membership=membership,
        feedback=feedback,
        flag=flag,
        more_ids={
            "agreement": agreement.uuid,
            "review": review.uuid,
            "absence": absence.uuid,
            "alert": absence.alerts.get(holder=holder_record).uuid,
            "entry": entry.uuid,
            "invoice": invoice.uuid,
            "member": member.uuid,
        },
        more_pks=(("admin/reviews", waiting.pk),),
        roles={
            "anonymous": None,
            "direct payment holder": holder,
            "provider owner": owner,
            "editor": editor_user,
            "commissioner": commissioner_user,
        },
    )


class InProcessTransport:
    """One role in process: Django's test client, signed in again before each URL (a hostile form may sign out)."""

    def __init__(self, user: Any, exceptions: list[str]) -> None:
        self.user = user
        self.signed_in = user is not None
        self.client = Client(raise_request_exception=False)
        self.strict = Client(raise_request_exception=False, enforce_csrf_checks=True)
        self.exceptions = exceptions

    def keep_signed_in(self) -> None:
        if self.user is not None:
            self.client.force_login(self.user)

    @staticmethod
    def answer(response: Any) -> Answer:
        content_type = response.get("Content-Type", "")
        text = response.content.decode("utf-8", "replace") if "html" in content_type else ""
        return Answer(response.status_code, content_type, text)

    def get(self, path: str, data: dict[str, Any]) -> Answer:
        self.exceptions.clear()
        return self.answer(self.client.get(path, data))

    def post(self, path: str, data: dict[str, Any], *, with_csrf: bool = True) -> Answer:
        self.exceptions.clear()
        if with_csrf:
            return self.answer(self.client.post(path, data))
        self.strict.force_login(self.user)
        return self.answer(self.strict.post(path, data))

    def put(self, path: str, body: str) -> Answer:
        self.exceptions.clear()
        return self.answer(self.client.put(path, data=body))

    def last_error(self) -> str:
        return self.exceptions[-1] if self.exceptions else ""


def test_no_hostile_request_gets_a_5xx(world: dict[str, Any], site: Any) -> None:
    exceptions: list[str] = []

    def record(sender: Any, request: Any = None, **kwargs: Any) -> None:
        frames = [line for line in traceback.format_exc().splitlines() if "site-packages/django/" not in line]
        exceptions.append("\n".join(frames[-12:]))

    got_request_exception.connect(record)
    try:
        roles = {role: InProcessTransport(user, exceptions) for role, user in world["roles"].items()}
        report = send_hostile_requests(urls=concrete_urls(world), roles=roles)
    finally:
        got_request_exception.disconnect(record)

    print("\n" + report.summary())
    assert not report.failures, f"{len(report.failures)} of {report.sent} requests answered 5xx:\n" + "\n".join(
        report.failures[:40]
    )
