"""The provider's vetting pages: its checks, each check's form, its workers, applying, and evidence downloads.

Thin: permissions come from marketplace/accounts/rules.py, writes from
services.py. Someone who may not see a provider's vetting gets a 404, as if
it did not exist; someone not signed in is sent to sign in.
"""

import ipaddress
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from marketplace.core.http import client_address
from marketplace.core.submissions import submit_once
from marketplace.providers.models import Provider

from .forms import CheckForm, WorkerForm
from .models import Evidence, ProviderCheck, Worker
from .requirements import needs_workers
from .selectors import accreditation_of, active_workers, check_label, provider_vetting_summary
from .services import (
    AccreditationError,
    accreditation_apply,
    check_submit,
    evidence_open,
    provider_checks_sync,
    worker_add,
    worker_remove,
)


def _provider_for(request: HttpRequest, provider_uuid: Any) -> Provider:
    provider = get_object_or_404(Provider, uuid=provider_uuid)
    if not request.user.has_perm("accreditation.manage_checks", provider):
        raise Http404("No such provider")
    return provider


def _client_address(request: HttpRequest) -> str | None:
    """The client's address for the evidence log (behind our proxies, as the open data API reads it)."""
    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Straight to the checks of the user's provider (or a choice when they belong to several)."""
    providers = list(Provider.objects.for_user(request.user).order_by("name"))
    if not providers:
        raise Http404("You do not belong to a provider")
    if len(providers) == 1:
        return redirect("accreditation:checks", provider_uuid=providers[0].uuid)
    return TemplateResponse(request, "accreditation/self_service/index.html", {"providers": providers})


def _checks_page(request: HttpRequest, provider: Provider, *, apply_error: str = "") -> HttpResponse:
    checks = provider_checks_sync(provider=provider)
    summary = provider_vetting_summary(provider=provider)
    provider_rows: list[dict[str, Any]] = []
    worker_groups: dict[int, dict[str, Any]] = {}
    for provider_check in checks:
        row = {
            "check": provider_check,
            "label": check_label(provider_check),
            "evidence": list(provider_check.evidence.all()),
        }
        worker = provider_check.worker
        if worker is None:
            provider_rows.append(row)
        else:
            worker_groups.setdefault(worker.pk, {"worker": worker, "rows": []})["rows"].append(row)
    return TemplateResponse(
        request,
        "accreditation/self_service/checks.html",
        {
            "provider": provider,
            "summary": summary,
            "accreditation": accreditation_of(provider=provider),
            "provider_rows": provider_rows,
            "worker_groups": list(worker_groups.values()),
            "has_workers_page": needs_workers(provider),
            "apply_error": apply_error,
        },
        status=400 if apply_error else 200,
    )


@login_required
def checks(request: HttpRequest, provider_uuid: Any) -> HttpResponse:
    return _checks_page(request, _provider_for(request, provider_uuid))


@login_required
@require_POST
def apply(request: HttpRequest, provider_uuid: Any) -> HttpResponse:
    provider = _provider_for(request, provider_uuid)
    try:
        accreditation_apply(provider=provider, by=request.user)  # type: ignore[arg-type]
    except AccreditationError as error:
        return _checks_page(request, provider, apply_error=str(error))
    messages.success(request, "Application sent. The commissioning team will review your checks.")
    return redirect("accreditation:checks", provider_uuid=provider.uuid)


@login_required
def check(request: HttpRequest, provider_uuid: Any, check_uuid: Any) -> HttpResponse:
    provider = _provider_for(request, provider_uuid)
    provider_check = get_object_or_404(
        ProviderCheck.objects.select_related("check_type", "worker"), uuid=check_uuid, provider=provider
    )
    if provider_check.worker is not None and not provider_check.worker.is_active:
        raise Http404("This worker is no longer on the provider's list")
    form = CheckForm(request.POST or None, request.FILES or None, provider_check=provider_check)
    if request.method == "POST" and form.is_valid():
        with submit_once(form=form, user=request.user) as once:
            if once.previous_url:
                return redirect(once.previous_url)
            try:
                check_submit(provider_check=provider_check, by=request.user, **form.submission())  # type: ignore[arg-type]
            except AccreditationError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{check_label(provider_check)}: sent for review.")
                return redirect(once.done(reverse("accreditation:checks", kwargs={"provider_uuid": provider.uuid})))
    return TemplateResponse(
        request,
        "accreditation/self_service/check_form.html",
        {
            "provider": provider,
            "provider_check": provider_check,
            "check_name": check_label(provider_check),
            "form": form,
            "evidence": list(provider_check.evidence.all()),
            "history": list(provider_check.decisions.all()[:10]),
        },
        status=400 if form.errors else 200,
    )


@login_required
def workers(request: HttpRequest, provider_uuid: Any) -> HttpResponse:
    provider = _provider_for(request, provider_uuid)
    if not needs_workers(provider):
        raise Http404("This kind of provider has no workers' checks")
    form = WorkerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with submit_once(form=form, user=request.user) as once:
            if once.previous_url:
                return redirect(once.previous_url)
            try:
                worker = worker_add(
                    provider=provider,
                    full_name=form.cleaned_data["full_name"],
                    role=form.cleaned_data["role"],
                    by=request.user,  # type: ignore[arg-type]
                )
            except AccreditationError as error:
                form.add_error("full_name", str(error))
            else:
                messages.success(
                    request, f"{worker.full_name} added. Send their checks from your vetting checks page."
                )
                return redirect(once.done(reverse("accreditation:workers", kwargs={"provider_uuid": provider.uuid})))
    return TemplateResponse(
        request,
        "accreditation/self_service/workers.html",
        {
            "provider": provider,
            "workers": list(active_workers(provider=provider)),
            "form": form,
            "accreditation": accreditation_of(provider=provider),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def worker_remove_view(request: HttpRequest, provider_uuid: Any, worker_id: int) -> HttpResponse:
    provider = _provider_for(request, provider_uuid)
    worker = get_object_or_404(Worker, pk=worker_id, provider=provider, is_active=True)
    worker_remove(worker=worker, by=request.user)  # type: ignore[arg-type]
    messages.success(request, f"{worker.full_name} removed from your workers.")
    return redirect("accreditation:workers", provider_uuid=provider.uuid)


@login_required
def evidence(request: HttpRequest, evidence_uuid: Any) -> HttpResponseBase:
    """Show one document, to the provider's own users and commissioners only, logging every view."""
    item = get_object_or_404(Evidence.objects.select_related("provider_check__provider"), uuid=evidence_uuid)
    if not request.user.has_perm("accreditation.view_evidence", item):
        raise Http404("No such document")
    try:
        handle = evidence_open(evidence=item, user=request.user, ip_address=_client_address(request))  # type: ignore[arg-type]
    except AccreditationError as error:
        raise Http404(str(error)) from error
    response = FileResponse(handle, content_type=item.content_type)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=False, filename=item.original_name) or ""
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
