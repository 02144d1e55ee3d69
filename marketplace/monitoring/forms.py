"""Forms for the commissioners' monitoring screens (Wagtail admin) and the public pages (GOV.UK).

Forms only check what was typed; the rules live in `services.py`, whose
MonitoringError messages the views put back on the form.
"""

from typing import Any

from django import forms
from django.db.models import QuerySet
from wagtail.admin.widgets import AdminDateInput
from wagtail.snippets.widgets import AdminSnippetChooser

from marketplace.accounts.models import User
from marketplace.core.forms import ReasonNeededToRejectMixin
from marketplace.core.submissions import OneTimeFormMixin
from marketplace.providers.models import Provider

from .models import DOMAIN_FIELDS, Action, Arrangement, Domain, Feedback, MonitoringVisit, Rating
from .services import FEEDBACK_MAX_LENGTH, FEEDBACK_MIN_LENGTH

NOT_RATED = ("", "Not rated yet")


def officers() -> QuerySet[User]:
    """People who can be the officer of a visit: commissioners (and superusers)."""
    return User.objects.commissioners()


def rating_field(label: str, *, required: bool) -> forms.ChoiceField:
    choices = list(Rating.choices) if required else [NOT_RATED, *Rating.choices]
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=forms.RadioSelect,
        error_messages={"required": f"Rate {label.lower()}."},
    )


class RatingsMixin:
    """The six domain ratings as radios, in the order of the domains."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]
    ratings_required = False

    def add_rating_fields(self) -> None:
        for domain in DOMAIN_FIELDS:
            self.fields[domain] = rating_field(Domain(domain).label, required=self.ratings_required)

    def ratings(self) -> dict[str, str]:
        return {domain: self.cleaned_data.get(domain) or "" for domain in DOMAIN_FIELDS}


class VisitForm(RatingsMixin, forms.Form):
    """Record a visit (with a provider) or change a draft (without)."""

    provider = forms.ModelChoiceField(
        queryset=Provider.objects.all(),
        widget=AdminSnippetChooser(Provider),
        error_messages={"required": "Choose the provider visited."},
    )
    visit_type = forms.ChoiceField(
        label="Type of visit",
        choices=MonitoringVisit.VisitType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the type of visit."},
    )
    visited_on = forms.DateField(
        label="Date of the visit",
        widget=AdminDateInput,
        error_messages={"required": "Enter the date of the visit.", "invalid": "Enter a real date."},
    )
    officer = forms.ModelChoiceField(
        label="Officer", queryset=User.objects.none(), required=False, help_text="Leave empty for yourself"
    )
    arrangement = forms.ModelChoiceField(
        label="Contract or list",
        queryset=Arrangement.objects.all(),
        required=False,
        help_text="The arrangement the visit monitors, if any",
    )
    evidence_notes = forms.CharField(
        label="Evidence notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What was seen, read and heard. For the council only: never shown to the provider.",
    )
    summary_for_provider = forms.CharField(
        label="Summary for the provider",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown to the provider with the ratings once the outcome is published",
    )

    def __init__(self, *args: Any, with_provider: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_provider:
            del self.fields["provider"]
        officer_field = self.fields["officer"]
        assert isinstance(officer_field, forms.ModelChoiceField)
        officer_field.queryset = officers()
        self.add_rating_fields()

    @classmethod
    def initial_from(cls, visit: MonitoringVisit) -> dict[str, Any]:
        return {
            "visit_type": visit.visit_type,
            "visited_on": visit.visited_on,
            "officer": visit.officer_id,
            "arrangement": visit.arrangement_id,
            "evidence_notes": visit.evidence_notes,
            "summary_for_provider": visit.summary_for_provider,
            **visit.domain_ratings,
        }


class FinaliseForm(forms.Form):
    reason = forms.CharField(
        label="Note for the record (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Anything that explains the ratings, kept with the decision",
    )


class AmendForm(RatingsMixin, forms.Form):
    """Correct a finalised visit: new ratings and the reason, appended to its history."""

    ratings_required = True
    summary_for_provider = forms.CharField(
        label="Summary for the provider", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    reason = forms.CharField(
        label="Reason for the amendment",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason for the amendment: it is kept in the visit's history."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_rating_fields()
        # Ratings first, as on the visit.
        self.order_fields([*DOMAIN_FIELDS, "summary_for_provider", "reason"])


class FollowUpForm(forms.Form):
    visit_type = forms.ChoiceField(
        label="Type of visit",
        choices=MonitoringVisit.VisitType.choices,
        widget=forms.RadioSelect,
        initial=MonitoringVisit.VisitType.ANNOUNCED,
    )
    visited_on = forms.DateField(
        label="Date of the follow-up visit",
        widget=AdminDateInput,
        error_messages={"required": "Enter the date of the visit.", "invalid": "Enter a real date."},
    )
    officer = forms.ModelChoiceField(label="Officer", queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        officer_field = self.fields["officer"]
        assert isinstance(officer_field, forms.ModelChoiceField)
        officer_field.queryset = officers()


class ActionForm(forms.Form):
    description = forms.CharField(
        label="What must be done",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Describe what must be done."},
    )
    domain = forms.ChoiceField(
        label="Quality domain", choices=[("", "None in particular"), *Domain.choices], required=False
    )
    owner = forms.ChoiceField(
        label="Who owns it", choices=Action.Owner.choices, widget=forms.RadioSelect, initial=Action.Owner.PROVIDER
    )
    owner_name = forms.CharField(
        label="Person responsible", required=False, max_length=200, help_text="A name or role, such as 'Manager'"
    )
    due_on = forms.DateField(
        label="Due by",
        widget=AdminDateInput,
        error_messages={"required": "Enter the date it is due by.", "invalid": "Enter a real date."},
    )


class ActionChangeForm(ActionForm):
    status = forms.ChoiceField(label="Status", choices=Action.Status.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label="Note for the action's history",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example why it is closed or reopened",
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="Document or photo",
        help_text="A PDF, JPG or PNG",
        error_messages={"required": "Choose a file to attach.", "empty": "The selected file is empty."},
    )
    description = forms.CharField(label="What it is", required=False, max_length=200)


class ModerationForm(ReasonNeededToRejectMixin, forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[(Feedback.Moderation.APPROVED, "Approve"), (Feedback.Moderation.REJECTED, "Reject")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose approve or reject."},
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when rejecting, for example 'Names a member of staff' or 'Not about this provider'",
    )
    reject_value = Feedback.Moderation.REJECTED
    reason_needed_message = "Give the reason for rejecting the feedback."


# Public (GOV.UK) forms -------------------------------------------------------------


class ActionResponseForm(forms.Form):
    """A provider's answer to one action."""

    status = forms.ChoiceField(
        label="Where are you with this action?",
        choices=[(Action.Status.IN_PROGRESS, "In progress"), (Action.Status.DONE, "Done")],
        error_messages={"required": "Choose in progress or done.", "invalid_choice": "Choose in progress or done."},
    )
    response = forms.CharField(
        label="What have you done, or are you doing, about it?",
        max_length=FEEDBACK_MAX_LENGTH,
        error_messages={
            "required": "Say what you have done or are doing about this action.",
            "max_length": f"Your answer must be {FEEDBACK_MAX_LENGTH:,} characters or fewer.",
        },
    )


class FeedbackForm(OneTimeFormMixin):
    """Feedback about a provider from someone who uses it (or their family or advocate)."""

    relationship = forms.ChoiceField(
        label="How do you know this service?",
        choices=Feedback.Relationship.choices,
        error_messages={
            "required": "Choose how you know this service.",
            "invalid_choice": "Choose how you know this service.",
        },
    )
    is_complaint = forms.ChoiceField(
        label="Is this a complaint?",
        choices=[("no", "No, it is feedback"), ("yes", "Yes, I want to complain")],
        error_messages={
            "required": "Say whether this is a complaint.",
            "invalid_choice": "Say whether this is a complaint.",
        },
    )
    rating = forms.ChoiceField(
        label="How would you rate the service? (optional)",
        choices=[
            ("", "I would rather not say"),
            ("5", "5 (very good)"),
            ("4", "4 (good)"),
            ("3", "3 (neither good nor poor)"),
            ("2", "2 (poor)"),
            ("1", "1 (very poor)"),
        ],
        required=False,
        error_messages={"invalid_choice": "Choose a rating from 1 to 5, or “I would rather not say”."},
    )
    text = forms.CharField(
        label="Your feedback",
        min_length=FEEDBACK_MIN_LENGTH,
        max_length=FEEDBACK_MAX_LENGTH,
        error_messages={
            "required": "Enter your feedback.",
            "min_length": f"Your feedback must be at least {FEEDBACK_MIN_LENGTH} characters.",
            "max_length": f"Your feedback must be {FEEDBACK_MAX_LENGTH:,} characters or fewer.",
        },
    )
    from_name = forms.CharField(
        label="Your name (optional)",
        required=False,
        max_length=200,
        error_messages={"max_length": "Your name must be 200 characters or fewer."},
    )
    # A field people never see: robots fill it in, and their feedback is dropped.
    website = forms.CharField(required=False, label="Leave this empty")

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("website", "").strip())
