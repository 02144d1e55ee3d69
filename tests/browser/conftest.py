"""Real-browser tests: Playwright driving Debian's Chromium against a live server.

Playwright cannot download its own browsers here, so the tests launch
/usr/bin/chromium (CHROMIUM_PATH to override; `scripts/ensure-chromium.sh`
installs it). Every public page should pass axe-core with zero violations:

    @pytest.mark.browser
    def test_something(page, live_site, axe_check, screenshot):
        page.goto(live_site.url("/directory/"))
        axe_check(page)
        screenshot(page, "results")   # var/screenshots/<test>-results.png
"""

import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# The flags this machine needs: no sandbox as root, and no background
# networking, whose connections the closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 15_000
# The same patience for assertions as for actions: on two busy cores (the suite runs in two workers) a page
# behind a redirect through the fake Stripe can take longer than Playwright's 5 s default to say it is done.
expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "var" / "screenshots"
AXE_CANDIDATES = [
    Path(settings.BASE_DIR) / "static" / "vendor" / "axe" / "axe.min.js",
    Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js",
]


class _ReleasingResponse:
    """A WSGI response that lets the next request in once the server has sent it and closed it."""

    def __init__(self, response: Iterable[bytes], lock: threading.Lock) -> None:
        self._response = response
        self._lock = lock

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._response)

    def close(self) -> None:
        try:
            closing = getattr(self._response, "close", None)
            if closing is not None:
                closing()
        finally:
            self._lock.release()


class OneRequestAtATimeServer(ThreadedWSGIServer):
    """The live server, running one request at a time when the tests' database is SQLite.

    With SQLite the live server's threads and the test share one in-memory
    connection (Django's LiveServerThread), so two requests at once (the page
    Stripe returns the browser to, and the fake Stripe's webhook about the same
    payment) interleave their transactions on it and one fails with "no such
    savepoint". Each connection keeps its own thread (a browser's keep-alive
    connection blocks nobody); only the application call and the sending of its
    response are taken in turn. PostgreSQL gives each thread its own connection
    and is served as Django serves it.
    """

    def set_app(self, application: Any) -> None:
        if connections["default"].vendor != "sqlite":
            super().set_app(application)
            return
        lock = threading.Lock()

        def one_at_a_time(environ: dict[str, Any], start_response: Any) -> _ReleasingResponse:
            lock.acquire()
            try:
                return _ReleasingResponse(application(environ, start_response), lock)
            except BaseException:
                lock.release()
                raise

        super().set_app(one_at_a_time)


LiveServerThread.server_class = OneRequestAtATimeServer


@dataclass(frozen=True)
class LiveSite:
    """The live server, with the site's pages in place."""

    base_url: str

    def url(self, path: str = "/") -> str:
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")


@pytest.fixture(scope="session")
def playwright_instance(django_db_setup: None) -> Iterator[Playwright]:
    # Playwright's sync API keeps an event loop in the test thread, which makes
    # Django refuse ORM calls there ("SynchronousOnlyOperation") even though
    # nothing runs concurrently. Tests call the ORM only between browser steps.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # While that loop runs, asgiref gives this thread a second set of database
    # connections (thread-critical locals act as context variables in a thread
    # with a running loop). The test database was set up, and its migrated rows
    # serialized, on the first set: hand the serialized rows to the second, or
    # every live-server test after the first restores nothing and finds no
    # Wagtail site or pages (which is why the browser tests once needed a
    # process of their own).
    serialized = {
        alias: connections[alias]._test_serialized_contents  # type: ignore[attr-defined]
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents  # type: ignore[attr-defined]
        yield playwright
        # Close that second set while the loop still runs (so it is the set `connections` gives):
        # once the loop stops, nothing can reach it, and an open connection keeps the test
        # database from being dropped at the end of the session ("being accessed by other users").
        connections.close_all()


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM_PATH).exists():
        pytest.fail(f"No Chromium at {CHROMIUM_PATH}: run scripts/ensure-chromium.sh (or set CHROMIUM_PATH)")
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def browser_context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(browser_context: BrowserContext) -> Iterator[Page]:
    """A fresh page; a JavaScript error on any page visited fails the test."""
    page = browser_context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    # Anything the Content-Security-Policy blocks is reported on the console: fail on it too.
    page.on(
        "console",
        lambda message: page_errors.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    assert not page_errors, "JavaScript errors or Content-Security-Policy violations on the page:\n" + "\n".join(
        page_errors
    )


@pytest.fixture
def live_site(django_db_serialized_rollback: None, live_server: Any) -> LiveSite:
    """The live server with the database as the migrations left it.

    A live server needs a transactional database, which is emptied after each
    test; serialized rollback restores what the migrations created (the
    Wagtail site, home and directory pages) before each test. The default
    Wagtail site answers whatever host and port the live server uses.
    """
    return LiveSite(base_url=live_server.url)


def _axe_source() -> str:
    for candidate in AXE_CANDIDATES:
        if candidate.exists():
            return candidate.read_text(encoding="utf-8")
    pytest.fail("axe-core is missing: run scripts/build_assets.sh (or npm ci) to fetch it")


def format_violations(violations: list[dict[str, Any]]) -> str:
    """One paragraph per rule: id, impact, what it means and the elements that break it."""
    lines = [f"{len(violations)} accessibility violation(s) found by axe-core:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact') or 'no impact given'}): {violation['help']}")
        lines.append(f"  {violation.get('helpUrl', '')}")
        for node in violation.get("nodes", [])[:10]:
            target = " ".join(str(part) for part in node.get("target", []))
            html = re.sub(r"\s+", " ", node.get("html", ""))[:160]
            lines.append(f"    at {target}: {html}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe_source() -> str:
    return _axe_source()


@pytest.fixture
def axe_check(axe_source: str) -> Callable[..., list[dict[str, Any]]]:
    """Run axe-core on the page as it is now and fail on any violation.

    `axe_check(page)` checks the whole document; `axe_check(page, context="main")`
    only part of it. Returns the (empty) list of violations.
    """

    def check(page: Page, *, context: str | None = None) -> list[dict[str, Any]]:
        # A click that navigates returns once the new address is committed, which can be before the
        # new document is parsed; axe run then sees an empty page (no main, no h1).
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source)  # not a script tag: the Content-Security-Policy would block it
        violations: list[dict[str, Any]] = page.evaluate(
            """async (context) => {
                const results = await window.axe.run(context || document, {resultTypes: ["violations"]});
                return results.violations;
            }""",
            context,
        )
        assert not violations, f"{page.url}\n{format_violations(violations)}"
        return violations

    return check


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """`screenshot(page, "name")` saves a full-page PNG to var/screenshots/ and returns its path."""

    def save(page: Page, name: str) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        test_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
        path = SCREENSHOT_DIR / f"{test_name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
