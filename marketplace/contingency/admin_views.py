"""The commissioners' contingency screens in the Wagtail admin.

Thin: each form posts to its own URL, the view calls one service, and a
refused change re-shows the flag page with the message and what was typed.
Anyone without `contingency.manage_flags` gets a 404 on every screen, so the
existence of a flag is never revealed.
"""

import datetime
import mimetypes
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

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
from .services import ContingencyError

PERMISSION = "contingency.manage_flags"


def _require_permission(request: HttpRequest) -> User:
    if not request.user.has_perm(PERMISSION):
        raise Http404
    return request.user  # type: ignore[return-value]


def _flag_or_404(pk: int) -> ContingencyFlag:
    try:
        return selectors.flag_for_admin(pk)
    except ContingencyFlag.DoesNotExist as error:
        raise Http404 from error


def flag_url(flag: ContingencyFlag, anchor: str = "") -> str:
    url = reverse("contingency_admin:flag", args=[flag.pk])
    return f"{url}#{anchor}" if anchor else url


class FlagListView(ReportView):
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
    custom_value_preprocess = {
        **ReportView.custom_value_preprocess,
        User: {"csv": str, "xlsx": str},
    }

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        _require_permission(request)
        return super().dispatch(request, *args, **kwargs)

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


def open_flag(request: HttpRequest, provider_pk: int) -> HttpResponse:
    """Open a flag by hand from a provider (intelligence, self-report, safeguarding...)."""
    user = _require_permission(request)
    provider = get_object_or_404(Provider, pk=provider_pk)
    existing = selectors.open_flag_for(provider)
    if existing is not None:
        messages.info(request, f"{provider.name} already has an open flag; add the concern to it.")
        return redirect(flag_url(existing, "triggers"))
    form = OpenFlagForm(request.POST or None, provider=provider, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            flag = services.contingency_open_flag(
                provider=provider,
                by=user,
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
        except ContingencyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Flag opened for {provider.name} at “{flag.get_level_display()}”.")
            return redirect(flag_url(flag))
    return TemplateResponse(request, "contingency/admin/open_flag.html", {"provider": provider, "form": form})


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


def flag_page(request: HttpRequest, pk: int) -> HttpResponse:
    _require_permission(request)
    return _flag_page(request, _flag_or_404(pk))


def _post_action(
    request: HttpRequest,
    pk: int,
    *,
    form_name: str,
    make_form: Callable[[ContingencyFlag], forms.Form],
    act: Callable[[ContingencyFlag, User, dict[str, Any]], Any],
    done: str,
    anchor: str,
) -> HttpResponse:
    """Validate one form, call its service, and redirect back; or re-show the page with the errors."""
    user = _require_permission(request)
    flag = _flag_or_404(pk)
    if request.method != "POST":
        return redirect(flag_url(flag, anchor))
    form = make_form(flag)
    if form.is_valid():
        try:
            act(flag, user, form.cleaned_data)
        except ContingencyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done)
            return redirect(flag_url(flag, anchor))
    return _flag_page(request, _flag_or_404(pk), {form_name: form}, status=400)


def change_level(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        form_name="level_form",
        make_form=lambda flag: LevelForm(request.POST, flag=flag),
        act=lambda flag, user, data: services.contingency_change_level(
            flag=flag, to_level=data["to_level"], by=user, reason=data["reason"]
        ),
        done="Level changed.",
        anchor="level",
    )


def add_trigger(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        form_name="trigger_form",
        make_form=lambda flag: TriggerForm(request.POST),
        act=lambda flag, user, data: services.contingency_record_trigger(
            flag=flag, by=user, kind=data["kind"], detail=data["detail"]
        ),
        done="Concern recorded.",
        anchor="triggers",
    )


def add_event(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        form_name="event_form",
        make_form=lambda flag: EventForm(request.POST),
        act=lambda flag, user, data: services.contingency_add_event(
            flag=flag,
            by=user,
            kind=data["kind"],
            party=data["party"],
            summary=data["summary"],
            occurred_at=data["occurred_at"],
        ),
        done="Added to the timeline.",
        anchor="timeline",
    )


def set_visibility(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        form_name="visibility_form",
        make_form=lambda flag: VisibilityForm(request.POST, flag=flag),
        act=lambda flag, user, data: services.contingency_set_visibility(
            flag=flag, by=user, visibility=data["visibility"], notice=data["notice"], reason=data["reason"]
        ),
        done="Public listing decision saved.",
        anchor="visibility",
    )


def change_details(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        form_name="details_form",
        make_form=lambda flag: FlagDetailsForm(request.POST, flag=flag),
        act=lambda flag, user, data: services.contingency_update_details(
            flag=flag,
            by=user,
            duty=data["duty"],
            scope=data["scope"],
            scope_service=data["scope_service"],
            scope_location=data["scope_location"],
            scope_detail=data["scope_detail"],
            lead_officer=data["lead_officer"],
        ),
        done="Details saved.",
        anchor="details",
    )


def upload_plan(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        form_name="plan_form",
        make_form=lambda flag: PlanUploadForm(request.POST, request.FILES),
        act=lambda flag, user, data: services.contingency_upload_plan(
            flag=flag, by=user, upload=data["plan"], reviewed_on=data["reviewed_on"]
        ),
        done="Business continuity plan saved.",
        anchor="plan",
    )


def review_plan(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        form_name="plan_review_form",
        make_form=lambda flag: PlanReviewForm(request.POST),
        act=lambda flag, user, data: services.contingency_review_plan(
            flag=flag, by=user, reviewed_on=data["reviewed_on"]
        ),
        done="Review recorded.",
        anchor="plan",
    )


def add_person(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        form_name="person_form",
        make_form=lambda flag: AffectedPersonForm(request.POST),
        act=lambda flag, user, data: services.contingency_add_affected_person(
            flag=flag,
            by=user,
            reference=data["reference"],
            needs_summary=data["needs_summary"],
            holder=data["holder_email"],
            status=data["status"],
            notes=data["notes"],
        ),
        done="Person added.",
        anchor="people",
    )


def update_person(request: HttpRequest, pk: int, person_pk: int) -> HttpResponse:
    user = _require_permission(request)
    flag = _flag_or_404(pk)
    person = get_object_or_404(AffectedPerson, pk=person_pk, flag=flag)
    if request.method != "POST":
        return redirect(flag_url(flag, "people"))
    form = AffectedPersonStatusForm(request.POST)
    if form.is_valid():
        try:
            services.contingency_update_affected_person(
                person=person, by=user, status=form.cleaned_data["status"], notes=form.cleaned_data["notes"]
            )
        except ContingencyError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{person.reference} updated.")
    else:
        messages.error(request, "Select the person's status.")
    return redirect(flag_url(flag, "people"))


def close_flag(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        form_name="close_form",
        make_form=lambda flag: CloseForm(request.POST),
        act=lambda flag, user, data: services.contingency_close_flag(
            flag=flag, by=user, outcome=data["outcome"], reason=data["reason"]
        ),
        done="Flag closed.",
        anchor="",
    )


def plan_file(request: HttpRequest, pk: int) -> FileResponse:
    """Serve the business continuity plan from private storage, logging who opened it."""
    user = _require_permission(request)
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
