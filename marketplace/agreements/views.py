"""Pages for support agreements, timesheets and invoices, for the holder's side and the provider's.

Thin: permissions through the rules in accounts/rules.py (agreements.*),
reads through selectors, writes through services. An agreement a person
may not see is a 404, as if it did not exist; one they see but may not act
on answers 403 with a page saying which right is missing. The same views
serve both sides: the URL says which side (`side`), the rules say whether
this person may act for it.
"""

from datetime import timedelta
from typing import Any, cast
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.accounts.models import User
from marketplace.adverts.models import AdvertApplication
from marketplace.core.pdf import pdf_response
from marketplace.engagement.models import Enquiry
from marketplace.providers.selectors import providers_for_user

from . import selectors, services
from .documents import agreement_pdf, invoice_pdf, version_rows
from .forms import (
    AgreementForm,
    EndForm,
    InvoiceForm,
    MessageForm,
    TimesheetEntryForm,
    date_parts,
    pounds_text,
    version_initial,
)
from .models import Agreement, Invoice, PoolMember, Side, TimesheetEntry
from .money import pounds, split_by_shares

HOLDER = Side.HOLDER.value
PROVIDER = Side.PROVIDER.value


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _page(side: str, agreement: Agreement) -> str:
    name = "agreements:agreement" if side == HOLDER else "agreements:provider_agreement"
    return reverse(name, kwargs={"agreement_uuid": agreement.uuid})


def _agreement_for(request: HttpRequest, agreement_uuid: UUID, side: str) -> Agreement:
    """The agreement if this person sees it from `side`; 404 otherwise."""
    agreement = (
        Agreement.objects.select_related("holder", "provider", "in_force", "enquiry", "ended_by")
        .filter(uuid=agreement_uuid)
        .first()
    )
    permission = "agreements.view_as_holder" if side == HOLDER else "agreements.act_as_provider"
    if agreement is None or not request.user.has_perm(permission, agreement):
        raise Http404("No such agreement")
    return agreement


def _may_act(request: HttpRequest, agreement: Agreement, side: str) -> bool:
    permission = "agreements.act_as_holder" if side == HOLDER else "agreements.act_as_provider"
    return bool(request.user.has_perm(permission, agreement))


def _not_allowed(request: HttpRequest, agreement: Agreement, *, what: str) -> HttpResponse:
    """403, naming the holder whose right is missing; in a pool, never naming a holder this person does not act for."""
    holder = agreement.holder if request.user.has_perm("accounts.view_holder_records", agreement.holder) else None
    return render(
        request,
        "agreements/not_allowed.html",
        {"agreement": agreement, "holder": holder, "what": what},
        status=403,
    )


def _field_error(form: Any, error: services.AgreementError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))


def member_label(member: PoolMember, *, side: str, seen_holder_ids: set[int], sees_all: bool) -> str:
    """How a pool member is named to this viewer: in full to the provider, commissioners and the member's own side;
    "Another person" to the other members, who need not know who else shares the support (decision 0040)."""
    if side == PROVIDER or sees_all or member.holder_id in seen_holder_ids:
        return member.holder.display_name
    return "Another person"


def pool_context(request: HttpRequest, agreement: Agreement, side: str) -> dict[str, Any]:
    """The pool section of the agreement page: members named as this viewer may see them, and shares in per cent.

    Three queries whatever the number of members (the members, and the holders this person acts for, twice).
    """
    members = selectors.pool_members(agreement)
    if not members:
        return {"members": [], "money_holder_ids": set(), "my_members": []}
    sees_all = side == PROVIDER or request.user.has_perm("agreements.view_every_pool_member")
    seen = selectors.holder_ids_acted_for(_user(request)) if side == HOLDER else set()
    money = selectors.holder_ids_acted_for(_user(request), right_field="may_see_money") if side == HOLDER else set()
    sharing = [member for member in members if member.status in (PoolMember.Status.INVITED, PoolMember.Status.JOINED)]
    whole = sum(member.share_parts for member in sharing)
    rows = []
    for member in members:
        in_share = member in sharing
        rows.append(
            {
                "member": member,
                "label": member_label(member, side=side, seen_holder_ids=seen, sees_all=sees_all),
                "is_mine": member.holder_id in money,
                "percent": f"{100 * member.share_parts / whole:.2f}".rstrip("0").rstrip(".") if in_share else "",
            }
        )
    return {
        "members": rows,
        "money_holder_ids": money,
        "my_members": [row for row in rows if row["is_mine"]],
        "example_split": split_by_shares(10_000, [m.share_parts for m in sharing]) if sharing else [],
    }


# Proposing ----------------------------------------------------------------------------------


def _propose(
    request: HttpRequest,
    *,
    side: str,
    holder: Any,
    provider: Any,
    initial: dict[str, Any],
    back: str,
    enquiry: Enquiry | None = None,
    application: AdvertApplication | None = None,
) -> HttpResponse:
    form = AgreementForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.agreement_propose(
                holder=holder,
                provider=provider,
                by=_user(request),
                side=side,
                terms=form.terms(),
                now=timezone.now(),
                enquiry=enquiry,
                advert_application=application,
            )
        except services.AgreementError as error:
            _field_error(form, error)
        else:
            other = provider.name if side == HOLDER else holder.display_name
            messages.success(request, f"Agreement proposed. We have asked {other} to read and accept it.")
            return HttpResponseRedirect(_page(side, agreement))
    return render(
        request,
        "agreements/form.html",
        {
            "form": form,
            "errors": form.error_summary(),
            "holder": holder,
            "provider": provider,
            "side": side,
            "back": back,
            "heading": "Propose a support agreement",
        },
        status=400 if form.errors else 200,
    )


def _enquiry_initial(enquiry: Enquiry, today: Any) -> dict[str, Any]:
    return {
        "services": [enquiry.service_id],
        "slots": [f"{day.code}-{part.code}" for day, part in enquiry.availability.slots()],
        "unit": "hour",
        "units_per_week": str(enquiry.hours_per_week),
        "rate": pounds_text(enquiry.rate_pence),
        "start_on": date_parts(max(enquiry.start_on, today)),
        "notice_weeks": 4,
        "employment": services.default_employment(enquiry.provider),
    }


@require_http_methods(["GET", "POST"])
@login_required
def propose_from_enquiry(request: HttpRequest, enquiry_uuid: UUID, side: str) -> HttpResponse:
    """Either side of an enquiry proposes an agreement, the form filled in from the enquiry."""
    enquiry = Enquiry.objects.select_related("holder", "provider", "service").filter(uuid=enquiry_uuid).first()
    if side == HOLDER:
        if enquiry is None or not request.user.has_perm("engagement.view_enquiry_as_holder", enquiry):
            raise Http404("No such enquiry")
        back = reverse("engagement:enquiry", args=[enquiry.uuid])
        if not request.user.has_perm("accounts.agree_support_for_holder", enquiry.holder):
            return render(
                request,
                "agreements/not_allowed.html",
                {"agreement": None, "holder": enquiry.holder, "what": "agree support"},
                status=403,
            )
    else:
        if enquiry is None or not request.user.has_perm("engagement.answer_enquiry", enquiry):
            raise Http404("No such enquiry")
        back = reverse("engagement:provider_enquiry", args=[enquiry.uuid])
    return _propose(
        request,
        side=side,
        holder=enquiry.holder,
        provider=enquiry.provider,
        initial=_enquiry_initial(enquiry, timezone.localdate()),
        back=back,
        enquiry=enquiry,
    )


@require_http_methods(["GET", "POST"])
@login_required
def propose_from_application(request: HttpRequest, application_uuid: UUID) -> HttpResponse:
    """The advertiser proposes an agreement to an applicant, the form filled in from the advert."""
    application = (
        AdvertApplication.objects.select_related("advert", "advert__holder", "provider")
        .filter(uuid=application_uuid)
        .first()
    )
    if application is None or not request.user.has_perm("adverts.view_application", application):
        raise Http404("No such application")
    holder = application.advert.holder
    if not request.user.has_perm("accounts.agree_support_for_holder", holder):
        return render(
            request,
            "agreements/not_allowed.html",
            {"agreement": None, "holder": holder, "what": "agree support"},
            status=403,
        )
    advert = application.advert
    initial = {
        "services": [service.pk for service in advert.services.all()],
        "slots": [f"{day.code}-{part.code}" for day, part in advert.availability.slots()],
        "unit": "hour",
        "units_per_week": str(advert.hours_per_week),
        "rate": pounds_text(advert.hourly_rate_pence),
        "start_on": date_parts(timezone.localdate() + timedelta(days=14)),
        "notice_weeks": 4,
        "employment": services.default_employment(application.provider, advert_employment=advert.employment),
    }
    return _propose(
        request,
        side=HOLDER,
        holder=holder,
        provider=application.provider,
        initial=initial,
        back=reverse("adverts:application", args=[application.uuid]),
        application=application,
    )


# The agreement page -------------------------------------------------------------------------


def _agreement_context(request: HttpRequest, agreement: Agreement, side: str) -> dict[str, Any]:
    versions = selectors.agreement_versions(agreement)
    in_force = next((version for version in versions if version.pk == agreement.in_force_id), None)
    pending = next(
        (version for version in versions if version.withdrawn_at is None and not version.is_accepted_by_both),
        None,
    )
    if pending is not None and agreement.status == Agreement.Status.ENDED:
        pending = None
    may_act = _may_act(request, agreement, side)
    sees_money = side == PROVIDER or request.user.has_perm("agreements.view_money_as_holder", agreement)
    may_decide = side == HOLDER and request.user.has_perm("agreements.decide_timesheets", agreement)
    entries = selectors.agreement_entries(agreement) if sees_money else []
    invoices = list(agreement.invoices.select_related("holder").order_by("-issued_at", "-pk")) if sees_money else []
    pool = pool_context(request, agreement, side)
    if pool["members"] and side == HOLDER and not request.user.has_perm("agreements.view_every_pool_member"):
        # In a pool, each holder's side sees only the invoices of the holders it has the money right for.
        invoices = [invoice for invoice in invoices if invoice.holder_id in pool["money_holder_ids"]]
    pending_rows = None
    if pending is not None:
        new_rows = version_rows(pending)
        old_rows = dict(version_rows(in_force)) if in_force is not None else {}
        pending_rows = [
            {"label": label, "old": old_rows.get(label, ""), "new": value, "changed": old_rows.get(label) != value}
            for label, value in new_rows
        ]
    waiting_for_me = pending is not None and (
        (side == HOLDER and pending.holder_accepted_at is None)
        or (side == PROVIDER and pending.provider_accepted_at is None)
    )
    to_invoice = [
        entry
        for entry in entries
        if entry.status == TimesheetEntry.Status.APPROVED
        and entry.invoice_id is None
        and not getattr(entry, "share_count", 0)
    ]
    sees_lead = side == PROVIDER or request.user.has_perm("accounts.view_holder_records", agreement.holder)
    return {
        **pool,
        "holder_label": agreement.holder.display_name if sees_lead else "the person who agreed the terms",
        "may_download": sees_lead,
        "can_invite": agreement.status == Agreement.Status.LIVE
        and (side == PROVIDER or bool(request.user.has_perm("agreements.invite_to_pool", agreement))),
        "can_set_shares": side == PROVIDER
        and agreement.status != Agreement.Status.ENDED
        and sum(1 for row in pool["members"] if row["member"].status in ("invited", "joined")) >= 2,
        "agreement": agreement,
        "side": side,
        "versions": versions,
        "in_force": in_force,
        "in_force_rows": version_rows(in_force) if in_force is not None else [],
        "pending": pending,
        "pending_rows": pending_rows,
        "waiting_for_me": waiting_for_me,
        "may_act": may_act,
        "sees_money": sees_money,
        "may_decide": may_decide,
        "entries": entries,
        "invoices": invoices,
        "to_invoice": to_invoice,
        "to_invoice_total": sum(entry.amount_pence for entry in to_invoice),
        "page_url": _page(side, agreement),
        "quantity_label": "Sessions" if in_force is not None and in_force.unit == "session" else "Hours",
    }


@require_http_methods(["GET"])
@login_required
def agreement_page(request: HttpRequest, agreement_uuid: UUID, side: str) -> HttpResponse:
    agreement = _agreement_for(request, agreement_uuid, side)
    context = _agreement_context(request, agreement, side)
    if side == PROVIDER and agreement.in_force_id is not None and agreement.status != Agreement.Status.ENDED:
        today = timezone.localdate()
        context["entry_form"] = TimesheetEntryForm(initial={"worked_on": date_parts(today)})
        context["invoice_form"] = InvoiceForm(initial={"up_to": date_parts(today)})
    elif side == PROVIDER and agreement.in_force_id is not None:
        context["invoice_form"] = InvoiceForm(initial={"up_to": date_parts(timezone.localdate())})
    return render(request, "agreements/agreement.html", context)


@require_POST
@login_required
def accept(request: HttpRequest, agreement_uuid: UUID, side: str) -> HttpResponse:
    agreement = _agreement_for(request, agreement_uuid, side)
    if not _may_act(request, agreement, side):
        return _not_allowed(request, agreement, what="accept agreements")
    try:
        number = int(request.POST.get("version", ""))
    except ValueError:
        number = 0
    try:
        services.agreement_accept(
            agreement=agreement, version_number=number, by=_user(request), side=side, now=timezone.now()
        )
    except services.AgreementError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, "You accepted the agreement.")
    return HttpResponseRedirect(_page(side, agreement))


@require_http_methods(["GET", "POST"])
@login_required
def change(request: HttpRequest, agreement_uuid: UUID, side: str) -> HttpResponse:
    agreement = _agreement_for(request, agreement_uuid, side)
    if not _may_act(request, agreement, side):
        return _not_allowed(request, agreement, what="change agreements")
    if agreement.status == Agreement.Status.ENDED:
        raise Http404("This agreement has ended")
    base = services.pending_version(agreement) or agreement.in_force
    initial = version_initial(base) if base is not None else {}
    form = AgreementForm(request.POST if request.method == "POST" else None, initial=initial, is_change=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_change(
                agreement=agreement, by=_user(request), side=side, terms=form.terms(), now=timezone.now()
            )
        except services.AgreementError as error:
            _field_error(form, error)
        else:
            messages.success(request, "Change proposed. The agreed terms stay in force until both sides accept it.")
            return HttpResponseRedirect(_page(side, agreement))
    return render(
        request,
        "agreements/form.html",
        {
            "form": form,
            "errors": form.error_summary(),
            "holder": agreement.holder,
            "provider": agreement.provider,
            "side": side,
            "back": _page(side, agreement),
            "heading": "Change the agreement",
            "agreement": agreement,
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def end(request: HttpRequest, agreement_uuid: UUID, side: str) -> HttpResponse:
    agreement = _agreement_for(request, agreement_uuid, side)
    if not _may_act(request, agreement, side):
        return _not_allowed(request, agreement, what="end agreements")
    if agreement.status == Agreement.Status.ENDED:
        raise Http404("This agreement has ended")
    today = timezone.localdate()
    earliest = services.earliest_last_day(agreement, today=today)
    form = EndForm(request.POST if request.method == "POST" else None, initial={"last_day": date_parts(earliest)})
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_end(
                agreement=agreement,
                by=_user(request),
                side=side,
                reason=form.cleaned_data["reason"],
                last_day=form.cleaned_data["last_day"],
                shorter_notice_agreed=form.cleaned_data["shorter_notice_agreed"],
                today=today,
                now=timezone.now(),
            )
        except services.AgreementError as error:
            _field_error(form, error)
        else:
            messages.success(request, "The agreement is ending. We have told the other side.")
            return HttpResponseRedirect(_page(side, agreement))
    return render(
        request,
        "agreements/end.html",
        {
            "form": form,
            "errors": form.error_summary(),
            "agreement": agreement,
            "side": side,
            "earliest": earliest,
            "back": _page(side, agreement),
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET"])
@login_required
def download_agreement(request: HttpRequest, agreement_uuid: UUID) -> HttpResponse:
    """The agreement as a PDF, for either side (whoever may see the agreement)."""
    agreement = Agreement.objects.select_related("holder", "provider", "in_force").filter(uuid=agreement_uuid).first()
    # In a pool, the PDF (which names the person who agreed the terms) is for that person's side and the provider.
    if agreement is None or not (
        request.user.has_perm("accounts.view_holder_records", agreement.holder)
        or request.user.has_perm("agreements.act_as_provider", agreement)
    ):
        raise Http404("No such agreement")
    versions = selectors.agreement_versions(agreement)
    document = agreement_pdf(agreement, versions=versions)
    return pdf_response(document, filename=f"support-agreement-{str(agreement.uuid)[:8]}.pdf")


# Timesheets ---------------------------------------------------------------------------------


def _entry_for(request: HttpRequest, entry_uuid: UUID, side: str) -> TimesheetEntry:
    entry = (
        TimesheetEntry.objects.select_related("agreement", "agreement__holder", "agreement__provider", "version")
        .filter(uuid=entry_uuid)
        .first()
    )
    permission = "agreements.view_money_as_holder" if side == HOLDER else "agreements.act_as_provider"
    if entry is None or not request.user.has_perm(permission, entry):
        raise Http404("No such timesheet entry")
    return entry


@require_POST
@login_required
def record_entry(request: HttpRequest, agreement_uuid: UUID) -> HttpResponse:
    """The provider records what was delivered on one day."""
    agreement = _agreement_for(request, agreement_uuid, PROVIDER)
    form = TimesheetEntryForm(request.POST)
    if form.is_valid():
        try:
            entry = services.timesheet_record(
                agreement=agreement,
                by=_user(request),
                worked_on=form.cleaned_data["worked_on"],
                quantity=form.cleaned_data["quantity"],
                note=form.cleaned_data["note"],
                today=timezone.localdate(),
                now=timezone.now(),
            )
        except services.AgreementError as error:
            _field_error(form, error)
        else:
            services.timesheet_tell_holder(agreement=agreement, count=1)
            holiday = " (a bank holiday)" if entry.is_bank_holiday else ""
            messages.success(
                request,
                f"Recorded {entry.quantity} on {entry.worked_on:%-d %B %Y}{holiday}: {pounds(entry.amount_pence)}.",
            )
            return HttpResponseRedirect(_page(PROVIDER, agreement) + "#timesheet")
    context = _agreement_context(request, agreement, PROVIDER)
    context.update({"entry_form": form, "errors": form.error_summary(), "invoice_form": InvoiceForm()})
    return render(request, "agreements/agreement.html", context, status=400)


@require_POST
@login_required
def approve_entry(request: HttpRequest, entry_uuid: UUID) -> HttpResponse:
    entry = _entry_for(request, entry_uuid, HOLDER)
    if not request.user.has_perm("agreements.decide_timesheets", entry):
        return _not_allowed(request, entry.agreement, what="approve timesheets")
    try:
        services.timesheet_approve(entry=entry, by=_user(request), now=timezone.now())
    except services.AgreementError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, f"Approved {entry.quantity} on {entry.worked_on:%-d %B %Y}.")
    return HttpResponseRedirect(_page(HOLDER, entry.agreement) + "#timesheet")


@require_POST
@login_required
def approve_week(request: HttpRequest, agreement_uuid: UUID) -> HttpResponse:
    """Approve every waiting entry the page listed (their ids are posted), in one go."""
    agreement = _agreement_for(request, agreement_uuid, HOLDER)
    if not request.user.has_perm("agreements.decide_timesheets", agreement):
        return _not_allowed(request, agreement, what="approve timesheets")
    wanted = []
    for value in request.POST.getlist("entry")[:200]:
        try:
            wanted.append(UUID(value))
        except ValueError:
            continue
    entries = list(agreement.timesheet_entries.filter(uuid__in=wanted, status=TimesheetEntry.Status.SUBMITTED))
    now = timezone.now()
    for entry in entries:
        services.timesheet_approve(entry=entry, by=_user(request), now=now)
    if entries:
        messages.success(request, f"Approved {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}.")
    else:
        messages.warning(request, "Select the entries to approve.")
    return HttpResponseRedirect(_page(HOLDER, agreement) + "#timesheet")


@require_http_methods(["GET", "POST"])
@login_required
def query_entry(request: HttpRequest, entry_uuid: UUID) -> HttpResponse:
    entry = _entry_for(request, entry_uuid, HOLDER)
    if not request.user.has_perm("agreements.decide_timesheets", entry):
        return _not_allowed(request, entry.agreement, what="query timesheets")
    form = MessageForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.timesheet_query(
                entry=entry, by=_user(request), body=form.cleaned_data["body"], now=timezone.now()
            )
        except services.AgreementError as error:
            _field_error(form, error)
        else:
            messages.success(request, f"Your question is sent to {entry.agreement.provider.name}.")
            return HttpResponseRedirect(_page(HOLDER, entry.agreement) + "#timesheet")
    return render(
        request,
        "agreements/query.html",
        {"form": form, "errors": form.error_summary(), "entry": entry, "back": _page(HOLDER, entry.agreement)},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def reply_entry(request: HttpRequest, entry_uuid: UUID, side: str) -> HttpResponse:
    entry = _entry_for(request, entry_uuid, side)
    if side == HOLDER and not request.user.has_perm("agreements.decide_timesheets", entry):
        return _not_allowed(request, entry.agreement, what="answer about timesheets")
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.timesheet_reply(
                entry=entry, by=_user(request), side=side, body=form.cleaned_data["body"], now=timezone.now()
            )
        except services.AgreementError as error:
            messages.warning(request, str(error))
        else:
            messages.success(request, "Your message is sent.")
    else:
        messages.warning(request, " ".join(message for _, message in form.error_summary()))
    return HttpResponseRedirect(_page(side, entry.agreement) + f"#entry-{entry.uuid}")


@require_http_methods(["GET", "POST"])
@login_required
def correct_entry(request: HttpRequest, entry_uuid: UUID) -> HttpResponse:
    """The provider corrects an entry not yet approved: withdrawn and recorded again."""
    entry = _entry_for(request, entry_uuid, PROVIDER)
    initial = {
        "worked_on": date_parts(entry.worked_on),
        "quantity": f"{entry.quantity.normalize():f}",
        "note": entry.note,
    }
    form = TimesheetEntryForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.timesheet_correct(
                entry=entry,
                by=_user(request),
                worked_on=form.cleaned_data["worked_on"],
                quantity=form.cleaned_data["quantity"],
                note=form.cleaned_data["note"],
                today=timezone.localdate(),
                now=timezone.now(),
            )
        except services.AgreementError as error:
            _field_error(form, error)
        else:
            messages.success(request, "Entry corrected. The person is asked to approve it.")
            return HttpResponseRedirect(_page(PROVIDER, entry.agreement) + "#timesheet")
    return render(
        request,
        "agreements/correct.html",
        {"form": form, "errors": form.error_summary(), "entry": entry, "back": _page(PROVIDER, entry.agreement)},
        status=400 if form.errors else 200,
    )


# Invoices -----------------------------------------------------------------------------------


@require_POST
@login_required
def issue_invoice(request: HttpRequest, agreement_uuid: UUID) -> HttpResponse:
    agreement = _agreement_for(request, agreement_uuid, PROVIDER)
    form = InvoiceForm(request.POST)
    if form.is_valid():
        try:
            invoices = services.invoices_issue(
                agreement=agreement,
                by=_user(request),
                up_to=form.cleaned_data["up_to"],
                today=timezone.localdate(),
                now=timezone.now(),
            )
        except services.AgreementError as error:
            messages.warning(request, str(error))
        else:
            if len(invoices) == 1:
                invoice = invoices[0]
                messages.success(request, f"Invoice {invoice.number} issued for {pounds(invoice.total_pence)}.")
                return HttpResponseRedirect(reverse("agreements:invoice", args=[invoice.uuid]))
            total = sum(invoice.total_pence for invoice in invoices)
            messages.success(
                request, f"{len(invoices)} invoices issued, one for each person's share, {pounds(total)} in all."
            )
            return HttpResponseRedirect(_page(PROVIDER, agreement) + "#invoices")
    else:
        messages.warning(request, " ".join(message for _, message in form.error_summary()))
    return HttpResponseRedirect(_page(PROVIDER, agreement) + "#invoices")


def _invoice_for(request: HttpRequest, invoice_uuid: UUID) -> tuple[Invoice, str]:
    invoice = (
        Invoice.objects.select_related("agreement", "holder", "provider", "agreement__holder", "agreement__provider")
        .filter(uuid=invoice_uuid)
        .first()
    )
    if invoice is not None and request.user.has_perm("agreements.act_as_provider", invoice):
        return invoice, PROVIDER
    if invoice is not None and request.user.has_perm("agreements.view_money_as_holder", invoice):
        return invoice, HOLDER
    raise Http404("No such invoice")


@require_http_methods(["GET"])
@login_required
def invoice_page(request: HttpRequest, invoice_uuid: UUID) -> HttpResponse:
    invoice, side = _invoice_for(request, invoice_uuid)
    entries = selectors.invoice_entries(invoice)
    is_share = any(entry.invoice_id != invoice.pk for entry in entries)
    return render(
        request,
        "agreements/invoice.html",
        {
            "invoice": invoice,
            "entries": entries,
            "side": side,
            "back": _page(side, invoice.agreement),
            "is_share": is_share,
            "shared_total": sum(entry.amount_pence for entry in entries),
        },
    )


@require_http_methods(["GET"])
@login_required
def download_invoice(request: HttpRequest, invoice_uuid: UUID) -> HttpResponse:
    invoice, _side = _invoice_for(request, invoice_uuid)
    document = invoice_pdf(invoice, entries=selectors.invoice_entries(invoice))
    return pdf_response(document, filename=f"invoice-{invoice.number}.pdf")


# The provider's list ------------------------------------------------------------------------


@require_http_methods(["GET"])
@login_required
def provider_list(request: HttpRequest) -> HttpResponse:
    """Every agreement of the listings this person works for, entries waiting and queried, and invoices."""
    provider_ids = [provider.pk for provider in providers_for_user(user=request.user)]
    if not provider_ids:
        raise Http404("No listings")
    agreements = selectors.provider_agreements(provider_ids)
    invoices = selectors.provider_invoices(provider_ids)
    return render(
        request,
        "agreements/provider_list.html",
        {
            "agreements": agreements,
            "invoices": invoices,
            "counts": selectors.provider_counts(provider_ids),
        },
    )
