"""Public and self-service monitoring pages (GOV.UK Frontend; no JavaScript needed).

- /monitoring/<provider uuid>/: a provider's published visit outcomes and
  actions, for its own users (and commissioners); anyone else gets 404.
- /monitoring/<provider uuid>/actions/<action uuid>/: a provider user answers an action.
- /monitoring/feedback/<slug>/: feedback about a published provider, moderated
  before it counts; a honeypot field and a per-address limit keep robots out.
"""

from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from marketplace.core.http import client_address
from marketplace.core.submissions import submit_once
from marketplace.providers.models import Provider

from .forms import ActionResponseForm, FeedbackForm
from .selectors import action_for_provider_response, published_outcomes
from .services import MonitoringError, action_respond, feedback_submit

FEEDBACK_LIMIT_PER_HOUR = 5
FEEDBACK_WINDOW_SECONDS = 60 * 60


def _provider_for_outcomes(request: HttpRequest, provider_uuid: Any) -> Provider:
    provider = Provider.objects.filter(uuid=provider_uuid).select_related("locality").first()
    if provider is None or not request.user.has_perm("monitoring.view_outcomes", provider):
        raise Http404("No monitoring records here")
    return provider


@never_cache
@require_http_methods(["GET", "HEAD"])
def provider_outcomes(request: HttpRequest, provider_uuid: Any) -> HttpResponse:
    provider = _provider_for_outcomes(request, provider_uuid)
    visits = list(published_outcomes(provider=provider))
    today = timezone.localdate()
    open_actions = [
        action for visit in visits for action in visit.actions.all() if action.status in action.OPEN_STATUSES
    ]
    return TemplateResponse(
        request,
        "monitoring/provider_outcomes.html",
        {
            "provider": provider,
            "visits": visits,
            "today": today,
            "open_actions": open_actions,
            "can_respond": request.user.has_perm("monitoring.respond_to_actions", provider),
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def action_response(request: HttpRequest, provider_uuid: Any, action_uuid: Any) -> HttpResponse:
    provider = _provider_for_outcomes(request, provider_uuid)
    if not request.user.has_perm("monitoring.respond_to_actions", provider):
        raise Http404("No monitoring records here")
    action = action_for_provider_response(provider=provider, action_uuid=str(action_uuid))
    if action is None:
        raise Http404("No such action")
    outcomes_url = reverse("monitoring:provider_outcomes", args=[provider.uuid])
    is_closed = action.status == action.Status.CLOSED
    if request.method == "POST" and not is_closed:
        form = ActionResponseForm(request.POST)
        if form.is_valid():
            try:
                action_respond(
                    action=action,
                    by=request.user,  # type: ignore[arg-type]
                    response=form.cleaned_data["response"],
                    status=form.cleaned_data["status"],
                )
            except MonitoringError as error:
                form.add_error(None, str(error))
            else:
                return redirect(f"{outcomes_url}?answered={action.uuid}#action-{action.uuid}")
    else:
        initial = {"response": action.provider_response}
        if action.status in (action.Status.IN_PROGRESS, action.Status.DONE):
            initial["status"] = action.status
        form = ActionResponseForm(initial=initial)
    return TemplateResponse(
        request,
        "monitoring/action_response.html",
        {
            "provider": provider,
            "action": action,
            "visit": action.visit,
            "form": form,
            "is_closed": is_closed,
            "outcomes_url": outcomes_url,
            "today": timezone.localdate(),
        },
    )


def _published_provider(slug: str) -> Provider:
    return get_object_or_404(Provider.objects.published().select_related("locality"), slug=slug)


def _feedback_limit_reached(request: HttpRequest) -> bool:
    """Count this address's feedback in a fixed one-hour window in the cache; True once over the limit."""
    key = f"monitoring:feedback:{client_address(request)}:{int(timezone.now().timestamp()) // FEEDBACK_WINDOW_SECONDS}"
    cache.add(key, 0, timeout=FEEDBACK_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=FEEDBACK_WINDOW_SECONDS)
        count = 1
    return count > FEEDBACK_LIMIT_PER_HOUR


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def feedback(request: HttpRequest, slug: str) -> HttpResponse:
    provider = _published_provider(slug)
    status = 200
    if request.method == "POST":
        form = FeedbackForm(request.POST)
        thanks_url = reverse("monitoring:feedback_thanks", args=[provider.slug])
        if form.is_spam:
            return redirect(thanks_url)  # robots are thanked and forgotten
        if form.is_valid():
            if _feedback_limit_reached(request):
                form.add_error(
                    None,
                    "You have sent a lot of feedback from this connection in the last hour. "
                    "Please try again later, or contact the council.",
                )
                status = 429
            else:
                rating = form.cleaned_data["rating"]
                with submit_once(form=form) as once:
                    if once.previous_url:
                        return redirect(once.previous_url)
                    try:
                        feedback_submit(
                            provider=provider,
                            text=form.cleaned_data["text"],
                            relationship=form.cleaned_data["relationship"],
                            from_name=form.cleaned_data["from_name"],
                            rating=int(rating) if rating else None,
                            is_complaint=form.cleaned_data["is_complaint"] == "yes",
                        )
                    except MonitoringError as error:
                        form.add_error(None, str(error))
                    else:
                        return redirect(once.done(thanks_url))
    else:
        form = FeedbackForm()
    return TemplateResponse(
        request, "monitoring/feedback_form.html", {"provider": provider, "form": form}, status=status
    )


@require_http_methods(["GET", "HEAD"])
def feedback_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    provider = _published_provider(slug)
    return TemplateResponse(request, "monitoring/feedback_thanks.html", {"provider": provider})
