"""Files and providers for the vetting tests."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from marketplace.accreditation.models import Accreditation, ProviderCheck
from marketplace.accreditation.requirements import required_checks
from marketplace.providers.models import Provider
from tests.factories import ProviderFactory, ProviderMembershipFactory


def pdf_bytes(text: str = "evidence") -> bytes:
    """A real one-page PDF (Pillow writes it)."""
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(buffer, "PDF", title=text)
    return buffer.getvalue()


def image_bytes(image_format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "navy").save(buffer, image_format)
    return buffer.getvalue()


def pdf_upload(name: str = "certificate.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("PNG"), content_type="image/png")


@pytest.fixture
def pa(db):
    """A personal assistant with one user."""
    provider = ProviderFactory(kind=Provider.Kind.PERSONAL_ASSISTANT, name="Priya Shah", contact_email="")
    ProviderMembershipFactory(provider=provider, user__email="priya@example.org")
    return provider


def make_every_check(
    provider, *, status=ProviderCheck.Status.VERIFIED, expires_on: date | None = None, only_missing: bool = False
):
    """Rows for every required check, in one state, with a document each (built directly, not through services).

    only_missing: leave alone the checks the provider has already sent.
    """
    from marketplace.accreditation.models import Evidence

    today = timezone.localdate()
    checks = []
    for check_type, worker in required_checks(provider):
        if (
            only_missing
            and ProviderCheck.objects.filter(
                provider=provider, check_type=check_type, worker=worker, status__in=["submitted", "verified"]
            ).exists()
        ):
            continue
        expiry = (expires_on or today + timedelta(days=300)) if check_type.has_expiry else None
        check, _ = ProviderCheck.objects.update_or_create(
            provider=provider,
            check_type=check_type,
            worker=worker,
            defaults={
                "status": status,
                "issued_on": today - timedelta(days=30),
                "expires_on": expiry,
                "verified_at": timezone.now() if status == ProviderCheck.Status.VERIFIED else None,
                "verified_expires_on": expiry if status == ProviderCheck.Status.VERIFIED else None,
                "submitted_at": timezone.now(),
            },
        )
        Evidence.objects.create(
            provider_check=check,
            file=SimpleUploadedFile("evidence.pdf", pdf_bytes()),
            original_name="evidence.pdf",
            content_type="application/pdf",
            size=100,
            sha256="0" * 64,
        )
        checks.append(check)
    return checks


@pytest.fixture
def accredited_pa(pa, commissioner):
    """The personal assistant, every check verified, accredited by a commissioner."""
    from marketplace.accreditation.services import accreditation_decide

    make_every_check(pa)
    Accreditation.objects.create(provider=pa, status=Accreditation.Status.APPLIED, applied_at=timezone.now())
    accreditation_decide(provider=pa, by=commissioner, outcome="accredited")
    pa.refresh_from_db()
    return pa


@pytest.fixture
def commissioner(db):
    from tests.factories import CommissionerFactory

    return CommissionerFactory(email="commissioner@council.example")
