"""Partial upload files a killed request left behind are deleted by the hourly sweep."""

import os
import time

import pytest

from marketplace.core.tasks import remove_abandoned_uploads
from marketplace.core.uploads import ABANDONED_AFTER_SECONDS, uploads_remove_abandoned

pytestmark = pytest.mark.django_db


def test_only_files_older_than_an_hour_are_removed(tmp_path, settings):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    now = time.time()
    old = tmp_path / "tmpabandoned.upload"
    old.write_bytes(b"%PDF-1.4 half a fi")
    os.utime(old, (now - ABANDONED_AFTER_SECONDS - 1, now - ABANDONED_AFTER_SECONDS - 1))
    running = tmp_path / "tmprunning.upload"
    running.write_bytes(b"still arriving")
    # Its time set from the same clock as `now`: the file system stamps writes with the machine's real
    # clock, which a test run with a moved clock (make test's second run) does not share.
    os.utime(running, (now - 60, now - 60))
    (tmp_path / "folder").mkdir()

    assert uploads_remove_abandoned(now=now) == 1
    assert not old.exists()
    assert running.exists()


def test_the_scheduled_task_records_its_run(tmp_path, settings):
    from marketplace.core.models import ScheduledJobRun

    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    stale = tmp_path / "tmpstale.upload"
    stale.write_bytes(b"x")
    os.utime(stale, (0, 0))

    assert remove_abandoned_uploads.delay().get() == 1
    assert ScheduledJobRun.objects.get(name="remove-abandoned-uploads").last_result == "1 removed"


def test_a_missing_folder_is_nothing_to_do(tmp_path, settings):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "absent")
    assert uploads_remove_abandoned() == 0
