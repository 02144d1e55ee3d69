"""Admin screens of the core app.

- The commissioners' list of emails that could not be sent, each with a resend button (rules `core.manage_outbox`).
- A large export's page (its progress, then the download) for whoever asked for it (`exports.py`).
"""

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .commissioner_admin import CommissionersOnlyMixin
from .exports import export_job_for, export_job_is_stuck, export_job_listing_url
from .models import ExportJob, OutboxEmail
from .outbox import outbox_resend
from .selectors import outbox_problems
from .storage import private_storage

MANAGE_OUTBOX = "core.manage_outbox"


class OutboxView(CommissionersOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    commissioner_permission = MANAGE_OUTBOX
    page_title = "Emails not sent"
    header_icon = "mail"
    template_name = "core/admin/outbox.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), **outbox_problems()}


class ResendView(OutboxView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        email = get_object_or_404(OutboxEmail, pk=pk)
        if outbox_resend(email=email):
            messages.success(request, f"The email to {email.to} will be sent again.")
        else:
            messages.warning(request, f"The email to {email.to} was not waiting to be resent.")
        return HttpResponseRedirect(reverse("outbox:index"))


class ExportStatusView(WagtailAdminTemplateMixin, TemplateView):
    """A large export being built: its progress and a "Check again" link (no JavaScript, no timed refresh)."""

    page_title = "Your download"
    header_icon = "download"
    template_name = "core/admin/export_status.html"

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        job = export_job_for(token=self.kwargs["token"], user=self.request.user)
        if job is None:
            raise Http404
        return {
            **super().get_context_data(**kwargs),
            "job": job,
            "is_stuck": export_job_is_stuck(job),
            "listing_url": export_job_listing_url(job),
            "percent": round(100 * job.rows_done / job.rows_total) if job.rows_total else 0,
        }


class ExportDownloadView(View):
    def get(self, request: HttpRequest, token: Any) -> HttpResponseBase:
        job = export_job_for(token=token, user=request.user)
        if job is None or job.state != ExportJob.State.READY:
            raise Http404
        return FileResponse(private_storage().open(job.file_name, "rb"), as_attachment=True, filename=job.filename)
