"""Admin screens for commissioners that are not plain create/edit forms, and the
providers' own self-service pages."""

from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST
from wagtail.models import Site

from marketplace.core.commissioner_admin import commissioners_only
from marketplace.core.submissions import submit_once

if TYPE_CHECKING:  # accounts sits above providers (decision 0022): the user is named for types only
    from marketplace.accounts.models import User

from . import hooks
from .forms import (
    AboutForm,
    AreasForm,
    AvailabilityForm,
    BasePriceFormSet,
    ChangeRequestDecisionForm,
    JoinForm,
    PriceFormSet,
    ProviderStatusForm,
    ServicesForm,
)
from .models import STALE_AVAILABILITY_DAYS, Provider, ProviderChangeRequest, ServiceType
from .selectors import (
    REVIEWED_SECTION_DESCRIPTIONS,
    SECTION_TASK_KEYS,
    availability_by_day,
    change_request_rows,
    change_requests_for_review,
    council_rates,
    provider_form_values,
    provider_onboarding_tasks,
    provider_pending_change_requests,
    provider_profile_prices,
    providers_for_user,
)
from .services import (
    PriceInput,
    ProviderEditResult,
    ProviderError,
    provider_change_request_approve,
    provider_change_request_reject,
    provider_change_request_withdraw,
    provider_change_status,
    provider_confirm_availability,
    provider_create_draft,
    provider_edits_need_review,
    provider_save_availability,
    provider_submit_for_review,
    provider_update_about,
    provider_update_areas,
    provider_update_prices,
    provider_update_services,
)


def change_status(request: HttpRequest, pk: int) -> HttpResponse:
    provider = get_object_or_404(Provider, pk=pk)
    if not request.user.has_perm("providers.change_listing_status", provider):
        raise PermissionDenied
    form = ProviderStatusForm(request.POST or None, provider=provider)
    if request.method == "POST" and form.is_valid():
        try:
            provider_change_status(
                provider=provider,
                to_status=form.cleaned_data["to_status"],
                by=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
            )
        except ProviderError as error:
            form.add_error(None, str(error))
        else:
            provider.refresh_from_db()
            messages.success(request, f"{provider.name} is now {provider.get_status_display().lower()}.")
            return redirect(reverse("wagtailsnippets_providers_provider:edit", args=[provider.pk]))
    return TemplateResponse(
        request,
        "providers/admin/change_status.html",
        {
            "provider": provider,
            "form": form,
            "history": provider.status_changes.select_related("changed_by")[:20],
            "edit_url": reverse("wagtailsnippets_providers_provider:edit", args=[provider.pk]),
        },
    )


# ---------------------------------------------------------------------------
# Self-service pages at /provider/: dashboard, joining, the onboarding task
# list and its task pages, preview, submit, and the commissioners' review of
# change requests in the Wagtail admin. Thin: forms check input, services
# write, selectors read.
# ---------------------------------------------------------------------------


def _provider_for_editing(request: HttpRequest, provider_uuid: UUID) -> Provider:
    """The listing, if this person may edit it; anyone else gets a 404, not a hint it exists."""
    provider = Provider.objects.select_related("locality").filter(uuid=provider_uuid).first()
    if provider is None or not request.user.has_perm("providers.edit_listing", provider):
        raise Http404("No listing matches that address")
    return provider


def _user(request: HttpRequest) -> "User":
    return cast("User", request.user)


def _wants_complete(request: HttpRequest) -> bool:
    """ "Save and continue" checks the task is complete; "Save and come back later" saves what there is."""
    return request.POST.get("action") != "later"


def _return_to(request: HttpRequest) -> str:
    value = request.POST.get("return_to") or request.GET.get("return") or ""
    return "check" if value == "check" else ""


def _after_save_url(request: HttpRequest, provider: Provider, key: str) -> str:
    if request.POST.get("action") == "later":
        return reverse("providers:task_list", args=[provider.uuid])
    if _return_to(request) == "check":
        return reverse("providers:submit", args=[provider.uuid])
    if provider.status != Provider.Status.DRAFT:
        return reverse("providers:task_list", args=[provider.uuid])
    keys = list(SECTION_TASK_KEYS)
    position = keys.index(key)
    if position + 1 < len(keys):
        return reverse(f"providers:{keys[position + 1]}", args=[provider.uuid])
    return reverse("providers:task_list", args=[provider.uuid])


def _saved_message(request: HttpRequest, result: ProviderEditResult | None, provider: Provider) -> None:
    if result is not None and result.is_waiting_for_review:
        messages.info(
            request,
            "Some of your changes need the council to review them. Your public profile keeps the old "
            "details until they are approved; we will email you the decision.",
        )
        if any(field for field in result.applied_fields):
            messages.success(request, "Your other changes are saved and already on your profile.")
    elif provider.is_published:
        messages.success(request, "Your changes are saved and on your public profile now.")
    else:
        messages.success(request, "Your changes are saved.")


def _field_error(form: forms.BaseForm, error: ProviderError) -> None:
    field = getattr(error, "field", None)
    form.add_error(field if field in form.fields else None, str(error))


def _task_context(provider: Provider, section: str, request: HttpRequest) -> dict[str, Any]:
    pending = provider_pending_change_requests(provider=provider).filter(section=section).first()
    return {
        "provider": provider,
        "return_to": _return_to(request),
        "needs_review": provider_edits_need_review(provider),
        "pending_request": pending,
        "pending_rows": change_request_rows(change_request=pending) if pending else [],
        "reviewed_description": REVIEWED_SECTION_DESCRIPTIONS.get(section, ""),
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    providers = list(providers_for_user(user=request.user))
    if not providers:
        return TemplateResponse(request, "providers/start.html", {})
    return TemplateResponse(request, "providers/dashboard.html", {"providers": providers})


@login_required
def join(request: HttpRequest) -> HttpResponse:
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with submit_once(form=form, user=request.user) as once:
            if once.previous_url:
                return redirect(once.previous_url)
            try:
                provider = provider_create_draft(
                    by=_user(request), kind=form.cleaned_data["kind"], name=form.cleaned_data["name"]
                )
            except ProviderError as error:
                _field_error(form, error)
            else:
                messages.success(
                    request, f"We have started a listing for {provider.name}. Work through the tasks below."
                )
                return redirect(once.done(reverse("providers:task_list", kwargs={"provider_uuid": provider.uuid})))
    return TemplateResponse(request, "providers/join.html", {"form": form, "errors": form.error_summary()})


@login_required
def task_list(request: HttpRequest, provider_uuid: UUID) -> HttpResponse:
    provider = _provider_for_editing(request, provider_uuid)
    tasks = provider_onboarding_tasks(provider=provider)
    pending = [
        (change_request, change_request_rows(change_request=change_request))
        for change_request in provider_pending_change_requests(provider=provider)
    ]
    return TemplateResponse(
        request,
        "providers/task_list.html",
        {
            "provider": provider,
            "tasks": tasks,
            "completed_count": sum(1 for task in tasks if task.is_completed),
            "can_submit": provider.status == Provider.Status.DRAFT
            and all(task.is_completed for task in tasks if task.is_required),
            "pending": pending,
            "availability_is_stale": provider.availability_is_stale(),
        },
    )


@login_required
def about(request: HttpRequest, provider_uuid: UUID) -> HttpResponse:
    provider = _provider_for_editing(request, provider_uuid)
    if request.method == "POST":
        form = AboutForm(request.POST, require_complete=_wants_complete(request))
        if form.is_valid():
            try:
                result = provider_update_about(provider=provider, by=_user(request), **form.cleaned_data)
            except ProviderError as error:
                _field_error(form, error)
            else:
                _saved_message(request, result, result.provider)
                return redirect(_after_save_url(request, result.provider, "about"))
    else:
        form = AboutForm(initial=provider_form_values(provider=provider, section="about"))
    context = _task_context(provider, "about", request)
    context.update({"form": form, "errors": form.error_summary()})
    return TemplateResponse(request, "providers/task_about.html", context)


@login_required
def services(request: HttpRequest, provider_uuid: UUID) -> HttpResponse:
    provider = _provider_for_editing(request, provider_uuid)
    if request.method == "POST":
        form = ServicesForm(request.POST, require_complete=_wants_complete(request))
        if form.is_valid():
            genders = set(form.cleaned_data["worker_genders"])
            try:
                result = provider_update_services(
                    provider=provider,
                    by=_user(request),
                    services=form.cleaned_data["services"],
                    client_groups=form.cleaned_data["client_groups"],
                    specialisms=form.cleaned_data["specialisms"],
                    languages=form.cleaned_data["languages"],
                    has_female_workers="female" in genders,
                    has_male_workers="male" in genders,
                    has_non_binary_workers="non_binary" in genders,
                )
            except ProviderError as error:
                _field_error(form, error)
            else:
                _saved_message(request, result, result.provider)
                return redirect(_after_save_url(request, result.provider, "services"))
    else:
        values = provider_form_values(provider=provider, section="services")
        values["worker_genders"] = [
            code
            for code, field in (
                ("female", "has_female_workers"),
                ("male", "has_male_workers"),
                ("non_binary", "has_non_binary_workers"),
            )
            if values.get(field)
        ]
        form = ServicesForm(initial=values)
    context = _task_context(provider, "services", request)
    context.update({"form": form, "errors": form.error_summary()})
    return TemplateResponse(request, "providers/task_services.html", context)


@login_required
def areas(request: HttpRequest, provider_uuid: UUID) -> HttpResponse:
    provider = _provider_for_editing(request, provider_uuid)
    if request.method == "POST":
        form = AreasForm(request.POST, require_complete=_wants_complete(request))
        if form.is_valid():
            try:
                provider_update_areas(provider=provider, by=_user(request), **form.cleaned_data)
            except ProviderError as error:
                _field_error(form, error)
            else:
                _saved_message(request, None, provider)
                return redirect(_after_save_url(request, provider, "areas"))
    else:
        form = AreasForm(
            initial={
                "base_postcode": provider.base_postcode,
                "localities_served": list(provider.localities_served.values_list("pk", flat=True)),
                "postcode_districts_served": provider.postcode_districts_served,
                "travel_radius_miles": provider.travel_radius_miles,
            }
        )
    context = _task_context(provider, "areas", request)
    context.update({"form": form, "errors": form.error_summary()})
    return TemplateResponse(request, "providers/task_areas.html", context)


@login_required
def prices(request: HttpRequest, provider_uuid: UUID) -> HttpResponse:
    provider = _provider_for_editing(request, provider_uuid)
    if request.method == "POST":
        formset = cast(BasePriceFormSet, PriceFormSet(request.POST, prefix="prices"))
        formset.require_complete = _wants_complete(request) and request.POST.get("action") != "add"
        if formset.is_valid():
            try:
                result = provider_update_prices(
                    provider=provider,
                    by=_user(request),
                    prices=[
                        PriceInput(
                            service=row["service"], unit=row["unit"], amount=row["amount"], includes=row["includes"]
                        )
                        for row in formset.prices()
                    ],
                )
            except ProviderError as error:
                formset.add_error_message(str(error))
            else:
                _saved_message(request, result, result.provider)
                if request.POST.get("action") == "add":
                    return redirect(reverse("providers:prices", args=[provider.uuid]) + "#add-price")
                return redirect(_after_save_url(request, result.provider, "prices"))
    else:
        rows = provider_form_values(provider=provider, section="prices")["prices"]
        formset = cast(
            BasePriceFormSet,
            PriceFormSet(
                prefix="prices",
                initial=[
                    {
                        "service": row["service"],
                        "unit": row["unit"],
                        "amount": row["amount"],
                        "includes": row["includes"],
                    }
                    for row in rows
                ],
            ),
        )
    rates = council_rates(site=Site.find_for_request(request))
    rows_with_rates = []
    for form in formset.forms:
        service_value, unit_value = form["service"].value(), form["unit"].value()
        try:
            rate = rates.get((int(service_value), str(unit_value))) if service_value else None
        except (TypeError, ValueError):
            rate = None
        rows_with_rates.append((form, rate))
    services_by_id = {service.pk: service for service in ServiceType.objects.all()}
    context = _task_context(provider, "prices", request)
    context.update(
        {
            "formset": formset,
            "rows": rows_with_rates,
            "errors": formset.error_summary(),
            "council_rates": [
                (services_by_id[service_id], unit, amount)
                for (service_id, unit), amount in sorted(rates.items(), key=lambda item: item[0])
                if service_id in services_by_id
            ],
        }
    )
    return TemplateResponse(request, "providers/task_prices.html", context)


@login_required
def availability(request: HttpRequest, provider_uuid: UUID) -> HttpResponse:
    provider = _provider_for_editing(request, provider_uuid)
    if request.method == "POST" and request.POST.get("action") == "confirm":
        provider_confirm_availability(provider=provider, by=_user(request))
        messages.success(request, "Thank you. Your availability shows as confirmed today.")
        next_url = request.POST.get("next")
        if next_url == "dashboard":
            return redirect("providers:dashboard")
        return redirect("providers:availability", provider_uuid=provider.uuid)
    if request.method == "POST":
        form = AvailabilityForm(request.POST, require_complete=_wants_complete(request))
        if form.is_valid():
            try:
                provider = provider_save_availability(
                    provider=provider,
                    by=_user(request),
                    availability=form.availability(),
                    is_taking_new_clients=form.cleaned_data["is_taking_new_clients"] == "yes",
                    capacity_hours_per_week=form.cleaned_data["capacity_hours_per_week"],
                    capacity_places_per_day=form.cleaned_data["capacity_places_per_day"],
                )
            except ProviderError as error:
                _field_error(form, error)
            else:
                _saved_message(request, None, provider)
                return redirect(_after_save_url(request, provider, "availability"))
    else:
        form = AvailabilityForm(
            initial={
                "slots": provider.availability.slot_codes(),
                "is_taking_new_clients": (
                    ("yes" if provider.is_taking_new_clients else "no")
                    if provider.taking_new_clients_confirmed_on
                    else None
                ),
                "capacity_hours_per_week": provider.capacity_hours_per_week,
                "capacity_places_per_day": provider.capacity_places_per_day,
            }
        )
    context = _task_context(provider, "availability", request)
    context.update(
        {
            "form": form,
            "errors": form.error_summary(),
            "availability_is_stale": provider.availability_is_stale(),
            "stale_after_days": STALE_AVAILABILITY_DAYS,
        }
    )
    return TemplateResponse(request, "providers/task_availability.html", context)


@login_required
def preview(request: HttpRequest, provider_uuid: UUID) -> HttpResponse:
    """The profile exactly as the public page draws it (cms registers how), with the "not published" banner."""
    provider = _provider_for_editing(request, provider_uuid)
    context = hooks.profile_preview(request, provider)
    if context is None:
        raise Http404("No app draws public profiles.")
    context.update(
        {
            "is_self_service_preview": True,
            "has_pending_changes": provider_pending_change_requests(provider=provider).exists(),
        }
    )
    return TemplateResponse(request, "providers/preview.html", context)


@login_required
def submit(request: HttpRequest, provider_uuid: UUID) -> HttpResponse:
    """Check your answers, then send the listing to the council (and, if asked, apply for accreditation)."""
    provider = _provider_for_editing(request, provider_uuid)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            provider_submit_for_review(provider=provider, by=_user(request))
        except ProviderError as error:
            errors.append(("", str(error)))
        else:
            sent = (
                f"{provider.name} has been sent to the council. "
                "It will appear in the directory once the council has checked it."
            )
            # One banner saying everything that happened: never a success and a warning together.
            refusal = (
                _apply_for_accreditation(request, provider)
                if request.POST.get("apply_for_accreditation") == "yes" and not _has_applied(provider)
                else None
            )
            if refusal is None and request.POST.get("apply_for_accreditation") == "yes":
                messages.success(request, f"{sent} You have applied to join the council's accredited supplier list.")
            elif refusal is not None:
                messages.warning(request, f"{sent} We could not add your application for accreditation: {refusal}")
            else:
                messages.success(request, sent)
            return redirect("providers:task_list", provider_uuid=provider.uuid)
    tasks = provider_onboarding_tasks(provider=provider)
    missing = [task for task in tasks if task.is_required and not task.is_completed]
    return TemplateResponse(
        request,
        "providers/submit.html",
        {
            "provider": provider,
            "tasks": tasks,
            "missing": missing,
            "errors": errors,
            "can_submit": provider.status == Provider.Status.DRAFT and not missing,
            "prices": provider_profile_prices(provider=provider, site=Site.find_for_request(request)),
            "availability_days": availability_by_day(provider.availability),
            "vetting_task": next((task for task in tasks if task.key == "vetting"), None),
            "has_applied": _has_applied(provider),
        },
    )


def _has_applied(provider: Provider) -> bool:
    """Already applied for accreditation, or accredited: 'Check and send' does not offer to apply again."""
    vetting = hooks.vetting()
    return vetting is not None and vetting.has_applied(provider)


def _apply_for_accreditation(request: HttpRequest, provider: Provider) -> str | None:
    """Apply through the accreditation app; the listing is submitted whatever happens here.

    Returns why the application could not be added, or None when it was."""
    vetting = hooks.vetting()
    if vetting is None:
        return "you cannot apply online yet. You can apply later."
    return vetting.apply(provider=provider, by=_user(request))


@login_required
@require_POST
def withdraw_change_request(request: HttpRequest, provider_uuid: UUID, request_uuid: UUID) -> HttpResponse:
    provider = _provider_for_editing(request, provider_uuid)
    change_request = get_object_or_404(ProviderChangeRequest, uuid=request_uuid, provider=provider)
    try:
        provider_change_request_withdraw(change_request=change_request, by=_user(request))
    except ProviderError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, "Your changes have been withdrawn. Your profile keeps its current details.")
    return redirect("providers:task_list", provider_uuid=provider.uuid)


# The commissioners' review of change requests (Wagtail admin).


@commissioners_only("providers.review_change_request")
def change_request_index(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ProviderChangeRequest.Status.PENDING)
    if status not in ProviderChangeRequest.Status.values and status != "all":
        status = ProviderChangeRequest.Status.PENDING
    change_requests = change_requests_for_review(status=None if status == "all" else status)[:200]
    return TemplateResponse(
        request,
        "providers/admin/change_request_index.html",
        {
            "change_requests": change_requests,
            "status": status,
            "statuses": [*ProviderChangeRequest.Status.choices, ("all", "All")],
        },
    )


@commissioners_only("providers.review_change_request")
def change_request_review(request: HttpRequest, pk: int) -> HttpResponse:
    change_request = get_object_or_404(
        ProviderChangeRequest.objects.select_related("provider", "submitted_by", "decided_by"), pk=pk
    )
    form = ChangeRequestDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                provider_change_request_approve(
                    change_request=change_request, by=_user(request), reason=form.cleaned_data["reason"]
                )
                messages.success(request, f"The changes to {change_request.provider.name} are approved and live.")
            else:
                provider_change_request_reject(
                    change_request=change_request, by=_user(request), reason=form.cleaned_data["reason"]
                )
                messages.success(request, f"The changes to {change_request.provider.name} are rejected.")
        except ProviderError as error:
            _field_error(form, error)
        else:
            return redirect("providers_change_requests:index")
    return TemplateResponse(
        request,
        "providers/admin/change_request_review.html",
        {
            "change_request": change_request,
            "rows": change_request_rows(change_request=change_request),
            "form": form,
            "decisions": change_request.decisions.select_related("decided_by"),
            "provider_edit_url": reverse("wagtailsnippets_providers_provider:edit", args=[change_request.provider.pk]),
        },
    )
