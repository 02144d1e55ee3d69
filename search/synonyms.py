"""Words people use for the same thing, shared by every backend.

Each group lists equivalent phrases; a search for any one finds the others.
The Elasticsearch backend loads the same groups into its synonym filter.
"""

from collections.abc import Iterable

SYNONYM_GROUPS: list[tuple[str, ...]] = [
    ("pa", "personal assistant"),
    ("sitting service", "befriending", "sitting"),
    ("respite", "short breaks", "short break"),
    ("day centre", "day opportunities", "community life choices"),
    ("home care", "domiciliary care", "homecare"),
    ("domestic help", "cleaning", "housework"),
    ("learning disability", "learning disabilities"),
]


def expand_terms(text: str) -> list[list[str]]:
    """Split a query into groups of alternatives: each group must match.

    "pa dementia" -> [["pa", "personal assistant"], ["dementia"]]
    """
    words = text.lower().split()
    groups: list[list[str]] = []
    position = 0
    while position < len(words):
        match = _longest_phrase_at(words, position)
        if match:
            phrase, group = match
            groups.append(list(group))
            position += len(phrase.split())
        else:
            groups.append([words[position]])
            position += 1
    return groups


def _longest_phrase_at(words: list[str], position: int) -> tuple[str, tuple[str, ...]] | None:
    best: tuple[str, tuple[str, ...]] | None = None
    for group in SYNONYM_GROUPS:
        for phrase in group:
            length = len(phrase.split())
            if " ".join(words[position : position + length]) == phrase and (
                best is None or length > len(best[0].split())
            ):
                best = (phrase, group)
    return best


def service_named_by(text: str, services: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """The (slug, name) of the service the whole of `text` names, or None.

    Words name a service when they are its name, one of the parts of a name
    joined by "and" ("respite" names "Respite and short breaks"), or a
    synonym of either ("short break", "housework").
    """
    words = " ".join(text.lower().replace("&", " and ").split())
    if not words:
        return None
    groups = expand_terms(words)
    candidates = set(groups[0]) | {words} if len(groups) == 1 else {words}
    for slug, name in services:
        name_words = " ".join(name.lower().replace("&", " and ").split())
        names = {name_words, *(part.strip() for part in name_words.split(" and ") if part.strip())}
        if candidates & names:
            return slug, name
    return None
