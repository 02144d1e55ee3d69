"""Form fields every app shares, so bad numbers and ids are answered with a form error, never a 500.

- `DateInputField`: the GOV.UK date input (day, month, year boxes). Each part
  must be plain digits of a sensible length before any arithmetic, so
  "99999999999999999999" or "١٢" is "must be a real date", not an OverflowError.
- `install_id_checks()` (run once by CoreConfig.ready): every model choice
  field, in our forms, Wagtail's and django-filter's, treats an id that is not
  a whole number a column can hold (too long, negative, "abc", "1e5") as an
  unknown choice before any query runs; every integer field refuses numbers
  beyond 64 bits; Wagtail's choosers treat such ids as nothing chosen, or 404;
  an inline panel row with a tampered id is a new row, as in Django's formsets.
"""

import re
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

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


def _has_integer_key(model: Any, field_name: str | None = None) -> bool:
    if model is None:
        return False
    key = model._meta.get_field(field_name) if field_name else model._meta.pk
    return isinstance(key, models.IntegerField | models.AutoField)


def _not_an_id(value: Any) -> bool:
    return not isinstance(value, models.Model) and not is_plausible_id(value)


BIGGEST_WHOLE_NUMBER = 2**63 - 1  # a 64-bit integer column, SQLite's and PostgreSQL's bigint


def install_id_checks() -> None:
    """Wrap Django's and Wagtail's id lookups once (CoreConfig.ready), so every form and chooser refuses
    what no integer column can hold before it queries: Django's model choice fields (in every form,
    Wagtail's and django-filter's included), its integer fields, and Wagtail's choosers.
    """
    if getattr(forms.ModelChoiceField.to_python, "checks_ids", False):
        return
    for owner, name, replacement in (*_form_id_checks(), *_chooser_id_checks()):
        setattr(owner, name, replacement)


Replacement = tuple[Any, str, Any]


def _form_id_checks() -> list[Replacement]:
    """Django's model choice and integer fields, and modelcluster's formsets (Wagtail's inline panels)."""
    choice_to_python = forms.ModelChoiceField.to_python

    def model_choice_to_python(self: forms.ModelChoiceField, value: Any) -> Any:
        if (
            value not in self.empty_values
            and self.queryset is not None
            and _has_integer_key(self.queryset.model, self.to_field_name)
            and _not_an_id(value)
        ):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return choice_to_python(self, value)

    check_values = getattr(forms.ModelMultipleChoiceField, "_check_values")  # noqa: B009 (private, so untyped)

    def model_multiple_check_values(self: forms.ModelMultipleChoiceField, value: Any) -> Any:
        if (
            isinstance(value, list | tuple | set | frozenset)
            and self.queryset is not None
            and _has_integer_key(self.queryset.model, self.to_field_name)
        ):
            for item in value:
                if _not_an_id(item):
                    raise ValidationError(
                        self.error_messages["invalid_choice"], code="invalid_choice", params={"value": str(item)[:50]}
                    )
        return check_values(self, value)

    integer_to_python = forms.IntegerField.to_python

    def integer_field_to_python(self: forms.IntegerField, value: Any) -> Any:
        number = integer_to_python(self, value)
        if number is not None and abs(number) > BIGGEST_WHOLE_NUMBER:
            own_limit = self.max_value if number > 0 else self.min_value
            if own_limit is None:  # otherwise the field's own range says what is wrong, in its words
                raise ValidationError("Enter a smaller number." if number > 0 else "Enter a larger number.")
        return number

    from modelcluster.forms import BaseTransientModelFormSet

    construct_form = BaseTransientModelFormSet._construct_form

    def child_construct_form(self: Any, i: int, **kwargs: Any) -> Any:
        # Django's model formsets treat a tampered row id as a new row; modelcluster's (Wagtail's
        # inline panels) raised instead. Do as Django does.
        try:
            return construct_form(self, i, **kwargs)
        except ValidationError:
            kwargs["instance"] = self.model()
            return getattr(forms.BaseFormSet, "_construct_form")(self, i, **kwargs)  # noqa: B009

    model_choice_to_python.checks_ids = True  # type: ignore[attr-defined]
    return [
        (BaseTransientModelFormSet, "_construct_form", child_construct_form),
        (forms.ModelChoiceField, "to_python", model_choice_to_python),
        (forms.ModelMultipleChoiceField, "_check_values", model_multiple_check_values),
        (forms.IntegerField, "to_python", integer_field_to_python),
    ]


def _chooser_id_checks() -> list[Replacement]:
    """Wagtail's choosers: snippet and model choosers, and the page chooser."""
    from django.core.exceptions import ObjectDoesNotExist
    from wagtail.admin.views.generic.chooser import ChosenMultipleViewMixin, ChosenViewMixin
    from wagtail.admin.widgets.chooser import BaseChooser

    get_instance = BaseChooser.get_instance

    def chooser_get_instance(self: Any, value: Any) -> Any:
        if value is not None and _has_integer_key(self.model_class) and _not_an_id(value):
            return None
        return get_instance(self, value)

    get_object = ChosenViewMixin.get_object

    def chosen_get_object(self: Any, pk: Any) -> Any:
        if _has_integer_key(self.model_class) and _not_an_id(pk):
            raise ObjectDoesNotExist(f"No {self.model_class.__name__} with id {str(pk)[:30]!r}")
        return get_object(self, pk)

    chosen_multiple_get = ChosenMultipleViewMixin.get

    def chosen_multiple_get_ids(self: Any, request: Any) -> Any:
        # Cleaned where the ids come in, not in get_objects: a chooser that narrows get_objects
        # (the providers' one, by who may choose) would otherwise pass "abc" to the query.
        if _has_integer_key(self.model_class):
            ids = [pk for pk in request.GET.getlist("id") if not _not_an_id(pk)]
            request.GET = request.GET.copy()
            request.GET.setlist("id", ids)
        return chosen_multiple_get(self, request)

    from wagtail.admin.views.chooser import ChosenMultipleView as PageChosenMultipleView

    page_chosen_multiple_get = PageChosenMultipleView.get

    def page_chosen_multiple_get_ids(self: Any, request: Any) -> Any:
        # The page chooser reads its ids straight from the query string, outside any form.
        ids = [pk for pk in request.GET.getlist("id") if not _not_an_id(pk)]
        request.GET = request.GET.copy()
        request.GET.setlist("id", ids)
        return page_chosen_multiple_get(self, request)

    return [
        (BaseChooser, "get_instance", chooser_get_instance),
        (ChosenViewMixin, "get_object", chosen_get_object),
        (ChosenMultipleViewMixin, "get", chosen_multiple_get_ids),
        (PageChosenMultipleView, "get", page_chosen_multiple_get_ids),
    ]
