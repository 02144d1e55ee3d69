"""The commissioners' contingency screens in the Wagtail admin.

Thin: each form posts to its own URL, where an `AdminActionView` calls one
service, and a refused change re-shows the flag page with the message and what
was typed. Anyone without `contingency.manage_flags` gets a 403 on every
screen, asked before any flag is looked up, so the existence of a flag is
never revealed (decision 0043; the area is `wagtail_hooks.ContingencyViewSet`).
"""

import datetime
import mimetypes
from pathlib import PurePosixPath
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.reports import ReportView

from marketplace.accounts.models import User
from marketplace.core.commissioner_admin import AdminActionView, CommissionersOnlyMixin, commissioners_only
from marketplace.providers.models import Provider

from . import selectors, services
from .filters import FlagFilterSet
from .forms import (
    AffectedPersonForm,
    AffectedPersonStatusForm,
    CloseForm,
    EventForm,
    FlagDetailsForm,
    LevelForm,
    OpenFlagForm,
    PlanReviewForm,
    PlanUploadForm,
    TriggerForm,
    VisibilityForm,
)
from .models import AffectedPerson, ContingencyFlag

PERMISSION = "contingency.manage_flags"


def _flag_or_404(pk: int) -> ContingencyFlag:
    try:
        return selectors.flag_for_admin(pk)
    except ContingencyFlag.DoesNotExist as error:
        raise Http404 from error


def flag_url(flag: ContingencyFlag, anchor: str = "") -> str:
    url = reverse("contingency_admin:flag", args=[flag.pk])
    return f"{url}#{anchor}" if anchor else url


class FlagListView(CommissionersOnlyMixin, ReportView):
    """Every flag, filterable by level, open or closed, locality and duty; exports to CSV and Excel."""

    page_title = "Contingency flags"
    header_icon = "warning"
    index_url_name = "contingency_admin:index"
    index_results_url_name = "contingency_admin:index_results"
    filterset_class = FlagFilterSet
    paginate_by = 50
    export_filename = "contingency-flags"
    columns = [
        TitleColumn("provider", label="Provider", get_url=lambda flag: flag_url(flag)),
        Column("get_level_display", label="Level"),
        Column("get_duty_display", label="Duty"),
        Column("provider.locality", label="Locality"),
        Column("lead_officer", label="Lead officer"),
        DateColumn("opened_at", label="Opened"),
        DateColumn("closed_at", label="Closed"),
    ]
    list_export = [
        "pk",
        "provider.name",
        "provider.locality",
        "get_level_display",
        "get_duty_display",
        "get_scope_display",
        "scope_detail",
        "lead_officer",
        "get_public_visibility_display",
        "opened_at",
        "closed_at",
        "get_closing_outcome_display",
    ]
    export_headings = {
        "pk": "Flag",
        "provider.name": "Provider",
        "provider.locality": "Locality",
        "get_level_display": "Level",
        "get_duty_display": "Duty",
        "get_scope_display": "Scope",
        "scope_detail": "Scope detail",
        "lead_officer": "Lead officer",
        "get_public_visibility_display": "Public listing",
        "opened_at": "Opened",
        "closed_at": "Closed",
        "get_closing_outcome_display": "Outcome",
    }
    commissioner_permission = PERMISSION
    custom_value_preprocess = {
        **ReportView.custom_value_preprocess,
        User: {"csv": str, "xlsx": str},
    }

    def get_queryset(self) -> Any:
        return selectors.flags_for_admin()

    def get_filename(self) -> str:
        return f"contingency-flags-{timezone.localdate():%Y-%m-%d}"

    def to_row_dict(self, item: Any) -> Any:
        row = super().to_row_dict(item)
        for key, value in row.items():
            if value is not None and not isinstance(value, str | int | float | datetime.date):
                row[key] = str(value)
        return row


class OpenFlagView(AdminActionView):
    """Open a flag by hand from a provider (intelligence, self-report, safeguarding...)."""

    commissioner_permission = PERMISSION
    form_class = OpenFlagForm

    def setup_after_permission_check(self) -> None:
        self.provider = get_object_or_404(Provider, pk=self.kwargs["provider_pk"])
        self.existing = selectors.open_flag_for(self.provider)

    def precondition_response(self) -> HttpResponse | None:
        if self.existing is None:
            return None
        messages.info(self.request, f"{self.provider.name} already has an open flag; add the concern to it.")
        return redirect(flag_url(self.existing, "triggers"))

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"provider": self.provider, "user": self.commissioner}

    def perform(self, form: forms.Form) -> ContingencyFlag:
        data = form.cleaned_data
        return services.contingency_open_flag(
            provider=self.provider,
            by=self.commissioner,
            kind=data["kind"],
            detail=data["detail"],
            level=data["level"],
            duty=data["duty"],
            scope=data["scope"],
            scope_service=data["scope_service"],
            scope_location=data["scope_location"],
            scope_detail=data["scope_detail"],
            lead_officer=data["lead_officer"],
        )

    def get_success_message(self, result: ContingencyFlag, form: forms.Form) -> str:
        return f"Flag opened for {self.provider.name} at “{result.get_level_display()}”."

    def get_success_url(self, result: Any = None) -> str:
        return flag_url(result)

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        # A refusal re-shows the form with what was typed, as it always has (200, not 400).
        return TemplateResponse(
            self.request, "contingency/admin/open_flag.html", {"provider": self.provider, "form": form}
        )


def _flag_page(
    request: HttpRequest, flag: ContingencyFlag, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> TemplateResponse:
    bound = bound or {}
    forms_on_page: dict[str, forms.Form] = {
        "level_form": LevelForm(flag=flag),
        "trigger_form": TriggerForm(),
        "event_form": EventForm(),
        "visibility_form": VisibilityForm(flag=flag),
        "details_form": FlagDetailsForm(flag=flag),
        "plan_form": PlanUploadForm(),
        "plan_review_form": PlanReviewForm(initial={"reviewed_on": flag.bcp_reviewed_on}),
        "person_form": AffectedPersonForm(),
        "close_form": CloseForm(),
    }
    forms_on_page.update(bound)
    people = list(flag.affected_people.select_related("holder"))
    context = {
        "flag": flag,
        "provider": flag.provider,
        "timeline": selectors.flag_timeline(flag),
        "triggers": flag.triggers.select_related("recorded_by"),
        "level_changes": flag.level_changes.select_related("decided_by"),
        "people": [(person, AffectedPersonStatusForm(initial={"status": person.status})) for person in people],
        "alternatives": selectors.alternatives_for(flag=flag) if flag.is_open else [],
        "plan_views": flag.bcp_views.select_related("viewed_by")[:10],
        "invalid_form": next((name for name, form in bound.items() if form.errors), ""),
        **forms_on_page,
    }
    return TemplateResponse(request, "contingency/admin/flag.html", context, status=status)


@commissioners_only(PERMISSION)
def flag_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _flag_page(request, _flag_or_404(pk))


class FlagActionView(AdminActionView):
    """One form on the flag's page: it posts here, and a refusal re-shows the page with the errors (400)."""

    commissioner_permission = PERMISSION
    # The form's name on the flag page, and the part of the page to go back to.
    form_name = ""
    anchor = ""
    # Whether the form is made for the flag (it offers choices that depend on it).
    form_takes_flag = False

    def setup_after_permission_check(self) -> None:
        self.flag = _flag_or_404(self.kwargs["pk"])

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"flag": self.flag} if self.form_takes_flag else {}

    def get_success_url(self, result: Any = None) -> str:
        return flag_url(self.flag, self.anchor)

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        if not form.is_bound:  # the forms live on the flag's page; a GET goes there
            return redirect(self.get_success_url())
        return _flag_page(self.request, _flag_or_404(self.flag.pk), {self.form_name: form}, status=status)


class ChangeLevelView(FlagActionView):
    form_class = LevelForm
    form_name = "level_form"
    form_takes_flag = True
    anchor = "level"
    success_message = "Level changed."

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.contingency_change_level(
            flag=self.flag, to_level=data["to_level"], by=self.commissioner, reason=data["reason"]
        )


class AddTriggerView(FlagActionView):
    form_class = TriggerForm
    form_name = "trigger_form"
    anchor = "triggers"
    success_message = "Concern recorded."

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.contingency_record_trigger(
            flag=self.flag, by=self.commissioner, kind=data["kind"], detail=data["detail"]
        )


class AddEventView(FlagActionView):
    form_class = EventForm
    form_name = "event_form"
    anchor = "timeline"
    success_message = "Added to the timeline."

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.contingency_add_event(
            flag=self.flag,
            by=self.commissioner,
            kind=data["kind"],
            party=data["party"],
            summary=data["summary"],
            occurred_at=data["occurred_at"],
        )


class SetVisibilityView(FlagActionView):
    form_class = VisibilityForm
    form_name = "visibility_form"
    form_takes_flag = True
    anchor = "visibility"
    success_message = "Public listing decision saved."

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.contingency_set_visibility(
            flag=self.flag,
            by=self.commissioner,
            visibility=data["visibility"],
            notice=data["notice"],
            reason=data["reason"],
        )


class ChangeDetailsView(FlagActionView):
    form_class = FlagDetailsForm
    form_name = "details_form"
    form_takes_flag = True
    anchor = "details"
    success_message = "Details saved."

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.contingency_update_details(
            flag=self.flag,
            by=self.commissioner,
            duty=data["duty"],
            scope=data["scope"],
            scope_service=data["scope_service"],
            scope_location=data["scope_location"],
            scope_detail=data["scope_detail"],
            lead_officer=data["lead_officer"],
        )


class UploadPlanView(FlagActionView):
    form_class = PlanUploadForm
    form_name = "plan_form"
    anchor = "plan"
    success_message = "Business continuity plan saved."

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.contingency_upload_plan(
            flag=self.flag, by=self.commissioner, upload=data["plan"], reviewed_on=data["reviewed_on"]
        )


class ReviewPlanView(FlagActionView):
    form_class = PlanReviewForm
    form_name = "plan_review_form"
    anchor = "plan"
    success_message = "Review recorded."

    def perform(self, form: forms.Form) -> Any:
        return services.contingency_review_plan(
            flag=self.flag, by=self.commissioner, reviewed_on=form.cleaned_data["reviewed_on"]
        )


class AddPersonView(FlagActionView):
    form_class = AffectedPersonForm
    form_name = "person_form"
    anchor = "people"
    success_message = "Person added."

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.contingency_add_affected_person(
            flag=self.flag,
            by=self.commissioner,
            reference=data["reference"],
            needs_summary=data["needs_summary"],
            holder=data["holder_email"],
            status=data["status"],
            notes=data["notes"],
        )


class UpdatePersonView(FlagActionView):
    """A person's status, from the row in the people table: errors come back as a message, not a form."""

    form_class = AffectedPersonStatusForm
    anchor = "people"

    def setup_after_permission_check(self) -> None:
        super().setup_after_permission_check()
        self.person = get_object_or_404(AffectedPerson, pk=self.kwargs["person_pk"], flag=self.flag)

    def perform(self, form: forms.Form) -> Any:
        return services.contingency_update_affected_person(
            person=self.person,
            by=self.commissioner,
            status=form.cleaned_data["status"],
            notes=form.cleaned_data["notes"],
        )

    def get_success_message(self, result: Any, form: forms.Form) -> str:
        return f"{self.person.reference} updated."

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        if form.is_bound:
            errors = form.non_field_errors()
            messages.error(self.request, str(errors[0]) if errors else "Select the person's status.")
        return redirect(self.get_success_url())


class CloseFlagView(FlagActionView):
    form_class = CloseForm
    form_name = "close_form"
    success_message = "Flag closed."

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.contingency_close_flag(
            flag=self.flag, by=self.commissioner, outcome=data["outcome"], reason=data["reason"]
        )


@commissioners_only(PERMISSION)
def plan_file(request: HttpRequest, pk: int) -> FileResponse:
    """Serve the business continuity plan from private storage, logging who opened it."""
    user = cast(User, request.user)
    flag = _flag_or_404(pk)
    if not flag.business_continuity_plan:
        raise Http404
    services.contingency_record_plan_view(flag=flag, by=user)
    name = flag.business_continuity_plan.name or ""
    extension = PurePosixPath(name).suffix.lower() or ".pdf"
    response = FileResponse(
        flag.business_continuity_plan.open("rb"),
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        as_attachment=extension != ".pdf",
        filename=f"business-continuity-plan-{flag.pk}{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
