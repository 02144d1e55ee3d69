"""Forms for the provider's vetting pages: one check's details and document, and its workers.

The forms give field-by-field messages for the GOV.UK error summary; the
services check everything again and have the last word.
"""

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from marketplace.core.fields import DateInputField
from marketplace.core.forms import error_summary_items
from marketplace.core.submissions import OneTimeFormMixin
from marketplace.core.uploads import UploadError, accept_attribute, megabytes, validate_upload

from .models import ProviderCheck
from .services import DBS_CERTIFICATE_NUMBER, rating_choices_of


def date_parts(value: date | None) -> list[Any]:
    return [value.day, value.month, value.year] if value else ["", "", ""]


YES_NO = [("yes", "Yes"), ("no", "No")]


class CheckForm(OneTimeFormMixin):
    """The details one check type asks for, and a document. Built for one ProviderCheck."""

    def __init__(self, *args: Any, provider_check: ProviderCheck, **kwargs: Any) -> None:
        self.provider_check = provider_check
        check_type = provider_check.check_type
        self.has_evidence = provider_check.pk is not None and provider_check.evidence.exists()
        kwargs.setdefault("initial", self._initial_from(provider_check))
        super().__init__(*args, **kwargs)

        self.fields["issued_on"] = DateInputField(
            label="Date issued", name_in_errors="the date it was issued", help_text="For example, 27 3 2025"
        )
        if check_type.has_expiry:
            if check_type.default_validity_months:
                hint = (
                    "Leave this empty if the document has no expiry date: it will count as valid for "
                    f"{check_type.default_validity_months} months from the date issued."
                )
            else:
                hint = "Leave this empty if it has no time limit."
            self.fields["expires_on"] = DateInputField(
                label="Expiry date", name_in_errors="the expiry date", required=False, help_text=hint
            )
        if check_type.has_certificate_number:
            has_number = bool(provider_check.certificate_number_last_digits)
            self.fields["certificate_number"] = forms.CharField(
                label="Certificate number",
                required=not has_number,
                max_length=20,
                help_text=(
                    f"We hold the number ending {provider_check.certificate_number_last_digits}. Leave this empty "
                    "to keep it. For your security it is never shown in full."
                    if has_number
                    else "The 12-digit number at the top right of the certificate. We keep it encrypted."
                ),
                error_messages={"required": "Enter the 12-digit certificate number"},
            )
            self.fields["is_on_update_service"] = forms.ChoiceField(
                label="Is the certificate on the DBS Update Service?",
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={"required": "Select yes if the certificate is on the DBS Update Service"},
            )
            self.fields["holder_surname"] = forms.CharField(
                label="Surname on the certificate", required=False, max_length=100
            )
            self.fields["holder_date_of_birth"] = DateInputField(
                label="Date of birth on the certificate", name_in_errors="the date of birth", required=False
            )
        if check_type.has_level:
            self.fields["level"] = forms.CharField(
                label="Level",
                max_length=50,
                help_text="As it is written on the certificate, for example Level 2",
                error_messages={"required": "Enter the level of the training"},
            )
        if check_type.has_rating:
            choices = rating_choices_of(check_type.rating_choices)
            if choices:
                self.fields["rating"] = forms.ChoiceField(
                    label="Rating",
                    choices=[(choice, choice) for choice in choices],
                    widget=forms.RadioSelect,
                    error_messages={"required": "Select the rating", "invalid_choice": "Select one of the ratings"},
                )
            else:
                self.fields["rating"] = forms.CharField(
                    label="Rating", max_length=20, error_messages={"required": "Enter the rating"}
                )
        if check_type.reference_label:
            self.fields["reference"] = forms.CharField(
                label=check_type.reference_label, required=False, max_length=200
            )
        file_hint = f"A PDF, JPG or PNG, smaller than {megabytes(_upload_limit())}."
        needs_file = check_type.needs_evidence and not self.has_evidence
        if check_type.has_certificate_number:
            # A DBS certificate has details on both sides: a photo or scan of each.
            self.fields["evidence"] = forms.FileField(
                label="Upload the front of the certificate" + ("" if needs_file else " (optional)"),
                required=needs_file,
                help_text=file_hint,
                error_messages={"required": "Select a file of the front of the certificate"},
            )
            self.fields["evidence_back"] = forms.FileField(
                label="Upload the back of the certificate" + ("" if needs_file else " (optional)"),
                required=needs_file,
                help_text=f"{file_hint} If one file shows both sides, upload it again here.",
                error_messages={"required": "Select a file of the back of the certificate"},
            )
        else:
            self.fields["evidence"] = forms.FileField(
                label="Upload a copy of the document"
                if not self.has_evidence
                else "Upload another document (optional)",
                required=needs_file,
                help_text=file_hint,
                error_messages={"required": "Select a file to upload"},
            )
        self.fields["note"] = forms.CharField(
            label="Anything the reviewer should know (optional)",
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
        self.accept = accept_attribute()

    @staticmethod
    def _initial_from(check: ProviderCheck) -> dict[str, Any]:
        # Never the certificate number: it is not shown in full anywhere.
        initial: dict[str, Any] = {
            "issued_on": date_parts(check.issued_on),
            "expires_on": date_parts(check.expires_on),
            "level": check.level,
            "rating": check.rating,
            "reference": check.reference,
            "note": check.provider_note,
            "holder_surname": check.holder_surname,
            "holder_date_of_birth": date_parts(_parse_iso(check.holder_date_of_birth)),
        }
        if check.status != ProviderCheck.Status.NOT_STARTED:
            initial["is_on_update_service"] = "yes" if check.is_on_update_service else "no"
        return initial

    def clean_issued_on(self) -> date | None:
        issued_on = self.cleaned_data.get("issued_on")
        if issued_on and issued_on > timezone.localdate():
            raise forms.ValidationError("The date it was issued must be today or in the past")
        return issued_on

    def clean_expires_on(self) -> date | None:
        expires_on = self.cleaned_data.get("expires_on")
        if expires_on and expires_on < timezone.localdate():
            raise forms.ValidationError("The expiry date must be today or in the future")
        return expires_on

    def clean_certificate_number(self) -> str:
        number = "".join(self.cleaned_data.get("certificate_number", "").replace("-", "").split())
        if number and not DBS_CERTIFICATE_NUMBER.match(number):
            raise forms.ValidationError("The certificate number must be 12 digits, like 001234567890")
        return number

    def _checked_upload(self, name: str) -> Any:
        upload = self.cleaned_data.get(name)
        if upload:
            try:
                validate_upload(upload)
            except UploadError as error:
                raise forms.ValidationError(str(error)) from error
        return upload

    def clean_evidence(self) -> Any:
        return self._checked_upload("evidence")

    def clean_evidence_back(self) -> Any:
        return self._checked_upload("evidence_back")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        issued_on, expires_on = cleaned.get("issued_on"), cleaned.get("expires_on")
        if issued_on and expires_on and expires_on < issued_on and "expires_on" not in self.errors:
            self.add_error("expires_on", "The expiry date must be after the date it was issued")
        if cleaned.get("is_on_update_service") == "yes":
            if not cleaned.get("holder_surname", "").strip():
                self.add_error("holder_surname", "Enter the surname on the certificate")
            if not cleaned.get("holder_date_of_birth") and "holder_date_of_birth" not in self.errors:
                self.add_error("holder_date_of_birth", "Enter the date of birth on the certificate")
        return cleaned

    @property
    def certificate_number_needs_typing_again(self) -> bool:
        """A number was typed but the page came back with a problem: like a password, it is not sent back."""
        return bool(
            self.is_bound
            and self.errors
            and "certificate_number" in self.fields
            and self.data.get("certificate_number")
        )

    def submission(self) -> dict[str, Any]:
        """The cleaned data as check_submit's keyword arguments."""
        data = self.cleaned_data
        return {
            "issued_on": data.get("issued_on"),
            "expires_on": data.get("expires_on"),
            "certificate_number": data.get("certificate_number", ""),
            "is_on_update_service": data.get("is_on_update_service") == "yes",
            "holder_surname": data.get("holder_surname", ""),
            "holder_date_of_birth": data.get("holder_date_of_birth"),
            "level": data.get("level", ""),
            "rating": data.get("rating", ""),
            "reference": data.get("reference", ""),
            "note": data.get("note", ""),
            "evidence": [upload for upload in (data.get("evidence"), data.get("evidence_back")) if upload],
        }

    def error_links(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary: each links to the first box of its field."""
        return error_summary_items(self)


class WorkerForm(OneTimeFormMixin):
    full_name = forms.CharField(
        label="Full name", max_length=200, error_messages={"required": "Enter the worker's full name"}
    )
    role = forms.CharField(
        label="Role (optional)", required=False, max_length=100, help_text="For example, support worker"
    )

    def error_links(self) -> list[tuple[str, str]]:
        return [
            (name if name != "__all__" else "", str(error)) for name, errors in self.errors.items() for error in errors
        ]


def _upload_limit() -> int:
    from django.conf import settings

    return int(settings.UPLOAD_MAX_BYTES)


def _parse_iso(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
