"""Adverts pages at /support-wanted/: the public list, applying, and the advertiser's own pages.

Thin: forms check input, services write, selectors read, rules decide who may.
Anyone who may not see something gets a 404, not a hint that it exists.
"""

from typing import cast
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST
from wagtail.models import Site

from marketplace.accounts.models import User
from marketplace.providers.availability import Day, day_mask

from .forms import AdvertForm, AdvertSearchForm, ApplyForm, CloseForm, DeclineForm, MessageForm, advert_initial
from .models import Advert, AdvertApplication
from .selectors import (
    advert_applications,
    advert_rate_warnings,
    advert_summary,
    adverts_for_user,
    application_thread,
    holders_user_may_post_for,
    personal_assistant_listings_for_user,
    public_adverts,
)
from .services import (
    AdvertError,
    advert_close,
    advert_publish,
    advert_save,
    application_create,
    application_decline,
    application_reply,
    application_shortlist,
)

PAGE_SIZE = 20


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _field_error(form: forms.BaseForm, error: AdvertError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))


def _advert_for_advertiser(request: HttpRequest, advert_uuid: UUID, *, manage: bool = False) -> Advert:
    advert = (
        Advert.objects.select_related("holder", "holder__user", "posted_by", "published_by", "locality")
        .prefetch_related("services", "languages")
        .filter(uuid=advert_uuid)
        .first()
    )
    permission = "adverts.manage_advert" if manage else "adverts.view_advert_as_advertiser"
    if advert is None or not request.user.has_perm(permission, advert):
        raise Http404("No advert matches that address")
    return advert


def _application_for_advertiser(request: HttpRequest, application_uuid: UUID) -> AdvertApplication:
    application = (
        AdvertApplication.objects.select_related("advert", "advert__holder", "advert__holder__user", "provider")
        .filter(uuid=application_uuid)
        .first()
    )
    if application is None or not request.user.has_perm("adverts.manage_advert", application.advert):
        raise Http404("No application matches that address")
    return application


# The public list and an advert's own page -----------------------------------------


def advert_list(request: HttpRequest) -> HttpResponse:
    form = AdvertSearchForm(request.GET or None)
    adverts = public_adverts()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data.get("service"):
            adverts = adverts.filter(services=data["service"])
        if data.get("area"):
            adverts = adverts.filter(postcode_district=data["area"])
        for index, day in enumerate(day for day in Day if day.code in (data.get("day") or [])):
            alias = f"on_day_{index}"
            adverts = adverts.alias(**{alias: F("availability_mask").bitand(day_mask(day))}).filter(
                **{f"{alias}__gt": 0}
            )
    elif form.is_bound:
        adverts = adverts.none()
    paginator = Paginator(adverts, PAGE_SIZE)
    page_number = (form.cleaned_data.get("page") if form.is_bound and form.is_valid() else None) or 1
    page = paginator.get_page(page_number)
    params = request.GET.copy()
    params.pop("page", None)
    return TemplateResponse(
        request,
        "adverts/list.html",
        {
            "form": form,
            "errors": form.error_summary() if form.is_bound else [],
            "page_obj": page,
            "query_without_page": params.urlencode(),
            "can_apply": bool(personal_assistant_listings_for_user(user=request.user)),
        },
    )


def advert_detail(request: HttpRequest, advert_uuid: UUID) -> HttpResponse:
    listings = personal_assistant_listings_for_user(user=request.user)
    advert = public_adverts().filter(uuid=advert_uuid).first()
    if advert is None:
        # A closed or draft advert: still shown to its advertiser, and to PAs who applied to it.
        advert = Advert.objects.filter(uuid=advert_uuid).select_related("holder").first()
        may_see = advert is not None and (
            request.user.has_perm("adverts.view_advert_as_advertiser", advert)
            or AdvertApplication.objects.filter(advert=advert, provider__memberships__user=request.user.pk).exists()
        )
        if not may_see:
            raise Http404("No advert matches that address")
    assert advert is not None
    own_applications = list(
        AdvertApplication.objects.filter(advert=advert, provider__in=listings).select_related("provider")
    )
    applied_ids = {application.provider_id for application in own_applications}
    can_still_apply = [listing for listing in listings if listing.pk not in applied_ids]
    form = ApplyForm(request.POST or None, listings=can_still_apply)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if form.is_valid():
            try:
                application = application_create(
                    advert=advert,
                    provider=form.cleaned_data["provider"],
                    by=_user(request),
                    message=form.cleaned_data["message"],
                )
            except AdvertError as error:
                _field_error(form, error)
            else:
                messages.success(request, "Your application has been sent. We will email you when they answer.")
                return redirect("adverts:application", application_uuid=application.uuid)
    # Who posted it is shown only to those who applied, never on the public page.
    poster = None
    if own_applications:
        advert = (
            Advert.objects.select_related("holder", "posted_by")
            .prefetch_related("services", "languages")
            .get(pk=advert.pk)
        )
        poster = advert
    return TemplateResponse(
        request,
        "adverts/detail.html",
        {
            "advert": advert,
            "form": form,
            "errors": form.error_summary() if request.method == "POST" else [],
            "own_applications": own_applications,
            "can_apply": bool(can_still_apply) and advert.is_open,
            "is_provider_user": bool(listings),
            "poster": poster,
            "show_description": bool(listings) or request.user.has_perm("adverts.view_advert_as_advertiser", advert),
        },
    )


@login_required
def application(request: HttpRequest, application_uuid: UUID) -> HttpResponse:
    """One application's conversation, for the personal assistant and the advertiser's side."""
    found = (
        AdvertApplication.objects.select_related("advert", "advert__holder", "advert__posted_by", "provider")
        .filter(uuid=application_uuid)
        .first()
    )
    if found is None or not request.user.has_perm("adverts.view_application", found):
        raise Http404("No application matches that address")
    is_applicant = request.user.has_perm("adverts.reply_as_applicant", found)
    may_write = is_applicant or request.user.has_perm("adverts.manage_advert", found.advert)
    form = MessageForm(request.POST or None)
    if request.method == "POST":
        if not may_write:
            raise Http404("No application matches that address")
        if form.is_valid():
            try:
                application_reply(application=found, by=_user(request), body=form.cleaned_data["message"])
            except AdvertError as error:
                form.add_error("message", str(error))
            else:
                messages.success(request, "Your message has been sent.")
                return redirect("adverts:application", application_uuid=found.uuid)
    return TemplateResponse(
        request,
        "adverts/application.html",
        {
            "application": found,
            "advert": found.advert,
            "thread": application_thread(application=found),
            "form": form,
            "errors": form.error_summary() if request.method == "POST" else [],
            "is_applicant": is_applicant,
            "may_write": may_write and found.status != AdvertApplication.Status.WITHDRAWN,
        },
    )


# The advertiser's pages ---------------------------------------------------------


@login_required
def your_adverts(request: HttpRequest) -> HttpResponse:
    adverts = list(adverts_for_user(user=request.user))
    return TemplateResponse(
        request,
        "adverts/yours.html",
        {
            "adverts": adverts,
            "summary": advert_summary(adverts),
            "may_post": bool(holders_user_may_post_for(user=request.user)),
        },
    )


@login_required
def advert_new(request: HttpRequest) -> HttpResponse:
    return _advert_form(request, advert=None)


@login_required
def advert_edit(request: HttpRequest, advert_uuid: UUID) -> HttpResponse:
    advert = _advert_for_advertiser(request, advert_uuid, manage=True)
    if advert.status not in (Advert.Status.DRAFT, Advert.Status.OPEN):
        raise Http404("This advert is closed")
    return _advert_form(request, advert=advert)


def _advert_form(request: HttpRequest, *, advert: Advert | None) -> HttpResponse:
    holders = holders_user_may_post_for(user=request.user)
    if advert is not None:
        holders = [holder for holder in holders if holder.pk == advert.holder_id]
    if not holders:
        return TemplateResponse(request, "adverts/cannot_post.html", {}, status=403)
    initial = advert_initial(advert) if advert is not None else {}
    form = AdvertForm(request.POST or None, initial=initial, holders=holders, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = advert_save(
                by=_user(request), holder=form.cleaned_data["holder"], details=form.details(), advert=advert
            )
        except AdvertError as error:
            _field_error(form, error)
        else:
            if saved.is_open:
                messages.success(request, "Your changes are saved and on the advert now.")
                return redirect("adverts:manage", advert_uuid=saved.uuid)
            return redirect("adverts:check", advert_uuid=saved.uuid)
    return TemplateResponse(
        request,
        "adverts/form.html",
        {"form": form, "errors": form.error_summary() if request.method == "POST" else [], "advert": advert},
    )


@login_required
def advert_check(request: HttpRequest, advert_uuid: UUID) -> HttpResponse:
    """Check the advert and see any rate warnings, then publish."""
    advert = _advert_for_advertiser(request, advert_uuid, manage=True)
    if advert.status != Advert.Status.DRAFT:
        return redirect("adverts:manage", advert_uuid=advert.uuid)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            advert_publish(advert=advert, by=_user(request))
        except AdvertError as error:
            errors.append(("", str(error)))
        else:
            messages.success(request, "Your advert is published. Personal assistants near you can now apply.")
            return redirect("adverts:manage", advert_uuid=advert.uuid)
    return TemplateResponse(
        request,
        "adverts/check.html",
        {
            "advert": advert,
            "errors": errors,
            "rate_warnings": advert_rate_warnings(advert=advert, site=Site.find_for_request(request)),
        },
    )


@login_required
def advert_manage(request: HttpRequest, advert_uuid: UUID) -> HttpResponse:
    advert = _advert_for_advertiser(request, advert_uuid)
    return TemplateResponse(
        request,
        "adverts/manage.html",
        {
            "advert": advert,
            "applications": advert_applications(advert=advert),
            "may_manage": request.user.has_perm("adverts.manage_advert", advert),
        },
    )


@login_required
@require_POST
def application_shortlist_view(request: HttpRequest, application_uuid: UUID) -> HttpResponse:
    found = _application_for_advertiser(request, application_uuid)
    try:
        application_shortlist(application=found, by=_user(request))
    except AdvertError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{found.provider.name} is on your shortlist. We have told them.")
    return redirect("adverts:manage", advert_uuid=found.advert.uuid)


@login_required
def application_decline_view(request: HttpRequest, application_uuid: UUID) -> HttpResponse:
    found = _application_for_advertiser(request, application_uuid)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application_decline(application=found, by=_user(request), message=form.cleaned_data["message"])
        except AdvertError as error:
            _field_error(form, error)
        else:
            messages.success(request, f"You have declined {found.provider.name}. We have told them.")
            return redirect("adverts:manage", advert_uuid=found.advert.uuid)
    return TemplateResponse(
        request,
        "adverts/decline.html",
        {"application": found, "form": form, "errors": form.error_summary() if request.method == "POST" else []},
    )


@login_required
def advert_close_view(request: HttpRequest, advert_uuid: UUID) -> HttpResponse:
    advert = _advert_for_advertiser(request, advert_uuid, manage=True)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            advert_close(advert=advert, by=_user(request), reason=form.cleaned_data["reason"])
        except AdvertError as error:
            _field_error(form, error)
        else:
            messages.success(request, "Your advert is closed.")
            return redirect("adverts:yours")
    return TemplateResponse(
        request,
        "adverts/close.html",
        {"advert": advert, "form": form, "errors": form.error_summary() if request.method == "POST" else []},
    )
