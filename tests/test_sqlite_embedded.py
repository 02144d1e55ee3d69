"""The embedded default really works from nothing: SQLite, demo data, pages and scheduled jobs.

Whatever database the rest of the suite uses, this builds a scratch SQLite
database with the real commands (`migrate`, `load_demo_data`), then runs the
site as `make run` does: Django's server and a Celery worker with embedded
beat on the filesystem broker, in a temporary folder. It asserts the public
pages answer with their content and that beat's heartbeat reaches /healthz.
"""

import html
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")
COMMAND_TIMEOUT = 600
START_TIMEOUT = 90


@dataclass
class Response:
    status: int
    body: str

    @property
    def text(self) -> str:
        return html.unescape(self.body)


@dataclass
class EmbeddedSite:
    base_url: str
    database: Path
    log_dir: Path

    def get(self, path: str) -> Response:
        try:
            with urllib.request.urlopen(self.base_url + path, timeout=60) as response:
                return Response(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode(errors="replace"))

    def query(self, sql: str, *params: object) -> list[tuple]:
        with sqlite3.connect(self.database) as connection:
            return connection.execute(sql, params).fetchall()

    def logs(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text()[-4000:]}" for path in sorted(self.log_dir.glob("*.log")))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, MANAGE, *args],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, (
        f"manage.py {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    )
    return result.stdout


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedSite]:
    scratch = tmp_path_factory.mktemp("embedded")
    database = scratch / "db.sqlite3"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "DATABASE_", "SEARCH_", "ELASTICSEARCH_", "PYTEST_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL=f"sqlite:///{database}",
        MEDIA_ROOT=str(scratch / "media"),
        CELERY_FILESYSTEM_DIR=str(scratch / "celery"),
        SCHEDULER_HEARTBEAT_SECONDS="1",
        PYTHONUNBUFFERED="1",
    )
    for folder in ("queue", "processed", "control"):
        (scratch / "celery" / folder).mkdir(parents=True, exist_ok=True)

    run_manage(env, "migrate", "--no-input", "-v", "0")
    run_manage(env, "load_demo_data", "--scale", "0.05", "--seed", "1")

    port = free_port()
    processes: list[subprocess.Popen[bytes]] = []
    with open(scratch / "worker.log", "wb") as worker_log, open(scratch / "web.log", "wb") as web_log:
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--beat", "--pool=solo", "--loglevel=info"],
                env=env,
                cwd=settings.BASE_DIR,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
            )
        )
        processes.append(
            subprocess.Popen(
                [sys.executable, MANAGE, "runserver", f"127.0.0.1:{port}", "--noreload"],
                env=env,
                cwd=settings.BASE_DIR,
                stdout=web_log,
                stderr=subprocess.STDOUT,
            )
        )
    site = EmbeddedSite(base_url=f"http://127.0.0.1:{port}", database=database, log_dir=scratch)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if site.get("/healthz").status in (200, 503):
                    break
            except OSError:
                pass
            assert all(process.poll() is None for process in processes), f"a process stopped:\n{site.logs()}"
            assert time.monotonic() < deadline, f"the server did not start in {START_TIMEOUT} s:\n{site.logs()}"
            time.sleep(0.5)
        yield site
    finally:
        for process in processes:
            stop(process)


@pytest.fixture(scope="module")
def published(embedded: EmbeddedSite) -> list[tuple[str, str]]:
    rows = embedded.query("SELECT name, slug FROM providers_provider WHERE status = 'published' ORDER BY name")
    assert len(rows) >= 10, "the demo county at scale 0.05 should still publish a few dozen listings"
    return rows


def test_home_page(embedded):
    response = embedded.get("/")
    assert response.status == 200
    assert "Find care and support" in response.text
    assert 'href="/directory/' in response.body


def test_directory_lists_published_providers(embedded, published):
    response = embedded.get("/directory/")
    assert response.status == 200
    shown = [name for name, _ in published if name in response.text]
    assert shown, "no published provider's name appears on /directory/"


def test_search_for_personal_care_near_wendlebury(embedded, published):
    response = embedded.get("/directory/?q=personal+care&near=Wendlebury")
    assert response.status == 200
    assert "Wendlebury" in response.text
    assert any(name in response.text for name, _ in published), "the search found nobody"


def test_bad_search_input_gets_a_message_not_an_error(embedded):
    response = embedded.get("/directory/?max_price=-3&near=ZZZ+123&page=abc")
    assert 400 <= response.status < 500 or response.status == 200
    assert "Maximum price must be more than £0." in response.text
    assert "is not a valid postcode" in response.text


def test_provider_profile(embedded, published):
    name, slug = published[0]
    response = embedded.get(f"/directory/{slug}/")
    assert response.status == 200
    assert name in response.text
    assert embedded.get("/directory/no-such-provider/").status == 404


def test_healthz_shows_sqlite_database_search_and_a_running_scheduler(embedded):
    deadline = time.monotonic() + 60
    while True:
        response = embedded.get("/healthz")
        state = json.loads(response.body)
        if state["broker"]["scheduler_last_ran_at"] or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert response.status == 200
    assert state["database"] == {"status": "ok", "engine": "sqlite"}
    assert state["search"]["backend"] == "database"
    assert state["broker"]["url_scheme"] == "filesystem"
    assert state["broker"]["status"] == "ok"
    assert state["broker"]["scheduler_last_ran_at"], f"beat's heartbeat never ran:\n{embedded.logs()}"
    assert embedded.query("SELECT name FROM core_scheduledjobrun WHERE name = 'heartbeat'") == [("heartbeat",)]
