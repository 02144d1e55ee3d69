"""Pages for pooled agreements: inviting, joining or declining, setting shares and leaving.

Thin, like views.py: rules in accounts/rules.py, writes in pools.py. A member
is answered for (join, decline, leave) by whoever holds the money right for
that member's holder; anyone else gets a 404, as if the invitation did not exist.
"""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from . import pools, selectors
from .forms import PoolInviteForm, PoolLeaveForm, PoolSharesForm, date_parts
from .models import Agreement, PoolMember
from .services import AgreementError
from .views import HOLDER, PROVIDER, _agreement_for, _field_error, _not_allowed, _page, _user


@require_http_methods(["GET", "POST"])
@login_required
def invite(request: HttpRequest, agreement_uuid: UUID, side: str) -> HttpResponse:
    """The provider invites a holder it knows; a member's side invites a holder it holds the money right for."""
    agreement = _agreement_for(request, agreement_uuid, side)
    if side == HOLDER and not request.user.has_perm("agreements.invite_to_pool", agreement):
        return _not_allowed(request, agreement, what="invite people to share support")
    if agreement.status != Agreement.Status.LIVE:
        raise Http404("Only an agreed agreement can be shared")
    if side == PROVIDER:
        holders = pools.holders_to_invite_for_provider(agreement)
    else:
        holders = pools.holders_to_invite_for_user(agreement, _user(request))
    today = timezone.localdate()
    form = PoolInviteForm(
        request.POST if request.method == "POST" else None,
        holders=holders,
        initial={"shares_from": date_parts(today)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = pools.pool_invite(
                agreement=agreement,
                holder=form.chosen_holder(),
                by=_user(request),
                side=side,
                shares_from=form.cleaned_data["shares_from"],
                today=today,
                now=timezone.now(),
            )
        except AgreementError as error:
            _field_error(form, error)
        else:
            messages.success(request, f"We have asked {member.holder.display_name} to join the shared support.")
            return HttpResponseRedirect(_page(side, agreement) + "#pool")
    return render(
        request,
        "agreements/pool_invite.html",
        {
            "form": form,
            "errors": form.error_summary(),
            "agreement": agreement,
            "side": side,
            "holders": holders,
            "back": _page(side, agreement),
        },
        status=400 if form.errors else 200,
    )


def _member_for(request: HttpRequest, member_uuid: UUID) -> PoolMember:
    member = (
        PoolMember.objects.select_related("agreement", "agreement__provider", "agreement__holder", "holder")
        .filter(uuid=member_uuid)
        .first()
    )
    if member is None or not request.user.has_perm("agreements.answer_for_pool_member", member):
        raise Http404("No such invitation")
    return member


@require_POST
@login_required
def join(request: HttpRequest, member_uuid: UUID) -> HttpResponse:
    member = _member_for(request, member_uuid)
    try:
        pools.pool_join(member=member, by=_user(request), today=timezone.localdate(), now=timezone.now())
    except AgreementError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, f"{member.holder.display_name} now shares this support.")
    return HttpResponseRedirect(_page(HOLDER, member.agreement) + "#pool")


@require_POST
@login_required
def decline(request: HttpRequest, member_uuid: UUID) -> HttpResponse:
    member = _member_for(request, member_uuid)
    try:
        pools.pool_decline(member=member, by=_user(request), now=timezone.now())
    except AgreementError as error:
        messages.warning(request, str(error))
        return HttpResponseRedirect(_page(HOLDER, member.agreement) + "#pool")
    messages.success(request, "You said no to sharing this support.")
    return HttpResponseRedirect(_page(HOLDER, member.agreement) + "#pool")


@require_http_methods(["GET", "POST"])
@login_required
def leave(request: HttpRequest, member_uuid: UUID) -> HttpResponse:
    member = _member_for(request, member_uuid)
    if member.status != PoolMember.Status.JOINED:
        raise Http404("Not sharing this support")
    today = timezone.localdate()
    form = PoolLeaveForm(request.POST if request.method == "POST" else None, initial={"last_day": date_parts(today)})
    if request.method == "POST" and form.is_valid():
        try:
            left = pools.pool_leave(
                member=member,
                by=_user(request),
                last_day=form.cleaned_data["last_day"],
                reason=form.cleaned_data["reason"],
                today=today,
                now=timezone.now(),
            )
        except AgreementError as error:
            _field_error(form, error)
        else:
            messages.success(request, f"{left.holder.display_name} stops sharing after {left.last_day:%-d %B %Y}.")
            if form.cleaned_data["individual"]:
                return _propose_individual(request, left)
            return HttpResponseRedirect(_page(HOLDER, member.agreement) + "#pool")
    return render(
        request,
        "agreements/pool_leave.html",
        {
            "form": form,
            "errors": form.error_summary(),
            "member": member,
            "agreement": member.agreement,
            "back": _page(HOLDER, member.agreement),
        },
        status=400 if form.errors else 200,
    )


def _propose_individual(request: HttpRequest, member: PoolMember) -> HttpResponse:
    if not request.user.has_perm("accounts.agree_support_for_holder", member.holder):
        messages.warning(
            request, f"You cannot agree support for {member.holder.display_name}, so no agreement was proposed."
        )
        return HttpResponseRedirect(_page(HOLDER, member.agreement) + "#pool")
    try:
        agreement = pools.pool_leaver_propose_individual(member=member, by=_user(request), now=timezone.now())
    except AgreementError as error:
        messages.warning(request, f"No individual agreement was proposed: {error}")
        return HttpResponseRedirect(_page(HOLDER, member.agreement) + "#pool")
    messages.success(request, f"An individual agreement on the same terms is proposed to {agreement.provider.name}.")
    return HttpResponseRedirect(_page(HOLDER, agreement))


@require_http_methods(["GET", "POST"])
@login_required
def shares(request: HttpRequest, agreement_uuid: UUID) -> HttpResponse:
    """The provider sets the shares: equal, or a percentage each that adds up to 100%."""
    agreement = _agreement_for(request, agreement_uuid, PROVIDER)
    members = [
        member
        for member in selectors.pool_members(agreement)
        if member.status in (PoolMember.Status.INVITED, PoolMember.Status.JOINED)
    ]
    if len(members) < 2:
        raise Http404("Not a shared agreement")
    whole = sum(member.share_parts for member in members)
    is_equal = all(member.share_parts == 1 for member in members)
    initial: dict[str, Any] = {"how": "equal" if is_equal else "set"}
    if not is_equal:
        for member in members:
            initial[f"share_{member.pk}"] = f"{member.share_parts * 100 / whole:g}"
    form = PoolSharesForm(request.POST if request.method == "POST" else None, members=members, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            pools.pool_set_shares(
                agreement=agreement,
                by=_user(request),
                basis_points=form.cleaned_data["basis_points"],
                now=timezone.now(),
            )
        except AgreementError as error:
            _field_error(form, error)
        else:
            messages.success(request, "Shares saved. Everyone sharing has been told.")
            return HttpResponseRedirect(_page(PROVIDER, agreement) + "#pool")
    return render(
        request,
        "agreements/pool_shares.html",
        {
            "form": form,
            "errors": form.error_summary(),
            "agreement": agreement,
            "back": _page(PROVIDER, agreement),
        },
        status=400 if form.errors else 200,
    )
