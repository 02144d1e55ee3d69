"""Control characters: kept out of everything typed, and out of every spreadsheet we write.

Two hooks, each in one place, installed by CoreConfig.ready():

- Every form's text field (Django's `forms.CharField` and its subclasses:
  email, slug, URL, django-filter's text filters, allauth's and Wagtail's
  forms too) drops control characters when it cleans its value. Line breaks
  and tabs stay; passwords are left exactly as typed.
- Every spreadsheet export (Wagtail's SpreadsheetExportMixin, which every
  listing and report here uses) writes each cell through `spreadsheet_safe`, so
  whatever is already stored cannot break an XLSX file (openpyxl refuses
  control characters) or run as a formula in a CSV opened in a spreadsheet.
"""

import re
import unicodedata
from functools import wraps
from typing import Any

# C0 controls except tab, line feed and carriage return; DEL and the C1 controls;
# lone surrogates (invalid Unicode); the two non-characters at the end of each plane's first block.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def without_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)


def spreadsheet_safe(value: Any, export_format: str) -> Any:
    """A cell value that cannot break the file or run as a formula; numbers and dates pass unchanged."""
    if not isinstance(value, str):
        return value
    text = without_control_characters(unicodedata.normalize("NFC", value))
    if export_format == "csv" and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def install_form_text_cleaning() -> None:
    from django import forms

    original = forms.CharField.to_python
    if getattr(original, "cleans_control_characters", False):
        return

    @wraps(original)
    def to_python(self: forms.CharField, value: Any) -> Any:
        cleaned = original(self, value)
        if isinstance(cleaned, str) and not isinstance(self.widget, forms.PasswordInput):
            cleaned = without_control_characters(cleaned)
            if self.strip:
                cleaned = cleaned.strip()
        return cleaned

    to_python.cleans_control_characters = True  # type: ignore[attr-defined]
    setattr(forms.CharField, "to_python", to_python)  # noqa: B010


def install_spreadsheet_cleaning() -> None:
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    original = SpreadsheetExportMixin.preprocess_field_value
    if getattr(original, "cleans_control_characters", False):
        return

    @wraps(original)
    def preprocess_field_value(self: Any, field: str, value: Any, export_format: str) -> Any:
        return spreadsheet_safe(original(self, field, value, export_format), export_format)

    preprocess_field_value.cleans_control_characters = True  # type: ignore[attr-defined]
    setattr(SpreadsheetExportMixin, "preprocess_field_value", preprocess_field_value)  # noqa: B010
