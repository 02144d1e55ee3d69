"""Settings loaded in a fresh Python process, from an environment the test chooses: what a server
started with those variables would see, without changing this process's settings."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_with_settings(
    environment: dict[str, str], program: str, *, leave_out: tuple[str, ...] = ("DJANGO_",)
) -> subprocess.CompletedProcess[str]:
    """`python -c program` in the project, with this process's environment less the variables starting with
    `leave_out`, and then `environment` over it."""
    inherited = {key: value for key, value in os.environ.items() if not key.startswith(leave_out)}
    return subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        env={**inherited, **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )
