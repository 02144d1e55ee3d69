"""Large spreadsheet exports are built by a worker, with a page that shows the progress, then the download.

Every admin listing and report here exports through Wagtail's
`SpreadsheetExportMixin`; `install_background_exports` (from
`CoreConfig.ready()`) wraps its `as_spreadsheet` once for all of them:

- an export of up to `EXPORT_INLINE_ROWS` rows is answered at once, as before;
- a larger one becomes an `ExportJob` (the listing's path and filters, the
  format, who asked) and the person is sent to its page. A Celery task runs
  the same view again as the same person (so the same permission checks and
  filters apply), writes the file to private storage counting rows as it
  goes, and marks the job ready. The page shows the rows written so far and a
  "Check again" link (no JavaScript, and no timed refresh, which WCAG 2.2.1
  and axe's meta-refresh rule refuse) until the download is there.
- the same export asked for again while one is being built (a double-click)
  goes to the job already under way;
- if the task cannot be queued (the broker is down) the request builds the
  file itself, as exports always did, and still sends the person to the page.

Files are kept for EXPORT_KEPT; the hourly clean-up removes them and their rows.
See docs/decisions/0035-exports-built-in-the-background.md.
"""

import logging
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from functools import wraps
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.files import File
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, QueryDict
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone

from .models import ExportJob
from .storage import private_storage

logger = logging.getLogger(__name__)

EXPORT_KEPT = timedelta(days=1)
# A job the same person asked for within this time is reused rather than built twice.
REUSE_WITHIN = timedelta(minutes=10)
PROGRESS_EVERY_ROWS = 200
UNFINISHED_AFTER = timedelta(minutes=30)


def export_inline_rows() -> int:
    return int(getattr(settings, "EXPORT_INLINE_ROWS", 1000))


def export_row_count(rows: Any) -> int:
    """How many rows an export will have: one COUNT query for a queryset, len() for a report's list."""
    count = getattr(rows, "count", None)
    if callable(count) and not isinstance(rows, list | tuple):
        try:
            return int(count())
        except TypeError:
            pass
    return len(rows)


class CountedRows:
    """The rows of an export, reporting every PROGRESS_EVERY_ROWS rows written; otherwise the queryset itself."""

    def __init__(self, rows: Any, on_progress: Callable[[int], None]) -> None:
        self._rows = rows
        self._on_progress = on_progress

    def __iter__(self) -> Iterator[Any]:
        done = 0
        for done, row in enumerate(self._rows, start=1):
            yield row
            if done % PROGRESS_EVERY_ROWS == 0:
                self._on_progress(done)
        self._on_progress(done)

    def __getattr__(self, name: str) -> Any:
        # Wagtail reads `queryset.model` for the column headings.
        return getattr(self._rows, name)


# --- Starting a job (in the web request) -------------------------------------------------------------------------


def export_job_start(
    *, request: HttpRequest, export_format: str, filename: str, rows_total: int, now: datetime | None = None
) -> tuple[ExportJob, bool]:
    """Record the export the person asked for (True), or find the same one already under way (False)."""
    moment = now or timezone.now()
    user_id = int(request.user.pk or 0)
    query_string = request.GET.urlencode()
    existing = (
        ExportJob.objects.filter(
            user_id=user_id,
            path=request.path,
            query=query_string,
            export_format=export_format,
            state__in=[ExportJob.State.QUEUED, ExportJob.State.RUNNING],
            created_at__gte=moment - REUSE_WITHIN,
        )
        .order_by("-created_at")
        .first()
    )
    if existing is not None:
        return existing, False
    job = ExportJob.objects.create(
        token=uuid.uuid4(),
        user_id=user_id,
        host=request.get_host(),
        path=request.path,
        query=query_string,
        export_format=export_format,
        filename=filename,
        rows_total=rows_total,
        created_at=moment,
    )
    return job, True


def export_job_queue(*, job: ExportJob) -> None:
    """Ask a worker to build it; if the broker is down, build it now in this request."""
    from .tasks import build_export

    try:
        build_export.delay(job_id=job.pk)
    except Exception:
        logger.exception("Could not queue export %s; building it in the request", job.pk)
        export_build(job_id=job.pk)


def export_job_url(job: ExportJob) -> str:
    return reverse("exports:status", kwargs={"token": job.token})


# --- Building it (in the worker) -------------------------------------------------------------------------------------


def export_build(*, job_id: int, now: datetime | None = None) -> str:
    """Run the listing's view again as the person who asked, writing its export to private storage.

    Claimed with one conditional UPDATE (queued -> running), so a task delivered
    twice builds it once; a job already running, ready or failed is left alone.
    """
    moment = now or timezone.now()
    started = ExportJob.objects.filter(pk=job_id, state=ExportJob.State.QUEUED).update(
        state=ExportJob.State.RUNNING, started_at=moment
    )
    if not started:
        return "not due"
    job = ExportJob.objects.get(pk=job_id)
    try:
        response = _run_view_for(job)
    except Exception as error:
        logger.exception("Export %s failed", job.pk)
        _fail(job, f"{type(error).__name__}: {error}")
        return "failed"
    if getattr(response, "export_job_written", False):
        return "ready"
    # The view answered something else: the person lost access, or the listing is gone.
    _fail(job, f"The listing answered {response.status_code}")
    return "failed"


def _fail(job: ExportJob, error: str) -> None:
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportJob.State.FAILED, error=error[:300], finished_at=timezone.now()
    )


def _run_view_for(job: ExportJob) -> HttpResponseBase:
    from django.contrib.auth import get_user_model
    from django.contrib.messages.storage import default_storage

    user = get_user_model()._default_manager.get(pk=job.user_id)
    request = RequestFactory().get(job.path + ("?" + job.query if job.query else ""), HTTP_HOST=job.host)
    request.user = user
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request._messages = default_storage(request)  # type: ignore[attr-defined]
    request.export_job = job  # type: ignore[attr-defined]
    match = resolve(job.path)
    return match.func(request, *match.args, **match.kwargs)


def _write(view: Any, job: ExportJob, rows: Any, export_format: str) -> HttpResponse:
    """Write the export to a temporary file, counting rows, then keep it in private storage."""

    def progress(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows_done=done)

    total = export_row_count(rows)
    ExportJob.objects.filter(pk=job.pk).update(rows_total=total)
    counted = CountedRows(rows, progress)
    with tempfile.TemporaryFile() as output:
        if export_format == view.FORMAT_XLSX:
            view.write_xlsx(counted, output)
        else:
            _write_lines(output, view.stream_csv(counted))
        output.seek(0)
        name = private_storage().save(f"exports/{job.token}/{job.filename}", File(output))
        size = private_storage().size(name)
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportJob.State.READY, file_name=name, file_size=size, rows_done=total, finished_at=timezone.now()
    )
    response = HttpResponse(status=204)
    response.export_job_written = True  # type: ignore[attr-defined]
    return response


def _write_lines(output: Any, lines: Iterable[str | bytes]) -> None:
    for line in lines:
        output.write(line.encode("utf-8") if isinstance(line, str) else line)


# --- Wrapping Wagtail's exports once ---------------------------------------------------------------------------------


def install_background_exports() -> None:
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    original = SpreadsheetExportMixin.as_spreadsheet
    if getattr(original, "builds_in_background", False):
        return

    @wraps(original)
    def as_spreadsheet(self: Any, queryset: Any, spreadsheet_format: str) -> HttpResponseBase:
        job = getattr(self.request, "export_job", None)
        if job is not None:
            return _write(self, job, queryset, spreadsheet_format)
        total = export_row_count(queryset)
        if total <= export_inline_rows() or not self.request.user.is_authenticated:
            return original(self, queryset, spreadsheet_format)
        job, created = export_job_start(
            request=self.request,
            export_format=spreadsheet_format,
            filename=f"{self.get_filename()}.{spreadsheet_format}",
            rows_total=total,
        )
        if created:
            export_job_queue(job=job)
        return HttpResponseRedirect(export_job_url(job))

    as_spreadsheet.builds_in_background = True  # type: ignore[attr-defined]
    setattr(SpreadsheetExportMixin, "as_spreadsheet", as_spreadsheet)  # noqa: B010


# --- Reads and clean-up ------------------------------------------------------------------------------------------


def export_job_for(*, token: uuid.UUID, user: Any) -> ExportJob | None:
    """The person's own job (nobody else's: a token seen over a shoulder gives nothing)."""
    return ExportJob.objects.filter(token=token, user_id=user.pk).first()


def export_job_listing_url(job: ExportJob) -> str:
    """The listing the export came from, with its filters (and without asking for the export again)."""
    query = QueryDict(job.query, mutable=True)
    query.pop("export", None)
    return job.path + ("?" + query.urlencode() if query else "")


def export_job_is_stuck(job: ExportJob, *, now: datetime | None = None) -> bool:
    """Waiting or building for longer than any export takes: the worker is down or died."""
    moment = now or timezone.now()
    unfinished = job.state in (ExportJob.State.QUEUED, ExportJob.State.RUNNING)
    return unfinished and job.created_at < moment - UNFINISHED_AFTER


def export_jobs_forget_old(*, now: datetime | None = None) -> int:
    """Delete exports (files and rows) older than EXPORT_KEPT."""
    moment = now or timezone.now()
    old = list(ExportJob.objects.filter(created_at__lt=moment - EXPORT_KEPT))
    for job in old:
        if job.file_name:
            private_storage().delete(job.file_name)
    ExportJob.objects.filter(pk__in=[job.pk for job in old]).delete()
    return len(old)
