#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium for the browser tests
# (Playwright's own browser download does not work on these machines).
set -euo pipefail

if [[ -x /usr/bin/chromium ]]; then
    exit 0
fi
"$(dirname "$0")/apt-install.sh" chromium fonts-liberation
/usr/bin/chromium --version
