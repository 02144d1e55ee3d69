"""The commissioners' vetting screens in the Wagtail admin.

The review queue, a provider's review (each check with its details and
evidence, verify or reject with a reason, accredit, refuse or suspend with a
reason, and both decision histories) and the evidence viewer. Only
commissioners (rules perm `accreditation.decide`) reach them: anyone else gets
403 on the queue and 404 on a provider or a document, so the screens do not
even confirm what exists.

Thin: every decision is a service call (services.py), every read a selector
or a queryset in filters.py.
"""

import ipaddress
from datetime import date
from typing import Any, cast

from django import forms
from django.db.models import ProtectedError, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.generic.base import BaseListingView, WagtailAdminTemplateMixin
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.snippets.views.snippets import DeleteView as SnippetDeleteView

from marketplace.core.commissioner_admin import AdminActionView, CommissionersOnlyMixin
from marketplace.core.forms import ReasonNeededToRejectMixin
from marketplace.core.http import client_address
from marketplace.providers.models import Provider

from .filters import ReviewQueueFilterSet, review_queue
from .models import (
    Accreditation,
    AccreditationDecision,
    CheckDecision,
    Evidence,
    ProviderCheck,
    RegisterAlert,
)
from .selectors import (
    accreditation_of,
    check_label,
    days_waiting_since,
    provider_checks_for,
    provider_vetting_summary,
)
from .services import (
    DECISIONS_ALLOWED_FROM,
    accreditation_decide,
    check_reject,
    check_verify,
    evidence_open,
)

DECIDE = "accreditation.decide"


# The review queue -----------------------------------------------------------------


def days_waiting(provider: Provider, today: date | None = None) -> int | None:
    return days_waiting_since(getattr(provider, "waiting_since", None), today=today or timezone.localdate())


def waiting_for(provider: Provider) -> str:
    parts = []
    if getattr(provider, "application_waiting_since", None):
        parts.append("Decision on accreditation")
    count = getattr(provider, "checks_waiting", 0)
    if count:
        parts.append(f"{count} check{'s' if count != 1 else ''} to review")
    return "; ".join(parts)


class ReviewQueueView(CommissionersOnlyMixin, SpreadsheetExportMixin, BaseListingView):
    """Providers waiting for a commissioner, oldest first, filtered by kind, locality and days waiting.

    Downloads as a spreadsheet (?export=csv or xlsx) with the same filters, like the reports.
    """

    commissioner_permission = DECIDE
    page_title = "Vetting review queue"
    header_icon = "tasks"
    paginate_by = 50
    filterset_class = ReviewQueueFilterSet
    index_url_name = "accreditation_review:queue"
    index_results_url_name = "accreditation_review:queue_results"
    results_template_name = "accreditation/admin/queue_results.html"
    verbose_name = "provider waiting for review"
    verbose_name_plural = "providers waiting for review"

    columns = [
        TitleColumn(
            "name",
            label="Provider",
            get_url=lambda provider: reverse("accreditation_review:review", args=[provider.pk]),
        ),
        Column("kind", label="Kind", accessor="get_kind_display"),
        Column("locality", label="Locality", accessor="locality"),
        Column("waiting_for", label="Waiting for", accessor=waiting_for),
        DateColumn("waiting_since", label="Waiting since"),
        Column("days_waiting", label="Days waiting", accessor=days_waiting),
    ]

    list_export = ["name", "get_kind_display", "locality", "queue_waiting_for", "waiting_since", "queue_days_waiting"]
    export_headings = {
        "name": "Provider",
        "get_kind_display": "Kind",
        "locality": "Locality",
        "queue_waiting_for": "Waiting for",
        "waiting_since": "Waiting since",
        "queue_days_waiting": "Days waiting",
    }
    export_filename = "vetting-review-queue"

    def get_base_queryset(self) -> QuerySet[Provider]:
        return review_queue()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        for provider in context["object_list"]:
            provider.queue_waiting_for = waiting_for(provider)
            provider.queue_days_waiting = days_waiting(provider, today)
        return context

    def render_to_response(self, context: dict[str, Any], **response_kwargs: Any) -> HttpResponse:
        if self.is_export:
            return self.as_spreadsheet(context["object_list"], self.request.GET.get("export"))
        return super().render_to_response(context, **response_kwargs)


# A provider's review --------------------------------------------------------------


class CheckDecisionForm(ReasonNeededToRejectMixin, forms.Form):
    """Verify or reject one check; the provider is told the reason."""

    # Set by the button pressed, Verify or Reject.
    decision = forms.ChoiceField(
        choices=[("verify", "Verify"), ("reject", "Reject")],
        error_messages={"required": "Choose Verify or Reject", "invalid_choice": "Choose Verify or Reject"},
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Sent to the provider. Needed to reject: say what is wrong and what to send instead.",
    )
    reason_needed_message = "Give the reason for rejecting this check, so the provider knows what to fix"


OUTCOME_CHOICES = [
    (AccreditationDecision.Outcome.ACCREDITED, "Accredit: add to the accredited supplier list"),
    (AccreditationDecision.Outcome.REFUSED, "Refuse"),
    (AccreditationDecision.Outcome.SUSPENDED, "Suspend: remove from the list until further notice"),
]


class AccreditationDecisionForm(forms.Form):
    """Accredit, refuse or suspend: only the decisions the accreditation's state allows are offered."""

    outcome = forms.ChoiceField(
        label="Decision",
        choices=OUTCOME_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether to accredit, refuse or suspend",
            "invalid_choice": "Choose one of the decisions listed",
        },
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sent to the provider and kept in the history. Needed to refuse or suspend.",
    )

    def __init__(self, *args: Any, current_status: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["outcome"]).choices = [
            (outcome, label)
            for outcome, label in OUTCOME_CHOICES
            if current_status in DECISIONS_ALLOWED_FROM.get(outcome, set())
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        needs_reason = cleaned.get("outcome") in (
            AccreditationDecision.Outcome.REFUSED,
            AccreditationDecision.Outcome.SUSPENDED,
        )
        if needs_reason and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Give the reason for your decision; the provider will be sent it")
        return cleaned

    @property
    def has_choices(self) -> bool:
        return bool(cast(forms.ChoiceField, self.fields["outcome"]).choices)


def check_form_prefix(check: ProviderCheck) -> str:
    return f"check-{check.pk}"


class ProviderReviewView(CommissionersOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    """One provider's checks, evidence, decisions and histories, with the forms to decide."""

    commissioner_permission = DECIDE
    template_name = "accreditation/admin/review.html"
    header_icon = "tasks"
    page_title = "Review"

    def setup_after_permission_check(self) -> None:
        self.provider = get_object_or_404(Provider.objects.select_related("locality"), pk=self.kwargs["pk"])

    def get_page_subtitle(self) -> str:
        return self.provider.name

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [
            *self.breadcrumbs_items,
            {"url": reverse("accreditation_review:queue"), "label": "Vetting review queue"},
            {"url": "", "label": self.provider.name},
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        provider = self.provider
        bound_check_form: tuple[int, CheckDecisionForm] | None = kwargs.get("bound_check_form")
        required = provider_checks_for(provider=provider)
        required_ids = {check.pk for check in required}
        others = list(
            ProviderCheck.objects.filter(provider=provider)
            .exclude(pk__in=required_ids)
            .select_related("check_type", "worker")
            .prefetch_related("evidence")
        )
        rows = []
        for check in [*required, *others]:
            if bound_check_form and bound_check_form[0] == check.pk:
                form = bound_check_form[1]
            else:
                form = CheckDecisionForm(prefix=check_form_prefix(check))
            rows.append(
                {
                    "check": check,
                    "label": check_label(check),
                    "is_required": check.pk in required_ids,
                    "form": form,
                    "action": reverse("accreditation_review:decide_check", args=[provider.pk, check.pk]),
                    "evidence": [
                        {"evidence": item, "url": reverse("accreditation_review:evidence", args=[item.uuid])}
                        for item in check.evidence.all()
                    ],
                }
            )
        accreditation = accreditation_of(provider=provider)
        context.update(
            {
                "provider": provider,
                "accreditation": accreditation,
                "summary": provider_vetting_summary(provider=provider),
                "check_rows": rows,
                "decision_form": kwargs.get("decision_form")
                or AccreditationDecisionForm(current_status=accreditation.status),
                "decision_action": reverse("accreditation_review:decide", args=[provider.pk]),
                "check_history": CheckDecision.objects.filter(provider_check__provider=provider).select_related(
                    "decided_by", "provider_check__check_type", "provider_check__worker"
                )[:200],
                "accreditation_history": AccreditationDecision.objects.filter(provider=provider).select_related(
                    "decided_by"
                )[:200],
                "open_alerts": RegisterAlert.objects.filter(provider=provider, resolved_at__isnull=True),
                "listing_url": reverse("wagtailsnippets_providers_provider:edit", args=[provider.pk]),
                "queue_url": reverse("accreditation_review:queue"),
                "today": timezone.localdate(),
            }
        )
        return context

    def render_with_errors(self, status: int = 400, **kwargs: Any) -> HttpResponse:
        response = self.render_to_response(self.get_context_data(**kwargs))
        response.status_code = status
        return response


class DecideCheckView(ProviderReviewView, AdminActionView):
    """POST: verify or reject one of the provider's checks; a refusal re-shows the review with the form."""

    http_method_names = ["post"]
    form_class = CheckDecisionForm

    def setup_after_permission_check(self) -> None:
        super().setup_after_permission_check()
        self.check = get_object_or_404(
            ProviderCheck.objects.select_related("check_type", "worker"),
            pk=self.kwargs["check_pk"],
            provider=self.provider,
        )

    def get_form(self, data: Any = None, files: Any = None) -> forms.Form:
        return CheckDecisionForm(data, prefix=check_form_prefix(self.check))

    def perform(self, form: forms.Form) -> None:
        decide = check_verify if form.cleaned_data["decision"] == "verify" else check_reject
        decide(provider_check=self.check, by=self.commissioner, reason=form.cleaned_data["reason"].strip())

    def get_success_message(self, result: Any, form: forms.Form) -> str:
        verb = "verified" if form.cleaned_data["decision"] == "verify" else "rejected"
        return f"{check_label(self.check)} {verb}. The provider has been told by email."

    def get_success_url(self, result: Any = None) -> str:
        return reverse("accreditation_review:review", args=[self.provider.pk]) + f"#check-{self.check.pk}"

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        messages.error(self.request, f"{check_label(self.check)}: {refusal(form)}")
        return self.render_with_errors(status, bound_check_form=(self.check.pk, form))


class DecideAccreditationView(ProviderReviewView, AdminActionView):
    """POST: accredit, refuse or suspend the provider; a refusal re-shows the review with the form."""

    http_method_names = ["post"]
    form_class = AccreditationDecisionForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"current_status": accreditation_of(provider=self.provider).status}

    def perform(self, form: forms.Form) -> None:
        accreditation_decide(
            provider=self.provider,
            by=self.commissioner,
            outcome=form.cleaned_data["outcome"],
            reason=form.cleaned_data["reason"].strip(),
        )

    def get_success_message(self, result: Any, form: forms.Form) -> str:
        accreditation = Accreditation.objects.get(provider=self.provider)
        return (
            f"{self.provider.name} is now {accreditation.get_status_display().lower()}. "
            "The provider has been told by email."
        )

    def get_success_url(self, result: Any = None) -> str:
        return reverse("accreditation_review:review", args=[self.provider.pk])

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        messages.error(self.request, refusal(form))
        return self.render_with_errors(status, decision_form=form)


def refusal(form: forms.Form) -> str:
    """The message at the top of the review page: the service's reason, or a pointer to the form's errors."""
    reasons = form.non_field_errors()
    return str(reasons[0]) if reasons else "The decision was not saved. Correct the errors below."


# Evidence -------------------------------------------------------------------------


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for the evidence log, trusting X-Forwarded-For only as far as our own proxies."""
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None


def evidence_for_commissioner(evidence_uuid: Any) -> Evidence:
    return get_object_or_404(
        Evidence.objects.select_related(
            "provider_check__provider", "provider_check__check_type", "provider_check__worker", "uploaded_by"
        ),
        uuid=evidence_uuid,
    )


class EvidenceViewerView(CommissionersOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    """A page showing one document (PDF in a frame, images inline) with a link to open it in a new tab.

    Opening this page logs nothing by itself; the document's own URL, which
    the frame and the link load, logs every view (services.evidence_open).
    """

    commissioner_permission = DECIDE
    template_name = "accreditation/admin/evidence.html"
    header_icon = "doc-full"
    page_title = "Evidence"

    def setup_after_permission_check(self) -> None:
        self.evidence = evidence_for_commissioner(self.kwargs["evidence_uuid"])

    def get_page_subtitle(self) -> str:
        return self.evidence.original_name

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        provider = self.evidence.provider_check.provider
        return [
            *self.breadcrumbs_items,
            {"url": reverse("accreditation_review:queue"), "label": "Vetting review queue"},
            {"url": reverse("accreditation_review:review", args=[provider.pk]), "label": provider.name},
            {"url": "", "label": self.evidence.original_name},
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        evidence = self.evidence
        check = evidence.provider_check
        context.update(
            {
                "evidence": evidence,
                "check_label": check_label(check),
                "provider": check.provider,
                "file_url": reverse("accreditation_review:evidence_file", args=[evidence.uuid]),
                "review_url": reverse("accreditation_review:review", args=[check.provider_id]) + f"#check-{check.pk}",
                "is_pdf": evidence.content_type == "application/pdf",
                "is_image": evidence.content_type in ("image/jpeg", "image/png"),
                "views": evidence.views.select_related("viewed_by")[:20],
            }
        )
        return context


@method_decorator([never_cache, xframe_options_sameorigin], name="dispatch")
class EvidenceFileView(CommissionersOnlyMixin, View):
    """The document itself, for the viewer's frame and the "open in a new tab" link. Every view is logged."""

    commissioner_permission = DECIDE

    def get(self, request: HttpRequest, evidence_uuid: Any) -> FileResponse:
        evidence = evidence_for_commissioner(evidence_uuid)
        opened = evidence_open(evidence=evidence, user=self.commissioner, ip_address=client_ip(request))
        response = FileResponse(opened, content_type=evidence.content_type, filename=evidence.original_name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class CheckTypeDeleteView(SnippetDeleteView):
    """A check type that providers' checks use is kept (their history needs it): say so, not a 500."""

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            response: HttpResponse = super().form_valid(form)
            return response
        except ProtectedError:
            messages.error(self.request, f"{self.object} cannot be deleted: providers' vetting checks use it.")
            return HttpResponseRedirect(reverse(self.index_url_name))
