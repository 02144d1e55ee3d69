"""Form pieces shared by the apps' decision screens."""

from typing import Any

from django.forms import BaseForm, BoundField

from .fields import DateInputField


class ReasonNeededToRejectMixin:
    """A decision form whose "reject" choice needs a reason, because the person rejected is told it.

    The form has a `decision` choice and a `reason` text field; subclasses say
    which decision value rejects and what to say when the reason is missing.
    """

    reject_value: str = "reject"
    reason_needed_message: str = "Give the reason for rejecting."

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}  # type: ignore[misc]
        if cleaned.get("decision") == self.reject_value and not cleaned.get("reason", "").strip():
            self.add_error("reason", self.reason_needed_message)  # type: ignore[attr-defined]
        return cleaned


def field_anchor(field: BoundField) -> str:
    """The id of a field's first input, where the error summary links: its name, or <name>_day for a date."""
    return f"{field.html_name}_day" if isinstance(field.field, DateInputField) else field.html_name


def error_summary_items(form: BaseForm) -> list[tuple[str, str]]:
    """(anchor, message) pairs for the GOV.UK error summary, in the order of the page.

    Each field's errors link to its first input; errors about the whole form
    link to its first visible field and come first; a hidden field's errors
    link nowhere.
    """
    visible = form.visible_fields()
    first = field_anchor(visible[0]) if visible else ""
    items = [(first, str(message)) for message in form.non_field_errors()]
    return items + [
        ("" if field.is_hidden else field_anchor(field), str(message)) for field in form for message in field.errors
    ]
