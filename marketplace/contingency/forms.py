"""Forms for the commissioners' contingency screens; each one feeds one service."""

from typing import Any

from django import forms
from django.utils import timezone

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.providers.models import Provider, ProviderLocation, ServiceType

from .models import (
    OPEN_LEVELS,
    AffectedPerson,
    ClosingOutcome,
    Duty,
    FlagEvent,
    Level,
    ManualTrigger,
    Scope,
    Visibility,
)
from .services import NEUTRAL_NOTICES, default_duty

OPEN_LEVEL_CHOICES = [(value, label) for value, label in Level.choices if value in OPEN_LEVELS]
DATETIME_LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


class PageForm(forms.Form):
    """A form that shares the flag page with others: its element ids start with its own prefix."""

    id_prefix = "flag"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


def commissioners() -> Any:
    return User.objects.commissioners().order_by("email")


class ScopeFieldsMixin(PageForm):
    """Duty, scope and lead officer: asked when opening a flag and when changing its details."""

    duty = forms.ChoiceField(choices=Duty.choices, widget=forms.RadioSelect, label="Which duty applies")
    scope = forms.ChoiceField(choices=Scope.choices, widget=forms.RadioSelect, label="What the concern covers")
    scope_service = forms.ModelChoiceField(
        queryset=ServiceType.objects.none(), required=False, label="Service (if the concern is about one service)"
    )
    scope_location = forms.ModelChoiceField(
        queryset=ProviderLocation.objects.none(),
        required=False,
        label="Location (if the concern is about one location)",
    )
    scope_detail = forms.CharField(max_length=300, required=False, label="Scope detail (optional)")
    lead_officer = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Lead officer")

    def set_provider(self, provider: Provider) -> None:
        self.fields["scope_service"].queryset = provider.services.all()  # type: ignore[attr-defined]
        self.fields["scope_location"].queryset = provider.locations.all()  # type: ignore[attr-defined]
        self.fields["lead_officer"].queryset = commissioners()  # type: ignore[attr-defined]


class OpenFlagForm(ScopeFieldsMixin):
    id_prefix = "open"

    kind = forms.ChoiceField(
        choices=ManualTrigger.choices, widget=forms.RadioSelect, label="Where the concern came from"
    )
    detail = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="What the concern is")
    level = forms.ChoiceField(choices=OPEN_LEVEL_CHOICES, initial=Level.WATCH, label="Level")

    field_order = ["kind", "detail", "level", "duty", "scope", "scope_service", "scope_location", "scope_detail"]

    def __init__(self, *args: Any, provider: Provider, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_provider(provider)
        self.fields["duty"].initial = default_duty(provider)
        self.fields["scope"].initial = Scope.WHOLE_BUSINESS
        self.fields["lead_officer"].initial = user.pk


class FlagDetailsForm(ScopeFieldsMixin):
    id_prefix = "details"

    def __init__(self, *args: Any, flag: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "duty": flag.duty,
                "scope": flag.scope,
                "scope_service": flag.scope_service_id,
                "scope_location": flag.scope_location_id,
                "scope_detail": flag.scope_detail,
                "lead_officer": flag.lead_officer_id,
            },
        )
        super().__init__(*args, **kwargs)
        self.set_provider(flag.provider)


class TriggerForm(PageForm):
    id_prefix = "trigger"

    kind = forms.ChoiceField(choices=ManualTrigger.choices, label="Where the concern came from")
    detail = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="What the concern is")


class LevelForm(PageForm):
    id_prefix = "level"

    to_level = forms.ChoiceField(choices=OPEN_LEVEL_CHOICES, label="New level")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why")

    def __init__(self, *args: Any, flag: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_level"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in OPEN_LEVEL_CHOICES if value != flag.level
        ]


class EventForm(PageForm):
    id_prefix = "event"

    kind = forms.ChoiceField(choices=FlagEvent.Kind.choices, widget=forms.RadioSelect, initial=FlagEvent.Kind.EVENT)
    party = forms.ChoiceField(
        choices=[("", "Not a communication"), *FlagEvent.Party.choices], required=False, label="With whom"
    )
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Summary")
    occurred_at = forms.DateTimeField(
        required=False,
        input_formats=DATETIME_LOCAL_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        label="When it happened (leave empty for now)",
    )

    def clean_occurred_at(self) -> Any:
        value = self.cleaned_data.get("occurred_at")
        if value is not None and value > timezone.now():
            raise forms.ValidationError("The date and time it happened must be in the past.")
        return value


class VisibilityForm(PageForm):
    id_prefix = "visibility"

    visibility = forms.ChoiceField(
        choices=Visibility.choices, widget=forms.RadioSelect, label="What the public listing shows"
    )
    notice = forms.ChoiceField(
        choices=[(text, text) for text in NEUTRAL_NOTICES],
        widget=forms.RadioSelect,
        required=False,
        label="Neutral notice (shown only with “neutral notice”)",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why (internal only)")

    def __init__(self, *args: Any, flag: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {"visibility": flag.public_visibility, "notice": flag.public_notice_text or NEUTRAL_NOTICES[0]},
        )
        super().__init__(*args, **kwargs)


class PlanUploadForm(PageForm):
    id_prefix = "plan"

    plan = forms.FileField(label="Business continuity plan (PDF)")
    reviewed_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Date reviewed (optional)"
    )


class PlanReviewForm(PageForm):
    id_prefix = "plan-review"

    reviewed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Date reviewed")


class AffectedPersonForm(PageForm):
    id_prefix = "person"

    reference = forms.CharField(max_length=40, label="Case reference or initials (never a name)")
    needs_summary = forms.CharField(max_length=300, required=False, label="Needs summary")
    holder_email = forms.EmailField(
        required=False, label="Their direct payment account's email address, if they have one (optional)"
    )
    status = forms.ChoiceField(choices=AffectedPerson.Status.choices, initial=AffectedPerson.Status.IDENTIFIED)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean_holder_email(self) -> DirectPaymentHolder | None:
        email = self.cleaned_data.get("holder_email", "").strip()
        if not email:
            return None
        holder = DirectPaymentHolder.objects.filter(user__email__iexact=email).first()
        if holder is None:
            raise forms.ValidationError("No direct payment holder has an account with that email address.")
        return holder


class AffectedPersonStatusForm(PageForm):
    id_prefix = "person-status"

    status = forms.ChoiceField(choices=AffectedPerson.Status.choices)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CloseForm(PageForm):
    id_prefix = "close"

    outcome = forms.ChoiceField(choices=ClosingOutcome.choices, widget=forms.RadioSelect, label="Outcome")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Closing note: what happened and why")
