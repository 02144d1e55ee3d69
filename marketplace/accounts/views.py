"""Account pages of our own beside allauth's: the account overview, provider teams and invitations.

Thin: permissions through rules (`providers.manage_listing_users`), reads
through selectors, writes through services. A team the person may not manage
is a 404, as if it did not exist.
"""

from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.core.submissions import submit_once
from marketplace.providers.models import Provider, ProviderMembership

from . import selectors, services
from .forms import ActingForInvitationForm, ActingForRightsForm, InvitationForm
from .models import RIGHT_FIELDS, ActingFor, ActingForInvitation, DirectPaymentHolder, ProviderInvitation, User


def _signed_in_user(request: HttpRequest) -> User:
    """The person behind a request that `login_required` has let through."""
    assert isinstance(request.user, User)
    return request.user


def _team_provider(request: HttpRequest, provider_uuid: Any) -> Provider:
    provider = get_object_or_404(Provider, uuid=provider_uuid)
    if not request.user.has_perm("providers.manage_listing_users", provider):
        raise Http404("No team here")
    return provider


@require_GET
@login_required
def account_index(request: HttpRequest) -> HttpResponse:
    """Your account: email address, password, two-factor authentication and the teams you belong to."""
    user = request.user
    authenticator_types = set(Authenticator.objects.filter(user_id=user.pk).values_list("type", flat=True))
    return render(
        request,
        "accounts/index.html",
        {
            "has_totp": Authenticator.Type.TOTP in authenticator_types,
            "must_use_multi_factor": selectors.user_must_use_multi_factor(user),
            "memberships": selectors.user_memberships(user),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def team(request: HttpRequest, provider_uuid: Any) -> HttpResponse:
    """A provider's team: members, pending invitations and the form to invite someone."""
    provider = _team_provider(request, provider_uuid)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with submit_once(form=form, user=request.user) as once:
            if once.previous_url:
                return HttpResponseRedirect(once.previous_url)
            try:
                invitation, _ = services.invitation_send(
                    provider=provider,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    by=_signed_in_user(request),
                )
            except services.InvitationError as error:
                form.add_error("email", str(error))
            else:
                messages.success(request, f"We have sent an invitation to {invitation.email}.")
                return HttpResponseRedirect(
                    once.done(reverse("accounts:team", kwargs={"provider_uuid": provider.uuid}))
                )
    return render(
        request,
        "accounts/team.html",
        {
            "provider": provider,
            "members": selectors.team_members(provider),
            "invitations": selectors.team_pending_invitations(provider),
            "changes": selectors.team_recent_changes(provider),
            "form": form,
        },
    )


@require_POST
@login_required
def invitation_revoke(request: HttpRequest, provider_uuid: Any, invitation_uuid: Any) -> HttpResponse:
    provider = _team_provider(request, provider_uuid)
    invitation = get_object_or_404(ProviderInvitation, uuid=invitation_uuid, provider=provider)
    try:
        services.invitation_revoke(invitation=invitation, by=_signed_in_user(request))
    except services.InvitationError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, f"You have cancelled the invitation to {invitation.email}.")
    return HttpResponseRedirect(reverse("accounts:team", kwargs={"provider_uuid": provider.uuid}))


@require_http_methods(["GET", "POST"])
@login_required
def member_remove(request: HttpRequest, provider_uuid: Any, membership_id: int) -> HttpResponse:
    """Ask, then take someone off the team (never the last owner)."""
    provider = _team_provider(request, provider_uuid)
    membership = get_object_or_404(
        ProviderMembership.objects.select_related("user"), pk=membership_id, provider=provider
    )
    team_url = reverse("accounts:team", kwargs={"provider_uuid": provider.uuid})
    error = None
    if request.method == "POST":
        try:
            services.team_member_remove(membership=membership, by=_signed_in_user(request))
        except services.AccountError as refusal:
            error = str(refusal)
        else:
            messages.success(request, f"You have removed {membership.user.email} from the team.")
            if not request.user.has_perm("providers.manage_listing_users", provider):
                return HttpResponseRedirect(reverse("accounts:index"))
            return HttpResponseRedirect(team_url)
    return render(
        request,
        "accounts/member_remove.html",
        {"provider": provider, "membership": membership, "team_url": team_url, "error": error},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation email: sign in or create an account with the invited address, then accept."""
    found = selectors.invitation_by_token(token)
    if found is None:
        return render(request, "accounts/invitation_unusable.html", {"reason": "unknown"}, status=404)
    if found.state != "pending":
        return render(
            request, "accounts/invitation_unusable.html", {"reason": found.state, "invitation": found}, status=410
        )
    here = request.get_full_path()
    user = request.user
    if not user.is_authenticated:
        # Whoever holds the link received it at the invited address, so an
        # account made with that address here needs no second confirmation.
        get_adapter(request).stash_verified_email(request, found.email)
        return render(request, "accounts/invitation.html", {"invitation": found, "next": here})
    addresses = {address.email.lower(): address.verified for address in EmailAddress.objects.filter(user_id=user.pk)}
    address_state = (
        "verified"
        if addresses.get(found.email.lower())
        else "unverified"
        if found.email.lower() in addresses
        else "other"
    )
    error = None
    if request.method == "POST" and address_state == "verified":
        try:
            membership = services.invitation_accept(invitation=found, user=user)
        except services.InvitationError as refusal:
            error = str(refusal)
        else:
            messages.success(request, f"You have joined the team for {membership.provider.name}.")
            return HttpResponseRedirect(reverse("accounts:index"))
    return render(
        request,
        "accounts/invitation.html",
        {"invitation": found, "next": here, "address_state": address_state, "error": error},
        status=400 if error else 200,
    )


# ---------------------------------------------------------------------------
# Who acts for you: a holder invites people, changes what they may do, and
# ends links. Only the holder manages their own links here
# (`accounts.manage_acting_for`); commissioners appoint authorised people in
# the Wagtail admin. Someone who is not a holder gets a 404.
# ---------------------------------------------------------------------------


def _managed_holder(request: HttpRequest) -> DirectPaymentHolder:
    holder = selectors.holder_own_record(request.user)
    if holder is None or not request.user.has_perm("accounts.manage_acting_for", holder):
        raise Http404("You have no direct payment record here")
    return holder


def _acting_for_url() -> str:
    return reverse("accounts:acting_for")


@require_http_methods(["GET", "POST"])
@login_required
def acting_for(request: HttpRequest) -> HttpResponse:
    """People who act for you: who, in what capacity, with which rights; invite someone; the history."""
    holder = _managed_holder(request)
    form = ActingForInvitationForm(request.POST if request.method == "POST" else None, initial={"rights": ["message"]})
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _ = services.acting_for_invite(
                holder=holder,
                email=form.cleaned_data["email"],
                relationship=form.cleaned_data["relationship"],
                rights=set(form.cleaned_data["rights"]),
                by=_signed_in_user(request),
            )
        except services.ActingForError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, f"We have sent an invitation to {invitation.email}.")
            return HttpResponseRedirect(_acting_for_url())
    return render(
        request,
        "accounts/acting_for.html",
        {
            "holder": holder,
            "agents": selectors.holder_agents(holder),
            "invitations": selectors.holder_pending_agent_invitations(holder),
            "changes": selectors.holder_agent_changes(holder),
            "form": form,
            "right_fields": RIGHT_FIELDS,
        },
        status=400 if form.errors else 200,
    )


def _managed_link(request: HttpRequest, link_id: int) -> ActingFor:
    holder = _managed_holder(request)
    return get_object_or_404(
        ActingFor.objects.select_related("agent"), pk=link_id, holder=holder, ended_on__isnull=True
    )


@require_http_methods(["GET", "POST"])
@login_required
def acting_for_change(request: HttpRequest, link_id: int) -> HttpResponse:
    """Change what one person may do for you, or stop them acting for you."""
    link = _managed_link(request, link_id)
    current = [right for right, field in RIGHT_FIELDS.items() if getattr(link, field)]
    form = ActingForRightsForm(request.POST if request.method == "POST" else None, initial={"rights": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.acting_for_change_rights(
                link=link, rights=set(form.cleaned_data["rights"]), by=_signed_in_user(request)
            )
        except services.ActingForError as error:
            form.add_error("rights", str(error))
        else:
            messages.success(request, f"You have changed what {link.agent} can do for you.")
            return HttpResponseRedirect(_acting_for_url())
    return render(
        request,
        "accounts/acting_for_change.html",
        {"link": link, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def acting_for_end(request: HttpRequest, link_id: int) -> HttpResponse:
    link = _managed_link(request, link_id)
    try:
        services.acting_for_end(link=link, by=_signed_in_user(request))
    except services.ActingForError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, f"{link.agent} no longer acts for you. They cannot see your support any more.")
    return HttpResponseRedirect(_acting_for_url())


@require_POST
@login_required
def acting_for_invitation_cancel(request: HttpRequest, invitation_uuid: Any) -> HttpResponse:
    holder = _managed_holder(request)
    invitation = get_object_or_404(ActingForInvitation, uuid=invitation_uuid, holder=holder)
    try:
        services.acting_for_invitation_cancel(invitation=invitation, by=_signed_in_user(request))
    except services.ActingForError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, f"You have cancelled the invitation to {invitation.email}.")
    return HttpResponseRedirect(_acting_for_url())


@require_http_methods(["GET", "POST"])
def acting_for_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation to act for someone: sign in or create an account with that address, then accept."""
    found = selectors.acting_for_invitation_by_token(token)
    if found is None:
        return render(request, "accounts/acting_for_invitation_unusable.html", {"reason": "unknown"}, status=404)
    state = found.state()
    if state != "pending":
        return render(
            request, "accounts/acting_for_invitation_unusable.html", {"reason": state, "invitation": found}, status=410
        )
    here = request.get_full_path()
    user = request.user
    if not user.is_authenticated:
        get_adapter(request).stash_verified_email(request, found.email)
        return render(request, "accounts/acting_for_invitation.html", {"invitation": found, "next": here})
    addresses = {address.email.lower(): address.verified for address in EmailAddress.objects.filter(user_id=user.pk)}
    address_state = (
        "verified"
        if addresses.get(found.email.lower())
        else "unverified"
        if found.email.lower() in addresses
        else "other"
    )
    error = None
    if request.method == "POST" and address_state == "verified":
        try:
            link = services.acting_for_invitation_accept(invitation=found, user=_signed_in_user(request))
        except services.ActingForError as refusal:
            error = str(refusal)
        else:
            messages.success(request, f"You now act for {link.holder.display_name}.")
            return HttpResponseRedirect("/your-support/")
    return render(
        request,
        "accounts/acting_for_invitation.html",
        {"invitation": found, "next": here, "address_state": address_state, "error": error},
        status=400 if error else 200,
    )
