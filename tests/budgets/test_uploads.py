"""Every file the money pages keep (receipts, employer duty evidence) passes the one upload check
(marketplace.core.uploads.check_upload): a file of the wrong type, one too large and one the virus scanner
finds infected are each refused with a GOV.UK error message on the form, and nothing is stored."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marketplace.budgets import services
from marketplace.budgets.models import EmployerDuty, EmployerDutyEvidence, LedgerTransaction
from tests.accreditation.conftest import pdf_bytes
from tests.accreditation.test_virus_scan import EICAR, tcp_clamd  # noqa: F401 (the fake virus scanner, a fixture)
from tests.factories import AgreementFactory

from .conftest import moment, png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_budget(holder, site):
    today = timezone.localdate()
    services.budget_set(
        holder=holder, starts_on=today - timedelta(days=27), council_payment_pence=100_000, by=None, now=moment(today)
    )
    services.scheduled_payments_post(today=today, now=moment(today))
    return holder


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_receipt(client: Client, holder, upload: SimpleUploadedFile):
    today = timezone.localdate()
    return client.post(
        reverse("budgets:spending_new", kwargs={"holder_uuid": holder.uuid}),
        {
            "description": "Swimming session",
            "amount": "12.50",
            "fund": "direct_payment",
            "occurred_on_day": today.day,
            "occurred_on_month": today.month,
            "occurred_on_year": today.year,
            "receipt": upload,
        },
    )


def post_duty_evidence(client: Client, holder, upload: SimpleUploadedFile):
    AgreementFactory(holder=holder, version__employment="employed")
    client.get(reverse("budgets:employer_duties", kwargs={"holder_uuid": holder.uuid}))  # the checklist is made
    duty = EmployerDuty.objects.get(holder=holder, item="insurance")
    renew = timezone.localdate() + timedelta(days=200)
    return client.post(
        reverse("budgets:employer_duty_edit", kwargs={"holder_uuid": holder.uuid, "duty_uuid": duty.uuid}),
        {
            "status": "done",
            "renews_on_day": renew.day,
            "renews_on_month": renew.month,
            "renews_on_year": renew.year,
            "file": upload,
        },
    )


FLOWS = {
    "a receipt": (post_receipt, "receipt", lambda: LedgerTransaction.objects.filter(kind="off_platform").exists()),
    "employer duty evidence": (post_duty_evidence, "file", lambda: EmployerDutyEvidence.objects.exists()),
}


def assert_refused(response, *, field: str, message: str, stored) -> None:
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page  # the GOV.UK error summary
    assert f'href="#{field}"' in page  # linking to the file input (its id is its name: docs/govuk-components.md)
    assert f'id="{field}"' in page
    assert message in page
    assert not stored()


@pytest.mark.parametrize("flow", FLOWS)
def test_a_file_of_the_wrong_type_is_refused(live_budget, family, flow):
    post, field, stored = FLOWS[flow]
    web_page = SimpleUploadedFile("receipt.pdf", b"<html><script>alert(1)</script></html>", "application/pdf")

    response = post(signed_in(family), live_budget, web_page)

    assert_refused(response, field=field, message="The selected file must be a PDF, JPG or PNG", stored=stored)


@pytest.mark.parametrize("flow", FLOWS)
def test_a_file_over_the_size_limit_is_refused(live_budget, family, settings, flow):
    post, field, stored = FLOWS[flow]
    upload = png_upload()
    settings.UPLOAD_MAX_BYTES = upload.size - 1

    response = post(signed_in(family), live_budget, upload)

    assert_refused(response, field=field, message="The selected file must be smaller than 1KB", stored=stored)


@pytest.mark.parametrize("flow", FLOWS)
def test_an_infected_file_is_refused(live_budget, family, tcp_clamd, flow):  # noqa: F811 (the fixture)
    post, field, stored = FLOWS[flow]
    infected = pdf_bytes() + EICAR

    response = post(signed_in(family), live_budget, SimpleUploadedFile("receipt.pdf", infected, "application/pdf"))

    assert_refused(
        response, field=field, message="The selected file contains a virus. It has not been saved.", stored=stored
    )
    assert tcp_clamd.received == [infected]


@pytest.mark.parametrize("flow", FLOWS)
def test_a_clean_file_is_scanned_and_kept(live_budget, family, tcp_clamd, flow):  # noqa: F811 (the fixture)
    post, _field, stored = FLOWS[flow]
    upload = png_upload()

    response = post(signed_in(family), live_budget, upload)

    assert response.status_code == 302
    assert stored()
    assert len(tcp_clamd.received) == 1
