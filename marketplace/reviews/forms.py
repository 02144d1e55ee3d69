"""Forms for reviews: writing one (stars as GOV.UK radios, no script), the provider's reply, and moderation."""

from typing import Any

from django import forms

from marketplace.core.forms import ReasonNeededToRejectMixin
from marketplace.core.submissions import OneTimeFormMixin

from .models import NAME_MAX_LENGTH, TEXT_MAX_LENGTH, TEXT_MIN_LENGTH, Moderation

RATING_CHOICES = [
    ("5", "5 stars: excellent"),
    ("4", "4 stars: good"),
    ("3", "3 stars: neither good nor poor"),
    ("2", "2 stars: poor"),
    ("1", "1 star: very poor"),
]

_TEXT_ERRORS = {
    "required": "Enter your review.",
    "min_length": f"Your review must be at least {TEXT_MIN_LENGTH} characters.",
    "max_length": f"Your review must be {TEXT_MAX_LENGTH:,} characters or fewer.",
}


class ReviewForm(OneTimeFormMixin):
    """A review of a provider. `for_name` is asked only of someone writing for another person."""

    rating = forms.ChoiceField(
        label="How many stars do you give them?",
        choices=RATING_CHOICES,
        error_messages={
            "required": "Choose how many stars, from 1 to 5.",
            "invalid_choice": "Choose how many stars, from 1 to 5.",
        },
    )
    text = forms.CharField(
        label="Your review",
        min_length=TEXT_MIN_LENGTH,
        max_length=TEXT_MAX_LENGTH,
        error_messages=_TEXT_ERRORS,
    )
    author_name = forms.CharField(
        label="Your name as shown with the review",
        max_length=NAME_MAX_LENGTH,
        error_messages={
            "required": "Enter the name to show with the review.",
            "max_length": f"The name must be {NAME_MAX_LENGTH} characters or fewer.",
        },
    )
    for_name = forms.CharField(
        label="The name of the person you support, as shown with the review",
        max_length=NAME_MAX_LENGTH,
        error_messages={
            "required": "Enter the name of the person you wrote it for.",
            "max_length": f"The name must be {NAME_MAX_LENGTH} characters or fewer.",
        },
    )

    def __init__(self, *args: Any, is_for_someone: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not is_for_someone:
            del self.fields["for_name"]

    @property
    def rating_value(self) -> int:
        return int(self.cleaned_data["rating"])


class ReplyForm(OneTimeFormMixin):
    text = forms.CharField(
        label="Your reply",
        min_length=TEXT_MIN_LENGTH,
        max_length=TEXT_MAX_LENGTH,
        error_messages={
            "required": "Enter your reply.",
            "min_length": f"Your reply must be at least {TEXT_MIN_LENGTH} characters.",
            "max_length": f"Your reply must be {TEXT_MAX_LENGTH:,} characters or fewer.",
        },
    )


class ReviewModerationForm(ReasonNeededToRejectMixin, forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[(Moderation.PUBLISHED, "Publish"), (Moderation.REJECTED, "Do not publish")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose publish or do not publish.",
            "invalid_choice": "Choose publish or do not publish.",
        },
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when not publishing: the writer is told it. For example 'Names a member of staff'",
    )
    reject_value = Moderation.REJECTED
    reason_needed_message = "Give the reason for not publishing: the writer is told it."
