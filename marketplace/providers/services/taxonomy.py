"""The taxonomies a listing is tagged with: bits for the search masks, and checking chosen terms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from ..models import MAX_TERMS_PER_TAXONOMY, ClientGroup, Language, ServiceType, Specialism
from ..search_fields import TERM_MASK_FIELDS
from .errors import ProviderError, ProviderFieldError

# A listing's field -> the taxonomy its terms come from.
TAXONOMY_FIELDS: dict[str, Any] = {
    "services": ServiceType,
    "client_groups": ClientGroup,
    "specialisms": Specialism,
    "languages": Language,
}


def taxonomy_assign_bits() -> None:
    """Give every taxonomy term that has none the lowest free bit of its taxonomy.

    Terms may be created anywhere (admin, bulk loads), so this runs before
    masks are computed. A taxonomy holds at most 63 terms.
    """
    for _, term_model in TERM_MASK_FIELDS.values():
        unassigned = list(term_model.objects.filter(bit__isnull=True).order_by("sort_order", "name", "pk"))
        if not unassigned:
            continue
        with transaction.atomic():
            used = set(term_model.objects.filter(bit__isnull=False).values_list("bit", flat=True))
            free = (bit for bit in range(MAX_TERMS_PER_TAXONOMY) if bit not in used)
            for term in unassigned:
                bit = next(free, None)
                if bit is None:
                    raise ProviderError(
                        f"The {term_model._meta.verbose_name} list is full: it can hold "
                        f"{MAX_TERMS_PER_TAXONOMY} terms. Merge or remove one before adding “{term.name}”."
                    )
                term.bit = bit
                term.save(update_fields=["bit"])


def term_ids(field: str, terms: Iterable[Any]) -> list[int]:
    """The ids of the chosen terms (instances or ids), refused unless every one exists."""
    ids = sorted({term if isinstance(term, int) else term.pk for term in terms})
    model = TAXONOMY_FIELDS[field]
    if model.objects.filter(pk__in=ids).count() != len(ids):
        raise ProviderFieldError(f"Select {model._meta.verbose_name_plural} from the list.", field=field)
    return ids
