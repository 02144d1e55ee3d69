"""The commissioners' list of emails that could not be sent, each with a resend button (rules `core.manage_outbox`)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .models import OutboxEmail
from .outbox import outbox_resend
from .selectors import outbox_problems

MANAGE_OUTBOX = "core.manage_outbox"


class OutboxView(WagtailAdminTemplateMixin, TemplateView):
    page_title = "Emails not sent"
    header_icon = "mail"
    template_name = "core/admin/outbox.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.has_perm(MANAGE_OUTBOX):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

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
