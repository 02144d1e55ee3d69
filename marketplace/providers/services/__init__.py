"""Every write to provider data goes through these functions, one module per concern.

- `status`: the listing lifecycle (draft, submitted, published, suspended, withdrawn).
- `onboarding`: a new draft with its first owner.
- `edits`: the self-service task pages (About, Services, Areas, Prices).
- `listing_values`: which fields go live at once and which a commissioner reviews (decision 0015).
- `change_requests`: reviewed edits waiting for a commissioner, and their decisions.
- `availability`: the weekly grid, new clients, capacity and the stale-availability reminders.
- `council_records`: what other apps record on a listing (accreditation, notices, CQC ratings).
- `taxonomy`: the terms a listing is tagged with.
- `search_columns`: the derived columns every search reads, refreshed after every change.
- `errors`: `ProviderError` and `ProviderFieldError`.

Callers import from `marketplace.providers.services`; the names below are the public ones.
"""

from .availability import (
    provider_confirm_availability,
    provider_save_availability,
    provider_send_availability_reminders,
    provider_update_availability,
)
from .change_requests import (
    provider_change_request_approve,
    provider_change_request_reject,
    provider_change_request_withdraw,
)
from .council_records import (
    provider_saved_in_admin,
    provider_set_accreditation,
    provider_set_cqc_rating,
    provider_set_public_notice,
)
from .edits import (
    COMPANY_NUMBER_PATTERN,
    MAX_PRICE,
    MAX_TRAVEL_RADIUS_MILES,
    PHONE_PATTERN,
    PriceInput,
    ProviderEditResult,
    normalise_postcode_districts,
    provider_update_about,
    provider_update_areas,
    provider_update_prices,
    provider_update_services,
)
from .errors import ProviderError, ProviderFieldError
from .listing_values import LIVE_FIELDS, REVIEWED_FIELDS, STATUSES_WITH_REVIEWED_EDITS, provider_edits_need_review
from .onboarding import provider_create_draft
from .search_columns import build_search_text, provider_refresh_search_fields
from .status import (
    ALLOWED_TRANSITIONS,
    STATUSES_NEEDING_A_REASON,
    provider_change_status,
    provider_submit_for_review,
)
from .taxonomy import TAXONOMY_FIELDS, taxonomy_assign_bits

__all__ = [
    "ALLOWED_TRANSITIONS",
    "COMPANY_NUMBER_PATTERN",
    "LIVE_FIELDS",
    "MAX_PRICE",
    "MAX_TRAVEL_RADIUS_MILES",
    "PHONE_PATTERN",
    "REVIEWED_FIELDS",
    "STATUSES_NEEDING_A_REASON",
    "STATUSES_WITH_REVIEWED_EDITS",
    "TAXONOMY_FIELDS",
    "PriceInput",
    "ProviderEditResult",
    "ProviderError",
    "ProviderFieldError",
    "build_search_text",
    "normalise_postcode_districts",
    "provider_change_request_approve",
    "provider_change_request_reject",
    "provider_change_request_withdraw",
    "provider_change_status",
    "provider_confirm_availability",
    "provider_create_draft",
    "provider_edits_need_review",
    "provider_refresh_search_fields",
    "provider_save_availability",
    "provider_saved_in_admin",
    "provider_send_availability_reminders",
    "provider_set_accreditation",
    "provider_set_cqc_rating",
    "provider_set_public_notice",
    "provider_submit_for_review",
    "provider_update_about",
    "provider_update_areas",
    "provider_update_availability",
    "provider_update_prices",
    "provider_update_services",
    "taxonomy_assign_bits",
]
