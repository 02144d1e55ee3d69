"""The vetting the providers' onboarding asks for, answered by this app (registered in AccreditationConfig.ready)."""

from typing import Any

from django.urls import reverse

from marketplace.providers.models import Provider

from .models import Accreditation
from .selectors import accreditation_of, provider_vetting_summary
from .services import AccreditationError, accreditation_apply


class AccreditationVetting:
    def checks_url(self, provider: Provider) -> str:
        return reverse("accreditation:checks", args=[provider.uuid])

    def is_complete(self, provider: Provider) -> bool:
        return provider_vetting_summary(provider=provider).is_complete

    def has_applied(self, provider: Provider) -> bool:
        status = accreditation_of(provider=provider).status
        return status in (Accreditation.Status.APPLIED, Accreditation.Status.ACCREDITED)

    def apply(self, *, provider: Provider, by: Any) -> str | None:
        try:
            accreditation_apply(provider=provider, by=by)
        except AccreditationError as error:
            return str(error)
        return None
