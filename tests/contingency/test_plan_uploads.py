"""A business continuity plan passes the one upload check every kept file passes
(marketplace.core.uploads.check_upload): the commissioners' plan upload refuses a file of the wrong type,
one too large and one the virus scanner finds infected, each with an error message on the flag page, and
keeps nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from marketplace.contingency import services
from marketplace.contingency.models import ContingencyFlag
from tests.accreditation.test_virus_scan import EICAR
from tests.factories import ContingencyFlagFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def commissioner_client(client, commissioner_user):
    client.force_login(commissioner_user)
    return client


def upload(client, flag: ContingencyFlag, content: bytes):
    return client.post(
        reverse("contingency_admin:upload_plan", args=[flag.pk]),
        {"plan": SimpleUploadedFile("plan.pdf", content, content_type="application/pdf"), "reviewed_on": ""},
    )


def assert_refused(response, flag: ContingencyFlag, message: str) -> None:
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    flag.refresh_from_db()
    assert not flag.business_continuity_plan


def test_a_plan_of_the_wrong_type_is_refused(commissioner_client) -> None:
    flag = ContingencyFlagFactory.create()
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64

    assert_refused(upload(commissioner_client, flag, png), flag, "The selected file must be a PDF")


def test_a_plan_over_the_size_limit_is_refused(commissioner_client, monkeypatch) -> None:
    flag = ContingencyFlagFactory.create()
    monkeypatch.setattr(services, "BCP_MAX_BYTES", len(PDF) - 1)

    assert_refused(upload(commissioner_client, flag, PDF), flag, "The selected file must be smaller than 1KB")


def test_an_infected_plan_is_refused(commissioner_client, tcp_clamd) -> None:
    flag = ContingencyFlagFactory.create()

    response = upload(commissioner_client, flag, PDF + EICAR)

    assert_refused(response, flag, "The selected file contains a virus. It has not been saved.")
    assert tcp_clamd.received == [PDF + EICAR]
