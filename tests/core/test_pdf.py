"""The PDF builder prints any text a person typed, and its output is a real PDF with that text in it."""

import pytest

from marketplace.core.pdf import PdfDocument, pdf_response


def _document() -> PdfDocument:
    document = PdfDocument(title="Support agreement", subtitle="Version 2", footer="Agreement 7")
    document.heading("Who")
    document.summary_list([("The person", "Zoë Łukasz"), ("Rate", "£15.20 per hour")])
    document.paragraph("Either side may end it with 4 weeks' notice.\x00\x07")
    document.table(["Date", "Hours", "Amount"], [["3 March 2026", "4.00", "£60.80"]] * 80, align=["L", "R", "R"])
    return document


def test_output_is_a_pdf_of_several_pages() -> None:
    document = _document()
    data = document.output()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert document.page_count >= 2


def test_title_is_in_the_document_information() -> None:
    assert b"Support agreement" in _document().output()


@pytest.mark.parametrize("text", ["Ann", "Zoë Łukasz", "control\x01characters\x1f"])
def test_any_typed_text_prints(text: str) -> None:
    document = PdfDocument(title=text)
    document.paragraph(text)
    assert document.output().startswith(b"%PDF-")


def test_response_is_a_private_download() -> None:
    response = pdf_response(_document(), filename="agreement.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="agreement.pdf"'
    assert "no-store" in response["Cache-Control"]
