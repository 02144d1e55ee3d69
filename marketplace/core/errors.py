"""Errors every app shares: the domain error base, and the "try again" page when the database is busy.

`DomainError` is the one base of every app's domain error (AccreditationError,
MonitoringError, ContingencyError...): a service raises it with a message a
person can read, and optionally the form field it belongs to. Views catch it
in one way (`marketplace.core.commissioner_admin.AdminActionView` in the
admin; decision 0043).

When the database is busy or briefly unreachable: a "try again" page, never the 500 page.

SQLite takes its write lock when a transaction begins (transaction_mode
IMMEDIATE), so two writers queue instead of failing; PostgreSQL waits on row
locks. A database error can still reach a person when the wait runs out (the
SQLite timeout, a PostgreSQL lock_timeout) or the server is restarting. Then
they get a 503 page that says to try again and, for a form, a button that sends
what they typed again (files excepted: a browser cannot be given a file back).
"""

import logging
import sys
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.middleware.csrf import get_token
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """Something the rules of the domain do not allow; the message is for people.

    `field` names the form field the message belongs to, when there is one; a
    view puts the message on that field, or at the top of the form.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


RETRY_AFTER_SECONDS = 5


def is_database_busy(error: BaseException | None) -> bool:
    return isinstance(error, OperationalError)


def database_busy_response(request: HttpRequest) -> HttpResponse:
    """A 503 that keeps what was typed: the POST fields as hidden inputs of a "Try again" form."""
    wants_json = request.path.startswith("/openreferral/") or "application/json" in request.headers.get("Accept", "")
    if wants_json:
        response: HttpResponse = JsonResponse(
            {"error": "busy", "detail": "The service is busy. Try again in a few seconds."}, status=503
        )
    else:
        resubmit = request.method == "POST"
        posted = request.POST.lists() if resubmit else []
        fields = [(name, value) for name, values in posted for value in values if name != "csrfmiddlewaretoken"]
        context = {
            "resubmit": resubmit,
            "fields": fields,
            "had_files": bool(request.FILES) if resubmit else False,
            "action": request.get_full_path(),
            "csrf_token": get_token(request),
        }
        response = HttpResponse(loader.render_to_string("503_busy.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseBusyMiddleware:
    """Turn a database OperationalError raised by a view into the "try again" page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_busy(exception):
            return None
        logger.warning("Database busy on %s %s: %s", request.method, request.path, exception)
        return database_busy_response(request)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the "try again" page for a database error raised outside a view (a middleware's
    session save, say), the plain 500 page for anything else."""
    if is_database_busy(sys.exc_info()[1]):
        return database_busy_response(request)
    return HttpResponseServerError(loader.get_template("500.html").render())
