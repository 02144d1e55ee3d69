"""Starting the fake Stripe from tests: a real process on a free port, and its ``/_fake/`` helpers.

with FakeStripeProcess.start(data_dir) as fake:
    client = fake.client()
    fake.helper("/_fake/advance_time", seconds=3600)
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import stripe

TEST_SECRET_KEY = "sk_test_fakestripe_platform"
STARTUP_TIMEOUT_SECONDS = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Page:
    status: int
    location: str | None
    text: str


@dataclass
class FakeStripeProcess:
    data_dir: Path
    port: int
    arguments: Sequence[str] = ()
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @classmethod
    def start(cls, data_dir: Path, *arguments: str, port: int | None = None) -> "FakeStripeProcess":
        running = cls(data_dir=data_dir, port=port or free_port(), arguments=arguments)
        running.launch()
        return running

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def launch(self) -> None:
        command = [sys.executable, "-m", "fakestripe", "--port", str(self.port), "--data-dir", str(self.data_dir),
                   "--quiet", *self.arguments]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=Path(__file__).resolve().parent.parent, env=dict(os.environ))
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the fake Stripe exited with {self.process.returncode}")
            try:
                self.helper("/_fake/now", method="GET")
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the fake Stripe did not start in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.launch()

    def __enter__(self) -> "FakeStripeProcess":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def client(self, api_key: str = TEST_SECRET_KEY) -> stripe.StripeClient:
        """The real stripe client, pointed at this fake."""
        return stripe.StripeClient(
            api_key,
            base_addresses={"api": self.base_url, "connect": self.base_url, "files": self.base_url},
            max_network_retries=0,
        )

    def helper(self, path: str, *, method: str = "POST", **params: Any) -> dict[str, Any]:
        """Call a ``/_fake/`` helper; a 4xx answer is returned as its Stripe error body."""
        data = urllib.parse.urlencode({key: str(value) for key, value in params.items()}).encode()
        request = urllib.request.Request(self.base_url + path, data=data if method == "POST" else None, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                result: dict[str, Any] = json.loads(response.read())
        except urllib.error.HTTPError as error:
            result = json.loads(error.read())
        return result

    def page(self, url: str, form: dict[str, str] | None = None) -> Page:
        """GET (or POST a form to) a hosted page, without following its redirect."""
        opener = urllib.request.build_opener(_NoRedirects)
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with opener.open(urllib.request.Request(url, data=data), timeout=10) as response:
                return Page(response.status, response.headers.get("Location"), response.read().decode())
        except urllib.error.HTTPError as error:
            return Page(error.code, error.headers.get("Location"), error.read().decode())
