"""Thin views: paying invoices online, the provider's "Get paid online" page, Stripe's return addresses, webhooks."""

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
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.providers.models import Provider

from . import checkout, gateway
from .forms import PayInvoicesForm
from .models import Payment, PaymentAccount, StripeEvent
from .selectors import (
    holder_invoices_by_provider,
    holder_payments,
    payment_account_status,
    payment_settings,
    provider_payments,
)
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
            "payments": provider_payments(provider=provider),
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


# --- Paying invoices online (the holder's side) ---------------------------------------------------


def _holder_for_paying(request: HttpRequest, holder_uuid: UUID) -> DirectPaymentHolder:
    """The holder whose invoices the user may pay; 404 for anyone else (no hint that it exists)."""
    if not settings.PAYMENTS_ENABLED:
        raise Http404("Online payments are not switched on")
    holder = DirectPaymentHolder.objects.filter(uuid=holder_uuid).first()
    if holder is None or not request.user.has_perm("payments.pay_invoices", holder):
        raise Http404("No invoices to pay at that address")
    return holder


def _choose_page(
    request: HttpRequest, holder: DirectPaymentHolder, *, form: PayInvoicesForm | None = None, extra: str = ""
) -> HttpResponse:
    providers = holder_invoices_by_provider(holder=holder)
    choosable = [invoice for entry in providers if entry.can_be_paid_online for invoice in entry.choosable]
    errors: list[tuple[str, str]] = []
    anchor = f"invoice-{choosable[0].uuid}" if choosable else ""
    if form is not None:
        errors += [(anchor, str(message)) for message in form.errors.get("invoice", [])]
    if extra:
        errors.append((anchor, extra))
    chosen = set(request.POST.getlist("invoice")) if form is not None else set()
    return TemplateResponse(
        request,
        "payments/pay_invoices.html",
        {
            "holder": holder,
            "providers": providers,
            "has_choosable": bool(choosable),
            "payments": holder_payments(holder=holder),
            "errors": errors,
            "chosen": chosen,
            "is_demo": gateway.is_demo(),
        },
        status=200,
    )


def _choosable_uuids(holder: DirectPaymentHolder) -> list[str]:
    return [
        str(invoice.uuid)
        for entry in holder_invoices_by_provider(holder=holder)
        if entry.can_be_paid_online
        for invoice in entry.choosable
    ]


@login_required
def pay_invoices(request: HttpRequest, holder_uuid: UUID) -> HttpResponse:
    """GET: the holder's invoices, with a box to tick for each one that can be paid online.
    POST: check the choice and show what paying it costs, with the button that goes to Stripe."""
    holder = _holder_for_paying(request, holder_uuid)
    if request.method != "POST":
        return _choose_page(request, holder)
    form = PayInvoicesForm(request.POST, invoice_uuids=_choosable_uuids(holder))
    if not form.is_valid():
        return _choose_page(request, holder, form=form)
    try:
        invoices = checkout.invoices_to_pay(holder=holder, invoice_uuids=form.chosen())
    except PaymentsError as error:
        return _choose_page(request, holder, form=form, extra=error.message)
    amount = sum(invoice.total_pence for invoice in invoices)
    response = TemplateResponse(
        request,
        "payments/pay_confirm.html",
        {
            "holder": holder,
            "invoices": invoices,
            "provider": invoices[0].provider,
            "fees": checkout.fee_breakdown(amount_pence=amount, settings=payment_settings()),
            "is_pooled": bool(invoices[0].transfer_group),
            "is_demo": gateway.is_demo(),
        },
    )
    # Its form is redirected on to Stripe's Checkout page: allow that origin for this page's forms.
    response._csp_update = {"form-action": [gateway.checkout_origin()]}  # type: ignore[attr-defined]
    return response


@login_required
def pay_start(request: HttpRequest, holder_uuid: UUID) -> HttpResponse:
    """Keep the payment, ask Stripe for its page and send the person there (303); never a 500."""
    holder = _holder_for_paying(request, holder_uuid)
    if request.method != "POST":
        return redirect("payments:pay_invoices", holder_uuid=holder.uuid)
    form = PayInvoicesForm(request.POST, invoice_uuids=_choosable_uuids(holder))
    if not form.is_valid():
        # A second click after the first made the payment: its invoices are no longer choosable.
        existing = checkout.live_payment_of(holder=holder, invoice_uuids=_uuids(request.POST.getlist("invoice")))
        if existing is not None:
            return redirect("payments:payment", holder_uuid=holder.uuid, payment_uuid=existing.uuid)
        return _choose_page(request, holder, form=form)
    return_url = request.build_absolute_uri(
        reverse(
            "payments:payment",
            kwargs={"holder_uuid": holder.uuid, "payment_uuid": "00000000-0000-0000-0000-000000000000"},
        )
    ).replace("00000000-0000-0000-0000-000000000000", "{payment}")
    now = timezone.now()
    try:
        payment = checkout.payment_create(
            holder=holder, invoice_uuids=form.chosen(), by=cast(User, request.user), return_url=return_url, now=now
        )
    except PaymentsError as error:
        existing = checkout.live_payment_of(holder=holder, invoice_uuids=form.chosen())
        if existing is not None:
            return redirect("payments:payment", holder_uuid=holder.uuid, payment_uuid=existing.uuid)
        return _choose_page(request, holder, form=form, extra=error.message)
    payment = checkout.payment_session_open(payment=payment, now=now)
    if payment.status == Payment.Status.OPEN:
        return HttpResponseRedirect(payment.checkout_url, status=303)
    return HttpResponseRedirect(
        reverse("payments:payment", kwargs={"holder_uuid": holder.uuid, "payment_uuid": payment.uuid}), status=303
    )


def _uuids(values: list[str]) -> list[UUID]:
    found = []
    for value in values:
        try:
            found.append(UUID(value))
        except ValueError:
            continue
    return found


def _payment_of(request: HttpRequest, holder_uuid: UUID, payment_uuid: UUID) -> tuple[DirectPaymentHolder, Payment]:
    holder = _holder_for_paying(request, holder_uuid)
    payment = Payment.objects.select_related("provider").filter(uuid=payment_uuid, holder=holder).first()
    if payment is None:
        raise Http404("No payment matches that address")
    return holder, payment


@login_required
def payment_page(request: HttpRequest, holder_uuid: UUID, payment_uuid: UUID) -> HttpResponse:
    """Where Stripe sends the person back (paid or not): read the session from Stripe again and say where it is.

    POST "Try again now" asks Stripe for a queued payment's session at once.
    """
    holder, payment = _payment_of(request, holder_uuid, payment_uuid)
    now = timezone.now()
    could_not_check = ""
    if request.method == "POST":
        payment = checkout.payment_session_open(payment=payment, now=now)
        if payment.status == Payment.Status.OPEN:
            return HttpResponseRedirect(payment.checkout_url, status=303)
    elif payment.status == Payment.Status.OPEN:
        try:
            payment = checkout.payment_sync(payment=payment, now=now)
        except PaymentsError as error:
            could_not_check = error.message
    response = TemplateResponse(
        request,
        "payments/payment.html",
        {
            "holder": holder,
            "payment": payment,
            "items": list(payment.items.select_related("invoice").order_by("pk")),
            "returned": request.GET.get("returned", ""),
            "could_not_check": could_not_check,
            "is_demo": gateway.is_demo(),
        },
    )
    response._csp_update = {"form-action": [gateway.checkout_origin()]}  # type: ignore[attr-defined]
    return response


@login_required
def payment_cancel(request: HttpRequest, holder_uuid: UUID, payment_uuid: UUID) -> HttpResponse:
    """Ask, then cancel a waiting payment: nothing is taken and its invoices can be chosen again."""
    holder, payment = _payment_of(request, holder_uuid, payment_uuid)
    page = reverse("payments:payment", args=[holder.uuid, payment.uuid])
    if payment.status not in checkout.CANCELLABLE:
        return redirect(page)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            checkout.payment_cancel(payment=payment, now=timezone.now())
        except PaymentsError as error:
            errors = [("cancel-payment", error.message)]
            payment.refresh_from_db()
            if payment.status not in checkout.CANCELLABLE:
                messages.info(request, error.message)
                return redirect(page)
        else:
            return redirect(page)  # the page says it is cancelled and that nothing was taken
    return TemplateResponse(
        request,
        "payments/payment_cancel.html",
        {"holder": holder, "payment": payment, "errors": errors, "payment_url": page, "is_demo": gateway.is_demo()},
        status=400 if errors else 200,
    )
