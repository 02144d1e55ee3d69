"""Hooks a higher layer registers so that the monitoring record can read it without importing it.

What people said about a provider (the visit page's "What people said")
is approved feedback from this app plus whatever apps above register here,
such as published reviews (marketplace.reviews). A source is a function
`source(provider, limit)` returning up to `limit` `Voice`s, newest first,
in a fixed number of queries; apps register theirs in AppConfig.ready().
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Voice:
    """One thing someone who uses a service said about it, whichever app kept it."""

    kind: str  # "Feedback", "Review"
    at: datetime
    rating: int | None
    text: str
    is_complaint: bool = False
    reply: str = ""


VoiceSource = Callable[[Any, int], list[Voice]]
_sources: list[VoiceSource] = []


def register_voices(source: VoiceSource) -> VoiceSource:
    """Add a source of what people said. Registering twice is harmless."""
    if source not in _sources:
        _sources.append(source)
    return source


def registered_voice_sources() -> list[VoiceSource]:
    return list(_sources)
