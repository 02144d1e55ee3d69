"""Uploads are judged by their content: PDF, JPEG or PNG only, within the size limit."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from PIL import Image

from marketplace.core.uploads import UploadError, accept_attribute, validate_upload
from tests.accreditation.conftest import image_bytes, pdf_bytes

WRONG_TYPE = "The selected file must be a PDF, JPG or PNG"


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_pdf_is_accepted_as_a_pdf():
    detected = validate_upload(upload("certificate.pdf", pdf_bytes()))
    assert (detected.kind, detected.content_type, detected.extension) == ("pdf", "application/pdf", "pdf")


def test_a_png_named_pdf_is_accepted_as_the_png_it_is():
    detected = validate_upload(upload("certificate.pdf", image_bytes("PNG"), content_type="application/pdf"))
    assert detected.content_type == "image/png"


def test_a_jpeg_with_no_extension_is_accepted_as_a_jpeg():
    detected = validate_upload(upload("scan", image_bytes("JPEG"), content_type="application/octet-stream"))
    assert (detected.kind, detected.extension) == ("jpeg", "jpg")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 500),  # a Windows program
        ("invoice.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 500),  # a Linux program
        (
            "logo.pdf",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        ),
        ("page.pdf", b"<!DOCTYPE html><html><body onload=alert(1)></body></html>"),
        ("notes.pdf", b"Just some text that says %PDF-1.4 later on"),
        ("archive.pdf", b"PK\x03\x04" + b"\x00" * 500),  # a zip (or a Word document)
        ("picture.gif", b"GIF89a" + b"\x00" * 100),
    ],
    ids=["exe renamed .pdf", "elf renamed .pdf", "svg", "html", "text", "zip", "gif"],
)
def test_anything_else_is_refused_whatever_its_name(name, content):
    with pytest.raises(UploadError, match=rf"^{WRONG_TYPE}$"):
        validate_upload(upload(name, content))


def test_a_png_header_on_something_that_is_not_an_image_is_refused():
    fake = b"\x89PNG\r\n\x1a\n" + b"<html><script>alert(1)</script></html>" * 10
    with pytest.raises(UploadError, match="could not be opened"):
        validate_upload(upload("photo.png", fake, "image/png"))


def test_a_truncated_jpeg_is_refused():
    whole = image_bytes("JPEG")
    with pytest.raises(UploadError, match="could not be opened"):
        validate_upload(upload("photo.jpg", whole[:40], "image/jpeg"))


def test_an_image_too_large_to_open_safely_is_refused(monkeypatch):
    # A decompression bomb: far more pixels than Pillow's limit (lowered here to keep the test small).
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    buffer = io.BytesIO()
    Image.new("1", (200, 200)).save(buffer, "PNG")
    with pytest.raises(UploadError, match="could not be opened"):
        validate_upload(upload("huge.png", buffer.getvalue(), "image/png"))


def test_an_empty_file_is_refused():
    with pytest.raises(UploadError, match=r"^The selected file is empty$"):
        validate_upload(upload("empty.pdf", b""))


def test_a_50_megabyte_file_is_refused_saying_the_limit(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    big = TemporaryUploadedFile("scan.pdf", "application/pdf", 50 * 1024 * 1024, "utf-8")
    big.write(pdf_bytes())
    big.seek(50 * 1024 * 1024 - 1)
    big.write(b"\0")
    big.seek(0)
    with pytest.raises(UploadError, match=r"^The selected file must be smaller than 10MB$"):
        validate_upload(big)
    big.close()


def test_the_limit_comes_from_the_setting(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(UploadError, match=r"^The selected file must be smaller than 1KB$"):
        validate_upload(upload("certificate.pdf", pdf_bytes()))
    settings.UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    assert validate_upload(upload("certificate.pdf", pdf_bytes())).kind == "pdf"


def test_a_file_exactly_at_the_limit_is_accepted():
    content = pdf_bytes()
    assert validate_upload(upload("certificate.pdf", content), max_bytes=len(content)).kind == "pdf"


def test_the_kinds_allowed_can_be_narrowed():
    with pytest.raises(UploadError, match=r"^The selected file must be a PDF$"):
        validate_upload(upload("photo.png", image_bytes("PNG")), allowed=("pdf",))


def test_the_file_is_left_at_its_start_for_whoever_stores_it():
    file = upload("photo.png", image_bytes("PNG"))
    validate_upload(file)
    assert file.tell() == 0


def test_the_accept_attribute_lists_extensions_and_types():
    assert accept_attribute() == ".pdf,application/pdf,.jpg,image/jpeg,.jpeg,.png,image/png"
