"""Start the local Elasticsearch emulator (`noida-db`, a dev dependency) for tests.

It answers the Elasticsearch REST API and reports version 8.15; it is not
Elasticsearch. See docs/search-elasticsearch.md for what it lacks.
"""

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def emulator_binary() -> Path:
    return Path(str(files("noida_db").joinpath("noida-db")))


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def running_emulator() -> Iterator[str]:
    """A fresh emulator on a free 127.0.0.1 port with its data in a temporary directory; yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="es-emulator-") as data_dir:
        log = open(Path(data_dir) / "emulator.log", "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [
                str(emulator_binary()),
                "start",
                "--only",
                "elasticsearch",
                "--host",
                "127.0.0.1",
                "--elasticsearch-port",
                str(port),
                "--data-dir",
                str(Path(data_dir) / "data"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not answers(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    output = (Path(data_dir) / "emulator.log").read_text(errors="replace")
                    raise RuntimeError(f"The Elasticsearch emulator did not start on {url}:\n{output}")
                time.sleep(0.1)
            yield url
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            log.close()
