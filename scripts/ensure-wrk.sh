#!/usr/bin/env bash
# Make sure Debian's wrk is installed: `make bench` puts a bounded HTTP load on
# the site's pages with it (search/management/commands/bench_pages.py).
set -euo pipefail

if command -v wrk >/dev/null 2>&1; then
    exit 0
fi
"$(dirname "$0")/apt-install.sh" wrk
wrk --version 2>&1 | head -n 1 || true
