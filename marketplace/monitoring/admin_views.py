"""The commissioners' monitoring screens in the Wagtail admin that are not plain listings.

Every view asks for `monitoring.manage` (commissioners); every write goes
through `services.py`, whose MonitoringError messages go back onto the form.
"""

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from marketplace.accounts.models import User
from marketplace.core.commissioner_admin import commissioner_or_403
from marketplace.providers.selectors import provider_email_addresses

from . import services
from .forms import (
    ActionChangeForm,
    ActionForm,
    AmendForm,
    AttachmentForm,
    FinaliseForm,
    FollowUpForm,
    ModerationForm,
    VisitForm,
)
from .models import Action, Feedback, MonitoringVisit, VisitAttachment
from .rating import IncompleteRatings, overall_rating
from .selectors import what_people_said

VISIT_ICON = "clipboard-list"


MANAGE = "monitoring.manage"


def _require_manage(request: HttpRequest) -> User:
    """The commissioner making the request; 403 for anyone else, before anything is looked up (decision 0043)."""
    return commissioner_or_403(request, MANAGE)


def visit_url(visit: MonitoringVisit) -> str:
    return reverse("monitoring_visits:edit", args=[visit.pk])


def _visit(pk: int) -> MonitoringVisit:
    return get_object_or_404(
        MonitoringVisit.objects.select_related(
            "provider", "provider__locality", "officer", "arrangement", "follows_up", "finalised_by", "published_by"
        ),
        pk=pk,
    )


def _render(
    request: HttpRequest, template: str, *, title: str, subtitle: str = "", status: int = 200, **context: Any
) -> HttpResponse:
    return TemplateResponse(
        request,
        template,
        {
            "page_title": title,
            "page_subtitle": subtitle,
            "header_title": f"{title}: {subtitle}" if subtitle else title,
            "header_icon": VISIT_ICON,
            "visits_url": reverse("monitoring_visits:index"),
            **context,
        },
        status=status,
    )


def _form_page(
    request: HttpRequest,
    form: Any,
    *,
    title: str,
    subtitle: str = "",
    submit_label: str,
    cancel_url: str,
    **context: Any,
) -> HttpResponse:
    return _render(
        request,
        "monitoring/admin/form.html",
        title=title,
        subtitle=subtitle,
        form=form,
        submit_label=submit_label,
        cancel_url=cancel_url,
        **context,
    )


# Visits ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def visit_create(request: HttpRequest) -> HttpResponse:
    by = _require_manage(request)
    if request.method == "POST":
        form = VisitForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                visit = services.visit_record(
                    provider=data["provider"],
                    visit_type=data["visit_type"],
                    visited_on=data["visited_on"],
                    by=by,
                    officer=data["officer"],
                    arrangement=data["arrangement"],
                    ratings=form.ratings(),
                    evidence_notes=data["evidence_notes"],
                    summary_for_provider=data["summary_for_provider"],
                )
            except services.MonitoringError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Visit to {visit.provider.name} recorded as a draft.")
                return redirect(visit_url(visit))
    else:
        initial: dict[str, Any] = {"visited_on": timezone.localdate(), "officer": by.pk}
        if request.GET.get("provider", "").isdigit():
            initial["provider"] = int(request.GET["provider"])
        form = VisitForm(initial=initial)
    return _form_page(
        request,
        form,
        title="Record a monitoring visit",
        submit_label="Save as a draft",
        cancel_url=reverse("monitoring_visits:index"),
        intro="Record what you found. You can save the ratings now or later; they are fixed when you finalise the "
        "visit.",
    )


@require_http_methods(["GET"])
def visit_page(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    visit = _visit(pk)
    try:
        computed = overall_rating(visit.domain_ratings) if visit.is_draft else None
    except IncompleteRatings:
        computed = None
    today = timezone.localdate()
    actions = list(visit.actions.select_related("responded_by").prefetch_related("updates"))
    return _render(
        request,
        "monitoring/admin/visit_page.html",
        title=str(visit.provider),
        subtitle=f"{visit.get_visit_type_display()} on {visit.visited_on:%d %B %Y}",
        visit=visit,
        computed=computed,
        actions=actions,
        today=today,
        attachments=list(visit.attachments.select_related("uploaded_by")),
        decisions=list(visit.rating_decisions.select_related("decided_by")),
        follow_ups=list(visit.follow_ups.order_by("visited_on")),
        feedback=what_people_said(provider=visit.provider, limit=10),
        feedback_url=reverse("monitoring_feedback:index") + f"?q={visit.provider.name}",
    )


@require_http_methods(["GET", "POST"])
def visit_edit_draft(request: HttpRequest, pk: int) -> HttpResponse:
    by = _require_manage(request)
    visit = _visit(pk)
    if not visit.is_draft:
        messages.error(request, "This visit is finalised, so it cannot be edited. Record an amendment instead.")
        return redirect(visit_url(visit))
    if request.method == "POST":
        form = VisitForm(request.POST, with_provider=False)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.visit_update_draft(
                    visit=visit,
                    by=by,
                    visit_type=data["visit_type"],
                    visited_on=data["visited_on"],
                    officer=data["officer"],
                    arrangement=data["arrangement"],
                    ratings=form.ratings(),
                    evidence_notes=data["evidence_notes"],
                    summary_for_provider=data["summary_for_provider"],
                )
            except services.MonitoringError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Draft saved.")
                return redirect(visit_url(visit))
    else:
        form = VisitForm(initial=VisitForm.initial_from(visit), with_provider=False)
    return _form_page(
        request,
        form,
        title="Edit the draft visit",
        subtitle=str(visit.provider),
        submit_label="Save the draft",
        cancel_url=visit_url(visit),
    )


@require_http_methods(["GET", "POST"])
def visit_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    by = _require_manage(request)
    visit = _visit(pk)
    if not visit.is_draft:
        messages.error(request, "This visit is already finalised.")
        return redirect(visit_url(visit))
    form = FinaliseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.visit_finalise(visit=visit, by=by, reason=form.cleaned_data["reason"])
        except services.MonitoringError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Visit finalised: overall rating {decision.get_overall_rating_display()}.")
            return redirect(visit_url(visit))
    try:
        computed = overall_rating(visit.domain_ratings)
        incomplete = ""
    except IncompleteRatings as error:
        computed, incomplete = None, str(error)
    return _render(
        request,
        "monitoring/admin/finalise.html",
        title="Finalise the visit",
        subtitle=str(visit.provider),
        visit=visit,
        form=form,
        computed=computed,
        incomplete=incomplete,
        cancel_url=visit_url(visit),
    )


@require_http_methods(["GET", "POST"])
def visit_publish(request: HttpRequest, pk: int) -> HttpResponse:
    by = _require_manage(request)
    visit = _visit(pk)
    if request.method == "POST":
        try:
            services.visit_publish(visit=visit, by=by)
        except services.MonitoringError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Outcome published to {visit.provider.name}; they have been emailed.")
        return redirect(visit_url(visit))
    if visit.status != MonitoringVisit.Status.FINALISED:
        messages.error(request, "Only a finalised visit that is not yet published can be published.")
        return redirect(visit_url(visit))
    return _render(
        request,
        "monitoring/admin/publish.html",
        title="Publish the outcome to the provider",
        subtitle=str(visit.provider),
        visit=visit,
        actions=list(visit.actions.all()),
        recipients=provider_email_addresses(visit.provider),
        cancel_url=visit_url(visit),
    )


@require_http_methods(["GET", "POST"])
def visit_amend(request: HttpRequest, pk: int) -> HttpResponse:
    by = _require_manage(request)
    visit = _visit(pk)
    if visit.is_draft:
        return redirect("monitoring_visits:edit_draft", pk=visit.pk)
    if request.method == "POST":
        form = AmendForm(request.POST)
        if form.is_valid():
            try:
                decision = services.visit_amend(
                    visit=visit,
                    by=by,
                    ratings=form.ratings(),
                    reason=form.cleaned_data["reason"],
                    summary_for_provider=form.cleaned_data["summary_for_provider"],
                )
            except services.MonitoringError as error:
                form.add_error(None, str(error))
            else:
                rating = decision.get_overall_rating_display()
                messages.success(request, f"Amendment recorded: overall rating {rating}.")
                return redirect(visit_url(visit))
    else:
        form = AmendForm(initial={**visit.domain_ratings, "summary_for_provider": visit.summary_for_provider})
    return _form_page(
        request,
        form,
        title="Amend the ratings",
        subtitle=str(visit.provider),
        submit_label="Record the amendment",
        cancel_url=visit_url(visit),
        intro="A finalised visit is never edited. Your amendment becomes the ratings in force and is added to the "
        "visit's history with your reason; the earlier decision stays in the history.",
    )


@require_http_methods(["GET", "POST"])
def visit_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    by = _require_manage(request)
    visit = _visit(pk)
    if request.method == "POST":
        form = FollowUpForm(request.POST)
        if form.is_valid():
            try:
                follow_up = services.visit_follow_up_create(
                    visit=visit,
                    by=by,
                    visit_type=form.cleaned_data["visit_type"],
                    visited_on=form.cleaned_data["visited_on"],
                    officer=form.cleaned_data["officer"],
                )
            except services.MonitoringError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Follow-up visit recorded as a draft.")
                return redirect(visit_url(follow_up))
    else:
        form = FollowUpForm(initial={"visited_on": timezone.localdate(), "officer": by.pk})
    return _form_page(
        request,
        form,
        title="Record a follow-up visit",
        subtitle=str(visit.provider),
        submit_label="Save as a draft",
        cancel_url=visit_url(visit),
        intro=f"A follow-up to the {visit.get_visit_type_display().lower()} on {visit.visited_on:%d %B %Y}, to check "
        "its action plan.",
    )


# Actions -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def action_add(request: HttpRequest, visit_pk: int) -> HttpResponse:
    by = _require_manage(request)
    visit = _visit(visit_pk)
    if request.method == "POST":
        form = ActionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.action_create(
                    visit=visit,
                    by=by,
                    description=data["description"],
                    due_on=data["due_on"],
                    owner=data["owner"],
                    owner_name=data["owner_name"],
                    domain=data["domain"],
                )
            except services.MonitoringError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Action added to the action plan.")
                if "add_another" in request.POST:
                    return redirect("monitoring_visits:action_add", visit_pk=visit.pk)
                return redirect(visit_url(visit) + "#actions")
    else:
        form = ActionForm()
    return _form_page(
        request,
        form,
        title="Add an action",
        subtitle=str(visit.provider),
        submit_label="Add the action",
        cancel_url=visit_url(visit),
        add_another_label="Add the action and another",
    )


@require_http_methods(["GET", "POST"])
def action_change(request: HttpRequest, pk: int) -> HttpResponse:
    by = _require_manage(request)
    action = get_object_or_404(Action.objects.select_related("visit", "visit__provider"), pk=pk)
    visit = action.visit
    if request.method == "POST":
        form = ActionChangeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.action_update(
                    action=action,
                    by=by,
                    description=data["description"],
                    due_on=data["due_on"],
                    owner=data["owner"],
                    owner_name=data["owner_name"],
                    status=data["status"],
                    domain=data["domain"],
                    note=data["note"],
                )
            except services.MonitoringError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Action updated.")
                return redirect(visit_url(visit) + "#actions")
    else:
        form = ActionChangeForm(
            initial={
                "description": action.description,
                "domain": action.domain,
                "owner": action.owner,
                "owner_name": action.owner_name,
                "due_on": action.due_on,
                "status": action.status,
            }
        )
    return _form_page(
        request,
        form,
        title="Change an action",
        subtitle=str(visit.provider),
        submit_label="Save the action",
        cancel_url=visit_url(visit),
        action=action,
        history=list(action.updates.select_related("by")),
    )


# Attachments ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def attachment_add(request: HttpRequest, visit_pk: int) -> HttpResponse:
    by = _require_manage(request)
    visit = _visit(visit_pk)
    if request.method == "POST":
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.visit_attach(
                    visit=visit, upload=form.cleaned_data["file"], by=by, description=form.cleaned_data["description"]
                )
            except services.MonitoringError as error:
                form.add_error("file", str(error))
            else:
                messages.success(request, "File attached to the visit's evidence.")
                return redirect(visit_url(visit) + "#attachments")
    else:
        form = AttachmentForm()
    return _form_page(
        request,
        form,
        title="Attach evidence",
        subtitle=str(visit.provider),
        submit_label="Attach the file",
        cancel_url=visit_url(visit),
        intro="Kept in private storage and seen only by commissioners; never shown to the provider.",
    )


@require_http_methods(["GET"])
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    _require_manage(request)
    attachment = get_object_or_404(VisitAttachment, pk=pk)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


# Feedback moderation ----------------------------------------------------------


@require_http_methods(["GET", "POST"])
def feedback_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    by = _require_manage(request)
    feedback = get_object_or_404(Feedback.objects.select_related("provider", "moderated_by"), pk=pk)
    form = ModerationForm(request.POST or None)
    if request.method == "POST" and feedback.moderation_status == Feedback.Moderation.PENDING and form.is_valid():
        try:
            services.feedback_moderate(
                feedback=feedback, by=by, decision=form.cleaned_data["decision"], reason=form.cleaned_data["reason"]
            )
        except services.MonitoringError as error:
            form.add_error(None, str(error))
        else:
            feedback.refresh_from_db()
            messages.success(request, f"Feedback on {feedback.provider.name} {feedback.moderation_status}.")
            return redirect("monitoring_feedback:index")
    return _render(
        request,
        "monitoring/admin/feedback_moderate.html",
        title="Moderate feedback",
        subtitle=str(feedback.provider),
        feedback=feedback,
        form=form,
        cancel_url=reverse("monitoring_feedback:index"),
    )
