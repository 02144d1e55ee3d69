#!/usr/bin/env bash
# Make a fresh clone ready to run: the uv bootstrap venv, the locked Python
# environment (with the dev group, for tests) and the front-end assets.
# Idempotent: on a machine that already has everything it takes a second or two.
#
#   scripts/bootstrap.sh            # everything
#   BOOTSTRAP_SKIP_ASSETS=1 ...     # Python only
set -euo pipefail

cd "$(dirname "$0")/.."

UV_VERSION="0.13.9"  # keep in step with the uv that wrote uv.lock
PYTHON="${PYTHON:-python3.11}"

say() { printf 'bootstrap: %s\n' "$*"; }

# 1. A small venv holding only uv, so nothing is installed into the system Python.
if [[ ! -x .tools/bin/uv ]] || [[ "$(.tools/bin/uv --version 2>/dev/null | awk '{print $2}')" != "$UV_VERSION" ]]; then
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        say "$PYTHON is needed (the project runs on Python 3.11)" >&2
        exit 1
    fi
    say "installing uv $UV_VERSION into .tools/"
    [[ -x .tools/bin/python ]] || "$PYTHON" -m venv .tools
    .tools/bin/pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi

# 2. The project environment, exactly as locked. uv makes this a no-op when current.
export UV_PYTHON="${UV_PYTHON:-$PYTHON}"
.tools/bin/uv sync --frozen --group dev --quiet

# 3. Front-end assets (GOV.UK Frontend, axe-core) into static/vendor/.
if [[ "${BOOTSTRAP_SKIP_ASSETS:-0}" == "1" ]]; then
    say "skipping front-end assets (BOOTSTRAP_SKIP_ASSETS=1)"
elif [[ -f scripts/build_assets.sh ]]; then
    # Itself idempotent: npm ci only when package-lock.json changed, copies only what differs.
    bash scripts/build_assets.sh
else
    say "scripts/build_assets.sh is missing: front-end assets not built" >&2
fi

# 4. Folders the embedded default writes to (SQLite, media, the Celery filesystem broker).
mkdir -p var/media var/celery/queue var/celery/processed var/celery/control var/screenshots
