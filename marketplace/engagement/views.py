"""Pages for "Your support" (holders and those acting for them) and the providers' enquiry inbox.

Thin: permissions through the rules in accounts/rules.py, reads through
selectors, writes through services. A conversation or record the person may
not see is a 404, as if it did not exist. Which holder "Your support" shows
is kept in the session and checked against the rules on every request.
"""

from typing import Any, cast
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.models import Site

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.accounts.selectors import holders_for_user
from marketplace.providers.models import Provider
from marketplace.providers.selectors import council_rates

from . import selectors, services
from .forms import EnquiryForm, NoteForm, ProviderChoiceForm, ReplyForm, ReportForm, RespondForm, ShareContactForm
from .models import Enquiry, Message, ShortlistEntry
from .sections import load_sections

SESSION_HOLDER = "support_holder"
SESSION_SHORTLIST = "support_shortlist"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return default


# Which holder "Your support" is about ---------------------------------------------------


def support_holder(request: HttpRequest) -> tuple[DirectPaymentHolder | None, list[DirectPaymentHolder]]:
    """The holder chosen in the session (or the only one, or the person's own record), and all they may see.

    None when the person must choose first (they act for several people and
    are no holder themselves) or has nobody's support to see.
    """
    holders = holders_for_user(request.user)
    chosen = request.session.get(SESSION_HOLDER)
    holder = next((candidate for candidate in holders if str(candidate.uuid) == chosen), None)
    if holder is None and holders and (len(holders) == 1 or getattr(holders[0], "acting_link", None) is None):
        holder = holders[0]
    if holder is not None and not request.user.has_perm("engagement.view_support", holder):
        holder = None
    return holder, holders


def _holder_or_404(request: HttpRequest) -> DirectPaymentHolder:
    holder, _ = support_holder(request)
    if holder is None:
        raise Http404("Choose whose support to see first")
    return holder


def _session_shortlist(request: HttpRequest) -> list[str]:
    return [str(value) for value in request.session.get(SESSION_SHORTLIST, [])]


def save_session_shortlist_after_sign_in(request: HttpRequest, user: Any) -> None:
    """After sign-in: save a shortlist kept while signed out to the holder the person now sees, if any."""
    wanted = _session_shortlist(request)
    if not wanted:
        return
    holder, _ = support_holder(request)
    if holder is None:
        return  # kept in the session until they choose a holder or sign in as one
    services.shortlist_save_from_session(holder=holder, provider_uuids=wanted, by=user)
    request.session.pop(SESSION_SHORTLIST, None)


# "Your support" ----------------------------------------------------------------------


@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    """Your support: a task list of sections (shortlist, enquiries and what other apps add) for one holder."""
    if not request.user.is_authenticated:
        providers = selectors.providers_for_enquiry(_session_shortlist(request))
        return render(request, "engagement/home_signed_out.html", {"providers": providers})
    holder, holders = support_holder(request)
    if holder is None:
        if holders:
            return render(request, "engagement/choose_holder.html", {"holders": holders})
        providers = selectors.providers_for_enquiry(_session_shortlist(request))
        return render(request, "engagement/no_holder.html", {"providers": providers}, status=200)
    user = _user(request)
    return render(
        request,
        "engagement/home.html",
        {
            "holder": holder,
            "holders": holders,
            "is_own_record": holder.user_id == user.pk,
            "may_message": user.has_perm("accounts.message_for_holder", holder),
            "sections": load_sections(holder=holder, user=user),
        },
    )


@require_POST
@login_required
def switch_holder(request: HttpRequest) -> HttpResponse:
    """Choose whose support to see; only someone the person may see (checked again on every page)."""
    holders = holders_for_user(request.user)
    chosen = next((holder for holder in holders if str(holder.uuid) == request.POST.get("holder", "")), None)
    if chosen is None or not request.user.has_perm("engagement.view_support", chosen):
        messages.warning(request, "Choose someone from the list")
        return HttpResponseRedirect(reverse("engagement:home"))
    request.session[SESSION_HOLDER] = str(chosen.uuid)
    save_session_shortlist_after_sign_in(request, request.user)
    return HttpResponseRedirect(reverse("engagement:home"))


# Shortlist ------------------------------------------------------------------------------


def _posted_provider(request: HttpRequest) -> Provider:
    try:
        provider_uuid = UUID(request.POST.get("provider", ""))
    except ValueError as error:
        raise Http404("No such listing") from error
    provider = Provider.objects.published().filter(uuid=provider_uuid).first()
    if provider is None:
        raise Http404("No such listing")
    return provider


@require_POST
def shortlist_add(request: HttpRequest) -> HttpResponse:
    """Add a listing to the shortlist: the holder's when signed in, the session's when not."""
    provider = _posted_provider(request)
    back = _safe_next(request, reverse("engagement:home"))
    holder = support_holder(request)[0] if request.user.is_authenticated else None
    if holder is None:
        kept = _session_shortlist(request)
        if str(provider.uuid) not in kept:
            if len(kept) >= services.MAX_SHORTLIST:
                messages.warning(request, "Your shortlist is full. Remove a provider to add another.")
                return HttpResponseRedirect(back)
            kept.append(str(provider.uuid))
            request.session[SESSION_SHORTLIST] = kept
        # No banner: the page they return to shows "On your shortlist" in its place.
        return HttpResponseRedirect(back)
    if not request.user.has_perm("engagement.manage_shortlist", holder):
        raise Http404("No shortlist here")
    try:
        services.shortlist_add(holder=holder, provider=provider, by=_user(request))
    except services.EngagementError as error:
        messages.warning(request, str(error))
    return HttpResponseRedirect(back)


@require_POST
def shortlist_remove(request: HttpRequest) -> HttpResponse:
    try:
        provider_uuid = UUID(request.POST.get("provider", ""))
    except ValueError as error:
        raise Http404("No such listing") from error
    back = _safe_next(request, reverse("engagement:home"))
    holder = support_holder(request)[0] if request.user.is_authenticated else None
    if holder is None:
        request.session[SESSION_SHORTLIST] = [
            value for value in _session_shortlist(request) if value != str(provider_uuid)
        ]
        return HttpResponseRedirect(back)
    if not request.user.has_perm("engagement.manage_shortlist", holder):
        raise Http404("No shortlist here")
    provider = get_object_or_404(Provider, uuid=provider_uuid)
    services.shortlist_remove(holder=holder, provider=provider)
    return HttpResponseRedirect(back)


@require_http_methods(["GET", "POST"])
@login_required
def shortlist_note(request: HttpRequest, provider_uuid: UUID) -> HttpResponse:
    holder = _holder_or_404(request)
    if not request.user.has_perm("engagement.manage_shortlist", holder):
        raise Http404("No shortlist here")
    entry = get_object_or_404(
        ShortlistEntry.objects.select_related("provider"), holder=holder, provider__uuid=provider_uuid
    )
    form = NoteForm(request.POST if request.method == "POST" else None, initial={"note": entry.note})
    if request.method == "POST" and form.is_valid():
        try:
            services.shortlist_note_save(entry=entry, note=form.cleaned_data["note"], by=_user(request))
        except services.EngagementError as error:
            form.add_error("note", str(error))
        else:
            messages.success(request, f"Your note on {entry.provider.name} is saved.")
            return HttpResponseRedirect(reverse("engagement:home") + "#shortlist")
    return render(
        request,
        "engagement/shortlist_note.html",
        {"entry": entry, "holder": holder, "form": form},
        status=400 if form.errors else 200,
    )


# Enquiries (the holder's side) ------------------------------------------------------------


def _not_allowed(request: HttpRequest, holder: DirectPaymentHolder) -> HttpResponse:
    return render(request, "engagement/not_allowed.html", {"holder": holder}, status=403)


def _initial_service_and_rate(request: HttpRequest, providers: list[Provider], service_id: Any) -> dict[str, Any]:
    """Start with the service asked for (or the first the first provider offers) at the council's rate for it."""
    rates = council_rates(site=Site.find_for_request(request))
    service = None
    if service_id:
        service = next(
            (term for provider in providers for term in provider.services.all() if str(term.pk) == str(service_id)),
            None,
        )
    if service is None:
        offered = [term for provider in providers[:1] for term in provider.services.all()]
        service = next((term for term in offered if (term.pk, "hour") in rates), offered[0] if offered else None)
    if service is None:
        return {}
    rate = rates.get((service.pk, "hour"))
    return {"service": service.pk, **({"rate": f"{rate:.2f}"} if rate is not None else {})}


@require_http_methods(["GET", "POST"])
@login_required
def enquiry_new(request: HttpRequest) -> HttpResponse:
    """Send one enquiry to up to five providers (from a profile or ticked on the shortlist)."""
    holder = _holder_or_404(request)
    if not request.user.has_perm("accounts.message_for_holder", holder):
        return _not_allowed(request, holder)
    data = request.POST if request.method == "POST" else request.GET
    providers = selectors.providers_for_enquiry(data.getlist("provider"))
    chooser = ProviderChoiceForm(
        {"provider": [str(provider.uuid) for provider in providers]} if providers else {"provider": []},
        provider_choices=[(str(provider.uuid), provider.name) for provider in providers],
    )
    rates = council_rates(site=Site.find_for_request(request))
    if request.method == "POST":
        form = EnquiryForm(request.POST)
        chooser_ok = chooser.is_valid()
        if form.is_valid() and chooser_ok:
            try:
                enquiries = services.enquiry_send(
                    holder=holder,
                    providers=providers,
                    by=_user(request),
                    service=form.cleaned_data["service"],
                    availability_mask=form.availability_mask(),
                    hours_per_week=form.cleaned_data["hours_per_week"],
                    start_on=form.cleaned_data["start_on"],
                    rate_pence=form.cleaned_data["rate"],
                    message=form.cleaned_data["message"],
                )
            except services.EngagementError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
            else:
                names = ", ".join(enquiry.provider.name for enquiry in enquiries)
                messages.success(request, f"Your enquiry is sent to {names}. We will email when they reply.")
                return HttpResponseRedirect(reverse("engagement:home") + "#enquiries")
        if not chooser_ok:
            for problem in chooser.errors.get("provider", []):
                form.add_error(None, problem)
    else:
        form = EnquiryForm(initial=_initial_service_and_rate(request, providers, request.GET.get("service")))
        chooser.is_valid()  # the page says when nobody, or too many, are chosen
    rate_rows = [
        (service, rates[(service.pk, "hour")])
        for service in form.fields["service"].queryset  # type: ignore[attr-defined]
        if (service.pk, "hour") in rates
    ]
    return render(
        request,
        "engagement/enquiry_new.html",
        {
            "holder": holder,
            "providers": providers,
            "chooser": chooser,
            "form": form,
            "rate_rows": rate_rows,
            "max_providers": services.MAX_PROVIDERS_PER_ENQUIRY,
        },
        status=400 if form.errors else 200,
    )


def _holder_enquiry(request: HttpRequest, enquiry_uuid: UUID) -> Enquiry:
    enquiry = selectors.enquiry_for_page(enquiry_uuid)
    if enquiry is None or not request.user.has_perm("engagement.view_enquiry_as_holder", enquiry):
        raise Http404("No enquiry here")
    return enquiry


def _conversation_context(enquiry: Enquiry, side: str) -> dict[str, Any]:
    return {
        "enquiry": enquiry,
        "thread": selectors.enquiry_messages(enquiry),
        "is_blocked": selectors.conversation_is_blocked(enquiry),
        "side": side,
    }


@require_http_methods(["GET", "POST"])
@login_required
def enquiry(request: HttpRequest, enquiry_uuid: UUID) -> HttpResponse:
    """One conversation with a provider, as the holder (or someone acting for them) sees it."""
    found = _holder_enquiry(request, enquiry_uuid)
    may_message = request.user.has_perm("engagement.message_as_holder", found)
    form = ReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_message:
            return _not_allowed(request, found.holder)
        if form.is_valid():
            try:
                services.message_send(
                    enquiry=found, side=Message.Side.HOLDER, by=_user(request), body=form.cleaned_data["message"]
                )
            except services.EngagementError as error:
                form.add_error("message", str(error))
            else:
                messages.success(request, f"Your message is sent to {found.provider.name}.")
                return HttpResponseRedirect(reverse("engagement:enquiry", args=[found.uuid]))
    else:
        services.enquiry_mark_read(enquiry=found, side=Message.Side.HOLDER)
    return render(
        request,
        "engagement/enquiry.html",
        {**_conversation_context(found, Message.Side.HOLDER), "form": form, "may_message": may_message},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def enquiry_share_contact(request: HttpRequest, enquiry_uuid: UUID) -> HttpResponse:
    """The person chooses to give this provider their contact details."""
    found = _holder_enquiry(request, enquiry_uuid)
    if not request.user.has_perm("engagement.message_as_holder", found):
        return _not_allowed(request, found.holder)
    user = _user(request)
    initial = {
        "name": found.holder.display_name,
        "email": found.holder.user.email if found.holder.user is not None else user.email,
    }
    form = ShareContactForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.enquiry_share_contact(
                enquiry=found,
                by=user,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
            )
        except services.EngagementError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, f"{found.provider.name} can now see the contact details you gave.")
            return HttpResponseRedirect(reverse("engagement:enquiry", args=[found.uuid]))
    return render(
        request, "engagement/share_contact.html", {"enquiry": found, "form": form}, status=400 if form.errors else 200
    )


# Reports (either side) ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def message_report(request: HttpRequest, message_uuid: UUID) -> HttpResponse:
    """Report a message from the other side to the council's safeguarding team, and block them if you choose."""
    message = get_object_or_404(
        Message.objects.select_related("enquiry", "enquiry__provider", "enquiry__holder", "sent_by"), uuid=message_uuid
    )
    enquiry_row = message.enquiry
    if message.side == Message.Side.PROVIDER and request.user.has_perm(
        "engagement.view_enquiry_as_holder", enquiry_row
    ):
        side, back = Message.Side.HOLDER, reverse("engagement:enquiry", args=[enquiry_row.uuid])
    elif message.side == Message.Side.HOLDER and request.user.has_perm("engagement.answer_enquiry", enquiry_row):
        side, back = Message.Side.PROVIDER, reverse("engagement:provider_enquiry", args=[enquiry_row.uuid])
    else:
        raise Http404("No message here")
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_report(
                message=message,
                by=_user(request),
                side=side,
                reason=form.cleaned_data["reason"],
                block=form.cleaned_data["block"],
            )
        except services.EngagementError as error:
            form.add_error("reason" if error.field == "reason" else None, str(error))
        else:
            messages.success(
                request,
                "Thank you. The council's safeguarding team will look at this message"
                + (". You have blocked them: no more messages between you." if form.cleaned_data["block"] else "."),
            )
            return HttpResponseRedirect(back)
    return render(
        request,
        "engagement/report.html",
        {"message": message, "enquiry": enquiry_row, "form": form, "back": back, "side": side},
        status=400 if form.errors else 200,
    )


# The providers' inbox --------------------------------------------------------------------


@require_http_methods(["GET"])
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Enquiries to every listing the person's teams manage; never another provider's."""
    return render(request, "engagement/inbox.html", {"enquiries": selectors.provider_inbox(request.user)})


def _provider_enquiry(request: HttpRequest, enquiry_uuid: UUID) -> Enquiry:
    found = selectors.enquiry_for_page(enquiry_uuid)
    if found is None or not request.user.has_perm("engagement.answer_enquiry", found):
        raise Http404("No enquiry here")
    return found


@require_http_methods(["GET", "POST"])
@login_required
def provider_enquiry(request: HttpRequest, enquiry_uuid: UUID) -> HttpResponse:
    found = _provider_enquiry(request, enquiry_uuid)
    form = ReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_send(
                enquiry=found, side=Message.Side.PROVIDER, by=_user(request), body=form.cleaned_data["message"]
            )
        except services.EngagementError as error:
            form.add_error("message", str(error))
        else:
            messages.success(request, "Your reply is sent.")
            return HttpResponseRedirect(reverse("engagement:provider_enquiry", args=[found.uuid]))
    if request.method == "GET":
        services.enquiry_mark_read(enquiry=found, side=Message.Side.PROVIDER)
    return render(
        request,
        "engagement/provider_enquiry.html",
        {**_conversation_context(found, Message.Side.PROVIDER), "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def provider_enquiry_respond(request: HttpRequest, enquiry_uuid: UUID) -> HttpResponse:
    """Say whether you can help; saying no needs a reason."""
    found = _provider_enquiry(request, enquiry_uuid)
    if found.status != Enquiry.Status.OPEN:
        return HttpResponseRedirect(reverse("engagement:provider_enquiry", args=[found.uuid]))
    form = RespondForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enquiry_respond(
                enquiry=found,
                by=_user(request),
                decision=form.cleaned_data["decision"],
                message=form.cleaned_data["reason"],
            )
        except services.EngagementError as error:
            form.add_error("reason" if error.field == "message" else None, str(error))
        else:
            messages.success(request, "Your answer is sent.")
            return HttpResponseRedirect(reverse("engagement:provider_enquiry", args=[found.uuid]))
    return render(
        request, "engagement/respond.html", {"enquiry": found, "form": form}, status=400 if form.errors else 200
    )
