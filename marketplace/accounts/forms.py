"""allauth's forms with GOV.UK wording, and the team and invitation forms of our own.

allauth's forms keep their behaviour (rate limits, lockout, validation); these
subclasses only change labels and error messages to say what to do, as the
GOV.UK design system asks ("Enter your email address", not "This field is
required"). Settings ACCOUNT_FORMS and MFA_FORMS point allauth at them.
"""

from typing import Any

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_base_forms
from allauth.mfa.totp import forms as mfa_totp_forms
from django import forms

from marketplace.core.submissions import OneTimeFormMixin
from marketplace.providers.models import ProviderMembership

from . import throttle
from .models import RIGHT_FIELDS, ActingFor, DirectPaymentHolder

EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"
PASSWORD_HINT = "Use at least 8 characters. Avoid common passwords and ones made only of numbers."


def reword(form: forms.Form, wording: dict[str, dict[str, str]]) -> None:
    """Set each named field's label, help text and error messages from `wording`."""
    for name, words in wording.items():
        field = form.fields.get(name)
        if field is None:
            continue
        if "label" in words:
            field.label = words["label"]
        field.help_text = words.get("hint", "")
        for key in ("required", "invalid"):
            if key in words:
                field.error_messages[key] = words[key]


class LoginForm(account_forms.LoginForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reword(
            self,
            {
                "login": {"label": "Email address", "required": "Enter your email address", "invalid": EMAIL_FORMAT},
                "password": {"label": "Password", "required": "Enter your password"},
                "remember": {"label": "Stay signed in on this device for 2 weeks"},
            },
        )


class SignupForm(account_forms.SignupForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reword(
            self,
            {
                "email": {
                    "label": "Email address",
                    "hint": "We will send you an email to check it is yours",
                    "required": "Enter your email address",
                    "invalid": EMAIL_FORMAT,
                },
                "password1": {"label": "Create a password", "hint": PASSWORD_HINT, "required": "Create a password"},
                "password2": {"label": "Confirm your password", "required": "Enter your password again"},
            },
        )


class ResetPasswordForm(account_forms.ResetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reword(
            self,
            {"email": {"label": "Email address", "required": "Enter your email address", "invalid": EMAIL_FORMAT}},
        )


NEW_PASSWORD_WORDING = {
    "password1": {"label": "New password", "hint": PASSWORD_HINT, "required": "Enter a new password"},
    "password2": {"label": "Confirm new password", "required": "Enter your new password again"},
}


class ResetPasswordKeyForm(account_forms.ResetPasswordKeyForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reword(self, NEW_PASSWORD_WORDING)


class ChangePasswordForm(account_forms.ChangePasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reword(
            self,
            {
                "oldpassword": {"label": "Current password", "required": "Enter your current password"},
                **NEW_PASSWORD_WORDING,
            },
        )


class SetPasswordForm(account_forms.SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reword(self, NEW_PASSWORD_WORDING)


class AddEmailForm(account_forms.AddEmailForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reword(
            self,
            {
                "email": {
                    "label": "New email address",
                    "hint": "We will send an email to this address to check it is yours. "
                    "Until you confirm it, you sign in with your current address.",
                    "required": "Enter your new email address",
                    "invalid": EMAIL_FORMAT,
                }
            },
        )


class ReauthenticateForm(account_forms.ReauthenticateForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reword(self, {"password": {"label": "Password", "required": "Enter your password"}})


CODE_WORDING = {
    "code": {
        "label": "Enter the 6-digit code from your authenticator app",
        "hint": "Or enter one of your 8-digit recovery codes if you cannot use the app.",
        "required": "Enter the code from your authenticator app",
    }
}


class ThrottledCodeMixin:
    """Wrong two-factor codes are throttled as wrong passwords are (marketplace.accounts.throttle)."""

    user: Any

    def clean_code(self) -> str:
        from allauth.core import context

        from .adapters import client_address

        request = context.request
        account = throttle.account_key(self.user.email)
        where: dict[str, Any] = {
            "policy": throttle.CODES,
            "account": account,
            "device": throttle.device_of(request, account),
            "address": client_address(request),
        }
        refusal = throttle.throttle_refusal(**where)
        if refusal:
            raise forms.ValidationError(refusal, code="throttled")
        try:
            code: str = super().clean_code()  # type: ignore[misc]
        except forms.ValidationError:
            throttle.throttle_failed(**where)
            raise
        throttle.throttle_succeeded(**where)
        return code


class AuthenticateForm(ThrottledCodeMixin, mfa_base_forms.AuthenticateForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reword(self, CODE_WORDING)


class MultiFactorReauthenticateForm(ThrottledCodeMixin, mfa_base_forms.ReauthenticateForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reword(self, CODE_WORDING)


class ActivateTOTPForm(mfa_totp_forms.ActivateTOTPForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reword(
            self,
            {
                "code": {
                    "label": "Enter the 6-digit code from your authenticator app",
                    "required": "Enter the code from your authenticator app",
                }
            },
        )


class InvitationForm(OneTimeFormMixin):
    """Invite someone to a provider's team."""

    email = forms.EmailField(
        label="Email address",
        help_text="They will get an email with a link. The invitation lasts 14 days.",
        max_length=254,
        error_messages={"required": "Enter the email address of the person to invite", "invalid": EMAIL_FORMAT},
    )
    role = forms.ChoiceField(
        label="Role",
        choices=ProviderMembership.Role.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether they will be an owner or staff",
            "invalid_choice": "Choose whether they will be an owner or staff",
        },
    )


RIGHT_CHOICES = [(right, ActingFor.Right(right).label) for right in RIGHT_FIELDS]


class ActingForRightsForm(forms.Form):
    """Which rights someone acting for a holder has, beyond seeing their support (which every link gives)."""

    rights = forms.MultipleChoiceField(
        label="What they can do for you",
        help_text="They can always see your shortlist, enquiries and replies. Choose anything more they may do.",
        choices=RIGHT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose only from the rights listed"},
    )


class ActingForInvitationForm(ActingForRightsForm):
    """Invite someone to act for a holder: their email, how they are related, and their rights."""

    field_order = ["email", "relationship", "rights"]

    email = forms.EmailField(
        label="Their email address",
        help_text="They will get an email with a link. The invitation lasts 14 days.",
        max_length=254,
        error_messages={"required": "Enter the email address of the person to invite", "invalid": EMAIL_FORMAT},
    )
    relationship = forms.ChoiceField(
        label="How are they helping you?",
        choices=ActingFor.Relationship.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how they are helping you",
            "invalid_choice": "Choose how they are helping you",
        },
    )


class AuthorisedPersonForm(forms.Form):
    """A commissioner appoints an authorised person for a holder who lacks capacity."""

    holder = forms.ModelChoiceField(
        label="Direct payment holder",
        queryset=DirectPaymentHolder.objects.order_by("display_name"),
        error_messages={"required": "Choose the holder", "invalid_choice": "Choose the holder from the list"},
    )
    email = forms.EmailField(
        label="Email address of the authorised person",
        help_text="They get an email with a link; they act for the holder once they accept it.",
        max_length=254,
        error_messages={"required": "Enter the authorised person's email address", "invalid": EMAIL_FORMAT},
    )
    rights = forms.MultipleChoiceField(
        label="Rights",
        help_text="An authorised person usually has every right.",
        choices=RIGHT_CHOICES,
        initial=list(RIGHT_FIELDS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose only from the rights listed"},
    )
