#!/usr/bin/env bash
# Make sure Debian's faketime is installed: `make test` runs the suite a second
# time with the machine's clock moved ahead (libfaketime, for that process only).
set -euo pipefail

if command -v faketime >/dev/null 2>&1; then
    exit 0
fi
"$(dirname "$0")/apt-install.sh" faketime
faketime --version | head -n 1
