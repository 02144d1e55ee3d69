"""Back-up plans and "cannot come" alerts (holders and those acting for them); absences (the provider's team).

Thin: permissions through the rules in accounts/rules.py, reads through
selectors, writes through services. Something the person may not act on is a
404, as if it did not exist.
"""

from typing import cast
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.accounts.models import User
from marketplace.core.submissions import submit_once
from marketplace.providers.models import Provider

from . import selectors, services
from .forms import AbsenceForm, BackupPlanForm


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def plan(request: HttpRequest, agreement_uuid: UUID) -> HttpResponse:
    agreement = selectors.agreement_for_plan(agreement_uuid=agreement_uuid)
    if agreement is None or not request.user.has_perm("backups.manage_plan", agreement.holder):
        raise Http404("No agreement matches that address")
    shortlist = selectors.shortlist_for_plan(agreement)
    chosen = [str(choice.provider.uuid) for choice in agreement.backup_choices.select_related("provider")]
    if request.method == "POST":
        form = BackupPlanForm(request.POST, shortlist=shortlist)
        if form.is_valid():
            try:
                services.backup_plan_set(
                    agreement=agreement, providers=form.cleaned_data["providers"], by=_user(request)
                )
            except services.BackupError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Back-up plan for support from {agreement.provider.name} saved.")
                return redirect(reverse("engagement:home") + "#backups")
    else:
        form = BackupPlanForm(initial={"providers": chosen}, shortlist=shortlist)
    return TemplateResponse(
        request,
        "backups/plan.html",
        {"agreement": agreement, "holder": agreement.holder, "form": form, "shortlist": shortlist},
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def alert(request: HttpRequest, alert_uuid: UUID) -> HttpResponse:
    found = selectors.alert_for(alert_uuid=alert_uuid)
    if found is None or not request.user.has_perm("backups.manage_plan", found.holder):
        raise Http404("No alert matches that address")
    today = timezone.localdate()
    return TemplateResponse(
        request,
        "backups/alert.html",
        {"alert": found, "holder": found.holder, "cover": selectors.cover_for(found, today=today), "today": today},
    )


def _provider_team_or_404(request: HttpRequest, provider_uuid: UUID) -> Provider:
    provider = Provider.objects.filter(uuid=provider_uuid).first()
    if provider is None or not request.user.has_perm("backups.mark_absence", provider):
        raise Http404("No listing matches that address")
    return provider


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def absences(request: HttpRequest, provider_uuid: UUID) -> HttpResponse:
    provider = _provider_team_or_404(request, provider_uuid)
    today = timezone.localdate()
    url = reverse("backups:absences", kwargs={"provider_uuid": provider.uuid})
    if request.method == "POST":
        form = AbsenceForm(request.POST)
        if form.is_valid():
            with submit_once(form=form, user=request.user) as once:
                if once.previous_url:
                    return redirect(once.previous_url)
                try:
                    services.absence_mark(
                        provider=provider,
                        by=_user(request),
                        starts_on=form.cleaned_data["starts_on"],
                        ends_on=form.cleaned_data["ends_on"],
                        reason=form.cleaned_data["reason"],
                        today=today,
                    )
                except services.BackupError as error:
                    form.add_error(None, str(error))
                else:
                    messages.success(
                        request, "Absence saved. The people you support have been told, with their back-ups."
                    )
                    return redirect(once.done(url))
    else:
        form = AbsenceForm()
    return TemplateResponse(
        request,
        "backups/absences.html",
        {"provider": provider, "form": form, "absences": list(selectors.provider_absences(provider, today=today))},
    )


@login_required
@require_POST
def absence_cancel(request: HttpRequest, provider_uuid: UUID, absence_uuid: UUID) -> HttpResponse:
    provider = _provider_team_or_404(request, provider_uuid)
    absence = selectors.provider_absence(provider=provider, absence_uuid=absence_uuid)
    if absence is None:
        raise Http404("No absence matches that address")
    try:
        services.absence_cancel(absence=absence, by=_user(request))
    except services.BackupError as error:
        messages.info(request, str(error))
    else:
        messages.success(request, "Absence cancelled. The people you support no longer see it.")
    return redirect(reverse("backups:absences", kwargs={"provider_uuid": provider.uuid}))
