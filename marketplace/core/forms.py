"""Form pieces shared by the apps' decision screens."""

from typing import Any


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
