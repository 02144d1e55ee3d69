"""Thin views: the provider's "Get paid online" page, Stripe's return and refresh addresses, and webhooks."""

from typing import cast
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from marketplace.accounts.models import User
from marketplace.providers.models import Provider

from . import gateway
from .models import PaymentAccount, StripeEvent
from .selectors import payment_account_status
from .services import (
    PaymentsError,
    payment_account_refresh,
    payment_account_start_onboarding,
    provider_may_join_payments,
    stripe_event_record,
)
from .tasks import process_stripe_event


def _provider_for_payments(request: HttpRequest, provider_uuid: UUID) -> Provider:
    if not settings.PAYMENTS_ENABLED:
        raise Http404("Online payments are not switched on")
    provider = Provider.objects.filter(uuid=provider_uuid).first()
    if provider is None or not request.user.has_perm("payments.manage_payment_account", provider):
        raise Http404("No listing matches that address")
    return provider


def _page(request: HttpRequest, provider: Provider, *, errors: list[tuple[str, str]] | None = None) -> HttpResponse:
    response = TemplateResponse(
        request,
        "payments/get_paid_online.html",
        {
            "provider": provider,
            "status": payment_account_status(provider=provider),
            "may_join": provider_may_join_payments(provider),
            "is_demo": gateway.is_demo(),
            "errors": errors or [],
        },
    )
    # The form posts here and is redirected to Stripe's onboarding: the browser checks that
    # redirect against form-action, so Stripe's origin is allowed on this page only.
    response._csp_update = {"form-action": [gateway.onboarding_origin()]}  # type: ignore[attr-defined]
    return response


def _onboarding_link(request: HttpRequest, provider: Provider) -> str:
    return payment_account_start_onboarding(
        provider=provider,
        by=cast(User, request.user),
        return_url=request.build_absolute_uri(reverse("payments:onboarding_return", args=[provider.uuid])),
        refresh_url=request.build_absolute_uri(reverse("payments:onboarding_refresh", args=[provider.uuid])),
    )


@login_required
def get_paid_online(request: HttpRequest, provider_uuid: UUID) -> HttpResponse:
    provider = _provider_for_payments(request, provider_uuid)
    if request.method == "POST":
        try:
            return HttpResponseRedirect(_onboarding_link(request, provider))
        except PaymentsError as error:
            return _page(request, provider, errors=[("", error.message)])
    return _page(request, provider)


@login_required
def onboarding_return(request: HttpRequest, provider_uuid: UUID) -> HttpResponse:
    """Stripe sends the provider back here: read the account again so the page is up to date at once."""
    provider = _provider_for_payments(request, provider_uuid)
    account = PaymentAccount.objects.filter(provider=provider).first()
    if account is not None:
        try:
            payment_account_refresh(account=account)
        except PaymentsError as error:
            messages.warning(request, f"{error.message} This page may not show your latest details yet.")
    return redirect("payments:get_paid_online", provider_uuid=provider.uuid)


@login_required
def onboarding_refresh(request: HttpRequest, provider_uuid: UUID) -> HttpResponse:
    """Stripe sends the provider here when a link was used or expired: make a new one."""
    provider = _provider_for_payments(request, provider_uuid)
    if not PaymentAccount.objects.filter(provider=provider).exists():
        return redirect("payments:get_paid_online", provider_uuid=provider.uuid)
    try:
        return HttpResponseRedirect(_onboarding_link(request, provider))
    except PaymentsError as error:
        return _page(request, provider, errors=[("", error.message)])


def _receive(request: HttpRequest, *, endpoint: str, secret: str) -> JsonResponse:
    if request.method != "POST":
        return JsonResponse({"error": "Stripe webhooks are POSTed."}, status=405)
    if not settings.PAYMENTS_ENABLED:
        return JsonResponse({"error": "Online payments are not switched on."}, status=404)
    if not secret:
        return JsonResponse({"error": "This webhook endpoint has no signing secret configured."}, status=400)
    try:
        event = gateway.verify_event(
            payload=request.body, signature=request.headers.get("Stripe-Signature", ""), secret=secret
        )
    except gateway.SignatureError as error:
        return JsonResponse({"error": str(error)}, status=400)
    row, is_new = stripe_event_record(event=event, endpoint=endpoint)
    if row.processed_at is None:
        # After the commit, so a worker finds the row; robust, so a failure to queue is
        # logged and the sweep (process_pending_stripe_events) picks the event up later.
        transaction.on_commit(lambda: process_stripe_event.delay(row.pk), robust=True)
    return JsonResponse({"received": True, "duplicate": not is_new})


@csrf_exempt
def platform_webhook(request: HttpRequest) -> JsonResponse:
    return _receive(request, endpoint=StripeEvent.Endpoint.PLATFORM, secret=str(settings.STRIPE_WEBHOOK_SECRET))


@csrf_exempt
def connect_webhook(request: HttpRequest) -> JsonResponse:
    return _receive(request, endpoint=StripeEvent.Endpoint.CONNECT, secret=str(settings.STRIPE_CONNECT_WEBHOOK_SECRET))
