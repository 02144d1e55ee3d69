"""Work the scheduler does every minute, for apps above core: a hook they register with.

Core's `send_due_emails` task runs every minute (CELERY_BEAT_SCHEDULE); after
the outbox it runs each registered sweep, so a higher layer (the search index
backlog) gets a minute job without core importing it. A sweep that fails is
logged and does not stop the others.
"""

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

_MINUTE_SWEEPS: dict[str, Callable[[], str]] = {}


def register_minute_sweep(name: str, sweep: Callable[[], str]) -> None:
    """Run `sweep` every minute; it returns a short summary for the job record."""
    _MINUTE_SWEEPS[name] = sweep


def run_minute_sweeps() -> dict[str, str]:
    results: dict[str, str] = {}
    for name, sweep in sorted(_MINUTE_SWEEPS.items()):
        try:
            results[name] = sweep()
        except Exception as error:
            logger.exception("Minute sweep %s failed", name)
            results[name] = f"failed: {type(error).__name__}"
    return results
