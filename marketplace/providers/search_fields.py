"""The search columns on Provider that the search backends read: the term masks and the normalised words.

They are the providers app's (the services keep them right on every write);
search reads them from here, a layer above (decision 0022).
"""

import re
from typing import Any

from .models import ClientGroup, Language, Provider, ServiceType, Specialism

# The term mask on Provider for each taxonomy: mask field -> (many-to-many field, term model).
TERM_MASK_FIELDS: dict[str, tuple[str, Any]] = {
    "service_mask": ("services", ServiceType),
    "client_group_mask": ("client_groups", ClientGroup),
    "specialism_mask": ("specialisms", Specialism),
    "language_mask": ("languages", Language),
}


def term_masks_of(provider: Provider) -> dict[str, int]:
    """The bits of the terms a provider has, per taxonomy (uses prefetched terms)."""
    masks: dict[str, int] = {}
    for mask_field, (relation, _) in TERM_MASK_FIELDS.items():
        mask = 0
        for term in getattr(provider, relation).all():
            if term.bit is not None:
                mask |= 1 << term.bit
        masks[mask_field] = mask
    return masks


def normalise_search_words(text: str) -> str:
    """Lower-case words separated by single spaces, with a space at each end,
    so a search can match whole words or the start of a word."""
    words = re.sub(r"[^0-9a-z]+", " ", text.lower()).split()
    return f" {' '.join(words)} " if words else ""


# A listing's words on PostgreSQL (ListingText.search_vector): its name weighted A, its other words
# B, and every pair of adjacent words as one more word, "first second", without a position
# (decision 0050). Asking for the pair finds exactly what the phrase "first second" finds, from
# the index alone, where the phrase would be checked again against every candidate's words.
WORDS_SQL = (
    "setweight(to_tsvector('english'::regconfig, COALESCE({table}.name, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE({table}.search_text, '')), 'B')"
)
WORDS_WITH_PAIRS_SQL = """{words} || COALESCE((
    SELECT array_to_tsvector(array_agg(DISTINCT first.lexeme || ' ' || second.lexeme))
    FROM (SELECT lexeme, unnest(positions) AS position FROM unnest({words})) AS first
    JOIN (SELECT lexeme, unnest(positions) AS position FROM unnest({words})) AS second
        ON second.position = first.position + 1
), ''::tsvector)"""


def word_pair(first: str, second: str) -> str:
    """The word ListingText's vector holds for two adjacent words (both as PostgreSQL stems them)."""
    return f"{first} {second}"
