"""Suggestions for the search form's autocomplete: places and service words, as JSON.

A progressive enhancement: the form works without it (static/js/autocomplete.js
adds it). Bad input is a 400 with a message, never a 500.
"""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from marketplace.places.selectors import place_names_starting
from marketplace.providers.models import ServiceType

from .filters import MAX_TEXT_LENGTH
from .synonyms import SYNONYM_GROUPS

MIN_PREFIX_LENGTH = 2
SUGGESTION_LIMIT = 8
SUGGESTION_TYPES = ("services", "places", "all")


def service_words_starting(prefix: str, limit: int = SUGGESTION_LIMIT) -> list[str]:
    """Service names, then other words people use for them, in which a word starts with the prefix."""
    prefix = prefix.strip().lower()
    if len(prefix) < MIN_PREFIX_LENGTH:
        return []
    names = ServiceType.objects.filter(name__icontains=prefix).order_by("sort_order", "name")
    words = [name for name in names.values_list("name", flat=True) if starts_a_word(name, prefix)]
    seen = {word.lower() for word in words}
    for group in SYNONYM_GROUPS:
        for phrase in group:
            if phrase not in seen and starts_a_word(phrase, prefix) and len(phrase) > 2:
                words.append(phrase)
                seen.add(phrase)
    return words[:limit]


def starts_a_word(text: str, prefix: str) -> bool:
    lowered = text.lower()
    return lowered.startswith(prefix) or f" {prefix}" in lowered


@require_GET
@cache_control(public=True, max_age=300)
def suggest(request: HttpRequest) -> JsonResponse:
    query = request.GET.get("q", "")
    kind = request.GET.get("type", "all")
    if len(query) > MAX_TEXT_LENGTH:
        return JsonResponse({"error": f"Search words must be {MAX_TEXT_LENGTH} characters or fewer."}, status=400)
    if kind not in SUGGESTION_TYPES:
        return JsonResponse({"error": "type must be one of: services, places, all."}, status=400)
    suggestions: list[dict[str, str]] = []
    if kind in ("services", "all"):
        suggestions += [{"label": word, "type": "service"} for word in service_words_starting(query)]
    if kind in ("places", "all") and len(query.strip()) <= 60:
        suggestions += [{"label": name, "type": "place"} for name in place_names_starting(query, SUGGESTION_LIMIT)]
    return JsonResponse({"query": query, "suggestions": suggestions})
