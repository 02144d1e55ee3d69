"""Saved searches at /saved-searches/: save the directory's current search, list them, and unsubscribe.

Saving works without JavaScript: the results page posts the search's own
query-string parameters to `save`. A signed-out visitor is sent to sign in
and comes back to a page with the same button.
"""

from typing import cast
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from marketplace.accounts.models import User

from .models import SavedSearch
from .selectors import saved_searches_for_user, search_filterset
from .services import (
    SavedSearchError,
    describe_search,
    normalised_query,
    saved_search_create,
    saved_search_delete,
    saved_search_resubscribe,
    saved_search_unsubscribe,
)


def save(request: HttpRequest) -> HttpResponse:
    """POST saves the search; GET (after signing in) shows what will be saved with the same button."""
    data = request.POST if request.method == "POST" else request.GET
    query = normalised_query(data)
    if not request.user.is_authenticated:
        next_url = reverse("alerts:save") + (f"?{query}" if query else "")
        return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
    filterset = search_filterset(query)
    if not filterset.is_valid():
        return TemplateResponse(request, "alerts/save_invalid.html", {"query": query}, status=400)
    if request.method != "POST":
        return TemplateResponse(
            request,
            "alerts/save.html",
            {"description": describe_search(filterset), "fields": QueryDict(query).lists(), "query": query},
        )
    try:
        saved = saved_search_create(user=cast(User, request.user), data=QueryDict(query))
    except SavedSearchError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"Search saved: {saved.description}. We will email you when a listing newly matches it."
        )
    return redirect("alerts:list")


@login_required
def saved_search_list(request: HttpRequest) -> HttpResponse:
    saved_searches = list(saved_searches_for_user(request.user))
    return TemplateResponse(request, "alerts/list.html", {"saved_searches": saved_searches})


@login_required
@require_POST
def delete(request: HttpRequest, saved_uuid: UUID) -> HttpResponse:
    saved = SavedSearch.objects.filter(uuid=saved_uuid, user=cast(User, request.user)).first()
    if saved is None:
        raise Http404("No saved search matches that address")
    saved_search_delete(saved_search=saved, by=cast(User, request.user))
    messages.success(request, f"Saved search deleted: {saved.description}.")
    return redirect("alerts:list")


def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One click from the email stops the alerts, signed in or not; the page offers to undo it."""
    try:
        saved = saved_search_unsubscribe(token=token)
    except SavedSearchError as error:
        return TemplateResponse(request, "alerts/unsubscribe_failed.html", {"message": str(error)}, status=400)
    return TemplateResponse(request, "alerts/unsubscribed.html", {"saved_search": saved, "token": token})


@require_POST
def resubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        saved = saved_search_resubscribe(token=token)
    except SavedSearchError as error:
        return TemplateResponse(request, "alerts/unsubscribe_failed.html", {"message": str(error)}, status=400)
    return TemplateResponse(request, "alerts/resubscribed.html", {"saved_search": saved})
