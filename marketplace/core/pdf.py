"""PDF documents people download (agreements, statements): one small builder on fpdf2.

Text is set in Noto Sans (shipped as a Python package, so no system fonts
are needed and any name a person types prints, not only Latin-1). A
document is built from a few GOV.UK-like parts, in order:

    document = PdfDocument(title="Support agreement", subtitle="Version 2, agreed 3 March 2026")
    document.heading("Who")
    document.summary_list([("The person", "Ann Example"), ("Provider", "Bea Carer")])
    document.paragraph("Either side may end the agreement with 4 weeks' notice.")
    document.table(["Date", "Hours", "Amount"], [["3 March 2026", "4.00", "£52.00"]], align=["L", "R", "R"])
    pdf_bytes = document.output()

`pdf_response` serves the bytes as a download.
"""

import logging
import os
import tempfile
from collections.abc import Sequence
from functools import cache
from importlib.metadata import version
from pathlib import Path

import fontpkg_noto_sans
from django.http import HttpResponse
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer
from fpdf import FPDF
from fpdf.fonts import FontFace

from .text import without_control_characters

FONT = "NotoSans"
BLACK = (11, 12, 12)
GREY = (80, 90, 95)
RULE = (177, 180, 182)


# fontTools reports every table it touches at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)


@cache
def _font_file(weight: int) -> str:
    """A static TrueType file of Noto Sans at `weight`, made once from the variable font and kept.

    fpdf2 can instance the variable font itself, but does so for every
    document (seconds each). The static files go in the temporary directory,
    named by the font package's version, written whole before they are used.
    """
    folder = Path(tempfile.gettempdir()) / f"care-marketplace-fonts-{version('fontpkg-noto-sans')}"
    target = folder / f"NotoSans-{weight}.ttf"
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        font = TTFont(Path(fontpkg_noto_sans.__file__).parent / "files" / "NotoSans[wdth,wght].ttf")
        for table in ("GPOS", "GDEF", "GSUB"):  # text is not shaped: these only cost time
            if table in font:
                del font[table]
        instancer.instantiateVariableFont(font, {"wght": weight, "wdth": 100}, inplace=True)
        handle, partial = tempfile.mkstemp(dir=folder, suffix=".part")
        with os.fdopen(handle, "wb") as file:
            font.save(file)
        os.replace(partial, target)
    return str(target)


def _text(value: object) -> str:
    return without_control_characters(str(value)) if value is not None else ""


class _Pdf(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(*GREY)
        page = f"Page {self.page_no()} of {{nb}}"
        self.cell(0, 5, f"{self.footer_text}  ·  {page}" if self.footer_text else page, align="C")


class PdfDocument:
    """An A4 document with a title, headings, summary lists, paragraphs and tables."""

    def __init__(self, *, title: str, subtitle: str = "", footer: str = "") -> None:
        self.title = _text(title)
        self._footer = _text(footer)
        pdf = _Pdf(format="A4", unit="mm")
        pdf.footer_text = self._footer
        pdf.set_title(self.title)
        pdf.set_creator("Care and support directory")
        pdf.set_margins(18, 18, 18)
        pdf.set_auto_page_break(auto=True, margin=18)
        pdf.add_font(FONT, "", _font_file(400))
        pdf.add_font(FONT, "B", _font_file(700))
        pdf.add_page()
        pdf.set_text_color(*BLACK)
        pdf.set_font(FONT, "B", 20)
        pdf.multi_cell(0, 9, self.title, new_x="LMARGIN", new_y="NEXT")
        if subtitle:
            pdf.set_font(FONT, "", 11)
            pdf.set_text_color(*GREY)
            pdf.multi_cell(0, 6, _text(subtitle), new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(*BLACK)
        pdf.ln(4)
        self._pdf = pdf

    def heading(self, text: str) -> None:
        pdf = self._pdf
        pdf.ln(2)
        pdf.set_font(FONT, "B", 14)
        pdf.multi_cell(0, 7, _text(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def paragraph(self, text: str) -> None:
        pdf = self._pdf
        pdf.set_font(FONT, "", 11)
        pdf.multi_cell(0, 5.5, _text(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    def summary_list(self, rows: Sequence[tuple[str, object]]) -> None:
        """Label and value pairs, one row each, with a rule between rows."""
        self.table(["", ""], [[label, value] for label, value in rows], widths=(35, 65), header=False)

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[object]],
        *,
        align: Sequence[str] | None = None,
        widths: Sequence[int] | None = None,
        header: bool = True,
    ) -> None:
        pdf = self._pdf
        pdf.set_font(FONT, "", 10)
        pdf.set_draw_color(*RULE)
        aligns = tuple(align) if align else ("L",) * len(headers)
        with pdf.table(
            col_widths=tuple(widths) if widths else None,
            text_align=aligns,
            first_row_as_headings=header,
            headings_style=FontFace(emphasis="BOLD"),
            borders_layout="HORIZONTAL_LINES",
            line_height=6,
            padding=1.5,
        ) as table:
            if header:
                table.row([_text(cell) for cell in headers])
            for values in rows:
                table.row([_text(cell) for cell in values])
        pdf.ln(3)

    @property
    def page_count(self) -> int:
        return int(self._pdf.pages_count)

    def output(self) -> bytes:
        return bytes(self._pdf.output())


def pdf_response(document: PdfDocument, *, filename: str) -> HttpResponse:
    """The document as a download named `filename` (which should end in .pdf)."""
    response = HttpResponse(document.output(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
