"""The commissioners' monitoring screens in the Wagtail admin that are not plain listings.

Every view asks for `monitoring.manage` (commissioners), as the area does for
every URL (decision 0043). Every write is an `AdminActionView` calling one
service in `services.py`, whose MonitoringError messages go back onto the form.
"""

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from marketplace.core.commissioner_admin import AdminActionView, commissioners_only
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


class MonitoringActionView(AdminActionView):
    """A monitoring action on its own page: by default the shared form page, `monitoring/admin/form.html`."""

    commissioner_permission = MANAGE
    template_name = "monitoring/admin/form.html"
    title = ""
    submit_label = ""
    intro = ""

    def get_subtitle(self) -> str:
        return ""

    def get_cancel_url(self) -> str:
        return reverse("monitoring_visits:index")

    def get_page_context(self, form: forms.Form) -> dict[str, Any]:
        return {"submit_label": self.submit_label, "intro": self.intro}

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        return _render(
            self.request,
            self.template_name,
            title=self.title,
            subtitle=self.get_subtitle(),
            status=status,
            form=form,
            cancel_url=self.get_cancel_url(),
            **self.get_page_context(form),
        )


class VisitActionView(MonitoringActionView):
    """An action on one visit (`pk` in the URL, or `visit_pk` for what is added to it)."""

    visit_kwarg = "pk"

    def setup_after_permission_check(self) -> None:
        self.visit = _visit(self.kwargs[self.visit_kwarg])

    def get_subtitle(self) -> str:
        return str(self.visit.provider)

    def get_cancel_url(self) -> str:
        return visit_url(self.visit)

    def get_success_url(self, result: Any = None) -> str:
        return visit_url(self.visit)


# Visits ---------------------------------------------------------------------


class VisitCreateView(MonitoringActionView):
    form_class = VisitForm
    title = "Record a monitoring visit"
    submit_label = "Save as a draft"
    intro = "Record what you found. You can save the ratings now or later; they are fixed when you finalise the visit."

    def get_form(self, data: Any = None, files: Any = None) -> forms.Form:
        if data is not None:
            return VisitForm(data)
        initial: dict[str, Any] = {"visited_on": timezone.localdate(), "officer": self.commissioner.pk}
        if self.request.GET.get("provider", "").isdigit():
            initial["provider"] = int(self.request.GET["provider"])
        return VisitForm(initial=initial)

    def perform(self, form: forms.Form) -> MonitoringVisit:
        data = form.cleaned_data
        return services.visit_record(
            provider=data["provider"],
            visit_type=data["visit_type"],
            visited_on=data["visited_on"],
            by=self.commissioner,
            officer=data["officer"],
            arrangement=data["arrangement"],
            ratings=cast(VisitForm, form).ratings(),
            evidence_notes=data["evidence_notes"],
            summary_for_provider=data["summary_for_provider"],
        )

    def get_success_message(self, result: MonitoringVisit, form: forms.Form) -> str:
        return f"Visit to {result.provider.name} recorded as a draft."

    def get_success_url(self, result: Any = None) -> str:
        return visit_url(result)


@commissioners_only(MANAGE)
@require_http_methods(["GET"])
def visit_page(request: HttpRequest, pk: int) -> HttpResponse:
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


class VisitEditDraftView(VisitActionView):
    form_class = VisitForm
    title = "Edit the draft visit"
    submit_label = "Save the draft"
    success_message = "Draft saved."

    def precondition_response(self) -> HttpResponse | None:
        if self.visit.is_draft:
            return None
        messages.error(self.request, "This visit is finalised, so it cannot be edited. Record an amendment instead.")
        return redirect(visit_url(self.visit))

    def get_form(self, data: Any = None, files: Any = None) -> forms.Form:
        if data is not None:
            return VisitForm(data, with_provider=False)
        return VisitForm(initial=VisitForm.initial_from(self.visit), with_provider=False)

    def perform(self, form: forms.Form) -> None:
        data = form.cleaned_data
        services.visit_update_draft(
            visit=self.visit,
            by=self.commissioner,
            visit_type=data["visit_type"],
            visited_on=data["visited_on"],
            officer=data["officer"],
            arrangement=data["arrangement"],
            ratings=cast(VisitForm, form).ratings(),
            evidence_notes=data["evidence_notes"],
            summary_for_provider=data["summary_for_provider"],
        )


class VisitFinaliseView(VisitActionView):
    form_class = FinaliseForm
    template_name = "monitoring/admin/finalise.html"
    title = "Finalise the visit"

    def precondition_response(self) -> HttpResponse | None:
        if self.visit.is_draft:
            return None
        messages.error(self.request, "This visit is already finalised.")
        return redirect(visit_url(self.visit))

    def perform(self, form: forms.Form) -> Any:
        return services.visit_finalise(visit=self.visit, by=self.commissioner, reason=form.cleaned_data["reason"])

    def get_success_message(self, result: Any, form: forms.Form) -> str:
        return f"Visit finalised: overall rating {result.get_overall_rating_display()}."

    def get_page_context(self, form: forms.Form) -> dict[str, Any]:
        try:
            computed, incomplete = overall_rating(self.visit.domain_ratings), ""
        except IncompleteRatings as error:
            computed, incomplete = None, str(error)
        return {"visit": self.visit, "computed": computed, "incomplete": incomplete}


class VisitPublishView(VisitActionView):
    """GET: what the provider will be sent, and to whom; POST: publish it. A refusal comes back as a message."""

    template_name = "monitoring/admin/publish.html"
    title = "Publish the outcome to the provider"

    def precondition_response(self) -> HttpResponse | None:
        if self.visit.status == MonitoringVisit.Status.FINALISED:
            return None
        messages.error(self.request, "Only a finalised visit that is not yet published can be published.")
        return redirect(visit_url(self.visit))

    def perform(self, form: forms.Form) -> None:
        services.visit_publish(visit=self.visit, by=self.commissioner)

    def get_success_message(self, result: Any, form: forms.Form) -> str:
        return f"Outcome published to {self.visit.provider.name}; they have been emailed."

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        if form.is_bound:  # nothing to correct on a form with no fields: say why and go back to the visit
            messages.error(self.request, str(form.non_field_errors()[0]))
            return redirect(visit_url(self.visit))
        return super().render_form(form, status)

    def get_page_context(self, form: forms.Form) -> dict[str, Any]:
        return {
            "visit": self.visit,
            "actions": list(self.visit.actions.all()),
            "recipients": provider_email_addresses(self.visit.provider),
        }


class VisitAmendView(VisitActionView):
    form_class = AmendForm
    title = "Amend the ratings"
    submit_label = "Record the amendment"
    intro = (
        "A finalised visit is never edited. Your amendment becomes the ratings in force and is added to the "
        "visit's history with your reason; the earlier decision stays in the history."
    )

    def precondition_response(self) -> HttpResponse | None:
        if self.visit.is_draft:
            return redirect("monitoring_visits:edit_draft", pk=self.visit.pk)
        return None

    def get_form(self, data: Any = None, files: Any = None) -> forms.Form:
        if data is not None:
            return AmendForm(data)
        return AmendForm(
            initial={**self.visit.domain_ratings, "summary_for_provider": self.visit.summary_for_provider}
        )

    def perform(self, form: forms.Form) -> Any:
        return services.visit_amend(
            visit=self.visit,
            by=self.commissioner,
            ratings=cast(AmendForm, form).ratings(),
            reason=form.cleaned_data["reason"],
            summary_for_provider=form.cleaned_data["summary_for_provider"],
        )

    def get_success_message(self, result: Any, form: forms.Form) -> str:
        return f"Amendment recorded: overall rating {result.get_overall_rating_display()}."


class VisitFollowUpView(VisitActionView):
    form_class = FollowUpForm
    title = "Record a follow-up visit"
    submit_label = "Save as a draft"
    success_message = "Follow-up visit recorded as a draft."

    def get_form(self, data: Any = None, files: Any = None) -> forms.Form:
        if data is not None:
            return FollowUpForm(data)
        return FollowUpForm(initial={"visited_on": timezone.localdate(), "officer": self.commissioner.pk})

    def get_page_context(self, form: forms.Form) -> dict[str, Any]:
        visit = self.visit
        intro = (
            f"A follow-up to the {visit.get_visit_type_display().lower()} on {visit.visited_on:%d %B %Y}, "
            "to check its action plan."
        )
        return {**super().get_page_context(form), "intro": intro}

    def perform(self, form: forms.Form) -> MonitoringVisit:
        data = form.cleaned_data
        return services.visit_follow_up_create(
            visit=self.visit,
            by=self.commissioner,
            visit_type=data["visit_type"],
            visited_on=data["visited_on"],
            officer=data["officer"],
        )

    def get_success_url(self, result: Any = None) -> str:
        return visit_url(result) if result is not None else visit_url(self.visit)


# Actions -------------------------------------------------------------------


class ActionAddView(VisitActionView):
    visit_kwarg = "visit_pk"
    form_class = ActionForm
    title = "Add an action"
    submit_label = "Add the action"
    success_message = "Action added to the action plan."

    def get_page_context(self, form: forms.Form) -> dict[str, Any]:
        return {**super().get_page_context(form), "add_another_label": "Add the action and another"}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.action_create(
            visit=self.visit,
            by=self.commissioner,
            description=data["description"],
            due_on=data["due_on"],
            owner=data["owner"],
            owner_name=data["owner_name"],
            domain=data["domain"],
        )

    def get_success_url(self, result: Any = None) -> str:
        if "add_another" in self.request.POST:
            return reverse("monitoring_visits:action_add", kwargs={"visit_pk": self.visit.pk})
        return visit_url(self.visit) + "#actions"


class ActionChangeView(MonitoringActionView):
    form_class = ActionChangeForm
    title = "Change an action"
    submit_label = "Save the action"
    success_message = "Action updated."

    def setup_after_permission_check(self) -> None:
        self.action = get_object_or_404(
            Action.objects.select_related("visit", "visit__provider"), pk=self.kwargs["pk"]
        )
        self.visit = self.action.visit

    def get_subtitle(self) -> str:
        return str(self.visit.provider)

    def get_cancel_url(self) -> str:
        return visit_url(self.visit)

    def get_success_url(self, result: Any = None) -> str:
        return visit_url(self.visit) + "#actions"

    def get_form(self, data: Any = None, files: Any = None) -> forms.Form:
        if data is not None:
            return ActionChangeForm(data)
        action = self.action
        return ActionChangeForm(
            initial={
                "description": action.description,
                "domain": action.domain,
                "owner": action.owner,
                "owner_name": action.owner_name,
                "due_on": action.due_on,
                "status": action.status,
            }
        )

    def get_page_context(self, form: forms.Form) -> dict[str, Any]:
        return {
            **super().get_page_context(form),
            "action": self.action,
            "history": list(self.action.updates.select_related("by")),
        }

    def perform(self, form: forms.Form) -> None:
        data = form.cleaned_data
        services.action_update(
            action=self.action,
            by=self.commissioner,
            description=data["description"],
            due_on=data["due_on"],
            owner=data["owner"],
            owner_name=data["owner_name"],
            status=data["status"],
            domain=data["domain"],
            note=data["note"],
        )


# Attachments ----------------------------------------------------------------


class AttachmentAddView(VisitActionView):
    visit_kwarg = "visit_pk"
    form_class = AttachmentForm
    domain_error_field = "file"  # the service refuses the file (its type, its size, a virus)
    title = "Attach evidence"
    submit_label = "Attach the file"
    intro = "Kept in private storage and seen only by commissioners; never shown to the provider."
    success_message = "File attached to the visit's evidence."

    def perform(self, form: forms.Form) -> None:
        services.visit_attach(
            visit=self.visit,
            upload=form.cleaned_data["file"],
            by=self.commissioner,
            description=form.cleaned_data["description"],
        )

    def get_success_url(self, result: Any = None) -> str:
        return visit_url(self.visit) + "#attachments"


@commissioners_only(MANAGE)
@require_http_methods(["GET"])
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(VisitAttachment, pk=pk)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


# Feedback moderation ----------------------------------------------------------


class FeedbackModerateView(MonitoringActionView):
    """Publish or reject feedback waiting for moderation; decided feedback is shown, not decided again."""

    form_class = ModerationForm
    template_name = "monitoring/admin/feedback_moderate.html"
    title = "Moderate feedback"

    def setup_after_permission_check(self) -> None:
        self.feedback = get_object_or_404(
            Feedback.objects.select_related("provider", "moderated_by"), pk=self.kwargs["pk"]
        )

    def precondition_response(self) -> HttpResponse | None:
        if self.request.method == "POST" and self.feedback.moderation_status != Feedback.Moderation.PENDING:
            return self.render_form(self.get_form())
        return None

    def get_subtitle(self) -> str:
        return str(self.feedback.provider)

    def get_cancel_url(self) -> str:
        return reverse("monitoring_feedback:index")

    def get_page_context(self, form: forms.Form) -> dict[str, Any]:
        return {"feedback": self.feedback}

    def perform(self, form: forms.Form) -> None:
        services.feedback_moderate(
            feedback=self.feedback,
            by=self.commissioner,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )

    def get_success_message(self, result: Any, form: forms.Form) -> str:
        self.feedback.refresh_from_db()
        return f"Feedback on {self.feedback.provider.name} {self.feedback.moderation_status}."

    def get_success_url(self, result: Any = None) -> str:
        return reverse("monitoring_feedback:index")
