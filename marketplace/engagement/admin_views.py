"""Commissioners' screens in the Wagtail admin: the safeguarding queue's review page and appointing an
authorised person for someone who lacks capacity. Each asks its rule first; writes go through services."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from marketplace.accounts import services as account_services
from marketplace.accounts.forms import AuthorisedPersonForm
from marketplace.accounts.models import ActingFor
from marketplace.core.commissioner_admin import commissioner_or_403

from . import services
from .forms import ReviewForm
from .models import MessageReport

REPORT_ICON = "warning"


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
            "header_icon": REPORT_ICON,
            **context,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The reported message (and only it), who sent it for whom, the report, and the review."""
    by = commissioner_or_403(request, "engagement.review_reports")
    report = get_object_or_404(
        MessageReport.objects.select_related(
            "message",
            "message__sent_by",
            "message__on_behalf_of",
            "message__enquiry",
            "message__enquiry__provider",
            "message__enquiry__holder",
            "reported_by",
            "reviewed_by",
        ),
        pk=pk,
    )
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and report.status == MessageReport.Status.OPEN and form.is_valid():
        try:
            services.report_review(report=report, by=by, notes=form.cleaned_data["notes"])
        except services.EngagementError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The report is marked as reviewed.")
            return redirect("engagement_reports:index")
    return _render(
        request,
        "engagement/admin/report_review.html",
        title="Reported message",
        subtitle=report.message.enquiry.provider.name,
        report=report,
        form=form,
        cancel_url=reverse("engagement_reports:index"),
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def authorised_person_appoint(request: HttpRequest) -> HttpResponse:
    """A commissioner appoints an authorised person for a holder who lacks capacity: an invitation they accept."""
    by = commissioner_or_403(request, "accounts.appoint_authorised_person")
    form = AuthorisedPersonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _ = account_services.acting_for_invite(
                holder=form.cleaned_data["holder"],
                email=form.cleaned_data["email"],
                relationship=ActingFor.Relationship.AUTHORISED_PERSON,
                rights=set(form.cleaned_data["rights"]),
                by=by,
            )
        except account_services.ActingForError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request,
                f"We have emailed {invitation.email}. They act for {invitation.holder.display_name} once they accept.",
            )
            return redirect("engagement_authorised_person:index")
    return _render(
        request,
        "engagement/admin/authorised_person.html",
        title="Appoint an authorised person",
        form=form,
        status=400 if form.errors else 200,
    )
