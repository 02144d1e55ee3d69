"""Form fields every app shares, so bad numbers and ids are answered with a form error, never a 500.

- `DateInputField`: the GOV.UK date input (day, month, year boxes). Each part
  must be plain digits of a sensible length before any arithmetic, so
  "99999999999999999999" or "١٢" is "must be a real date", not an OverflowError.
- `IdChoiceField` / `IdMultipleChoiceField`: Django's model choice fields, but
  an id that is not a whole number the database can hold (too long, negative
  beyond range, "abc", "1e5") is an unknown choice before any query runs.
- `SafeSnippetChooser`: Wagtail's snippet chooser, redrawing a form whose
  chooser value is nonsense as "nothing chosen" rather than raising.
"""

import re
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from wagtail.snippets.widgets import AdminSnippetChooser

# Bigger than any id a 64-bit integer column holds is certainly no id of ours.
ID_PATTERN = re.compile(r"[0-9]{1,18}")
DATE_PART_PATTERNS = {
    "day": re.compile(r"[0-9]{1,2}"),
    "month": re.compile(r"[0-9]{1,2}"),
    "year": re.compile(r"[0-9]{4}"),
}


def is_plausible_id(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return 0 < value < 10**18
    return isinstance(value, str) and ID_PATTERN.fullmatch(value.strip()) is not None


class DateInputWidget(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes named <name>_day, <name>_month, <name>_year."""

    def __init__(self) -> None:
        super().__init__(widgets={"day": forms.TextInput(), "month": forms.TextInput(), "year": forms.TextInput()})

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class DateInputField(forms.MultiValueField):
    """A date typed as day, month and year, with the GOV.UK messages for each way it can be wrong.

    `name_in_errors` is how messages refer to it: "the date it was issued".
    """

    widget = DateInputWidget

    def __init__(self, *, name_in_errors: str, required: bool = True, **kwargs: Any) -> None:
        self.name_in_errors = name_in_errors
        self.is_date_required = required
        parts = (forms.CharField(required=False), forms.CharField(required=False), forms.CharField(required=False))
        super().__init__(fields=parts, require_all_fields=False, required=False, **kwargs)

    def clean(self, value: Any) -> date | None:
        if isinstance(value, date):
            return value
        day, month, year = [str(part or "").strip() for part in [*list(value or []), "", "", ""][:3]]
        if not (day or month or year):
            if self.is_date_required:
                raise forms.ValidationError(f"Enter {self.name_in_errors}")
            return None
        missing = [name for name, part in (("day", day), ("month", month), ("year", year)) if not part]
        if missing:
            raise forms.ValidationError(f"{self._subject()} must include a {' and a '.join(missing)}")
        parts = {"day": day, "month": month, "year": year}
        if not all(DATE_PART_PATTERNS[name].fullmatch(part) for name, part in parts.items()):
            raise forms.ValidationError(f"{self._subject()} must be a real date")
        try:
            return date(int(year), int(month), int(day))
        except (ValueError, OverflowError) as error:
            raise forms.ValidationError(f"{self._subject()} must be a real date") from error

    def _subject(self) -> str:
        return self.name_in_errors[0].upper() + self.name_in_errors[1:]

    def compress(self, data_list: list[Any]) -> Any:  # clean() does the work
        return data_list


def _keyed_by_integer(field: forms.ModelChoiceField) -> bool:
    queryset = field.queryset
    if queryset is None:
        return False
    model_field = (
        queryset.model._meta.get_field(field.to_field_name) if field.to_field_name else queryset.model._meta.pk
    )
    return isinstance(model_field, models.IntegerField | models.AutoField)


class IdChoiceField(forms.ModelChoiceField):
    def to_python(self, value: Any) -> Any:
        if value in self.empty_values or isinstance(value, models.Model) or not _keyed_by_integer(self):
            return super().to_python(value)
        if not is_plausible_id(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value: Any) -> Any:
        if _keyed_by_integer(self) and isinstance(value, list | tuple | set | frozenset):
            for item in value:
                if not isinstance(item, models.Model) and not is_plausible_id(item):
                    raise ValidationError(
                        self.error_messages["invalid_choice"], code="invalid_choice", params={"value": str(item)[:50]}
                    )
        return super()._check_values(value)


class SafeSnippetChooser(AdminSnippetChooser):
    """Wagtail's snippet chooser; a value that is no id (a hand-made POST) redraws as nothing chosen."""

    def get_instance(self, value: Any) -> Any:
        if value is None or isinstance(value, self.model_class):
            return super().get_instance(value)
        if not is_plausible_id(value):
            return None
        return super().get_instance(value)
