#!/usr/bin/env bash
# Install Debian packages by name, refreshing the package lists at most once
# (skipped when they were refreshed in the last six hours). Waits for another
# apt or dpkg run to finish rather than failing on its lock.
#
#   scripts/apt-install.sh postgresql chromium
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 PACKAGE..." >&2
    exit 2
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo -n)
    else
        echo "apt-install: installing $* needs root or sudo" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
APT=("${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 -y -q)

lists=/var/lib/apt/lists
if [[ -z "$(find "$lists" -maxdepth 1 -name '*Packages*' -mmin -360 -print -quit 2>/dev/null)" ]]; then
    echo "apt-install: refreshing package lists"
    "${APT[@]}" update
fi
echo "apt-install: installing $*"
"${APT[@]}" install --no-install-recommends "$@"
