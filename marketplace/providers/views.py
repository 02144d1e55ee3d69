"""Admin screens for commissioners that are not plain create/edit forms."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from .forms import ProviderStatusForm
from .models import Provider
from .services import ProviderError, provider_change_status


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
