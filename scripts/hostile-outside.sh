#!/usr/bin/env bash
# Send the hostile-input suite to a running server from outside, over HTTP:
#
#   scripts/hostile-outside.sh http://127.0.0.1:8000
#
# The server must have the demo county loaded (make run does it) and this
# shell must reach the same database (the same DATABASE_URL, or the default
# SQLite file in var/), where the suite reads the real ids to put in URLs.
# It signs in with the demo accounts, sends about 3,000 hostile requests as
# five roles and prints how many, how many answered 500 or more (each listed)
# and how long it took. Exit status 1 if any answer was 500 or more.
# Use a throwaway copy of the demo data: some hostile forms are valid enough
# to save. See docs/reliability.md, "Hostile input from outside".
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 BASE_URL [--seed N]" >&2
    exit 64
fi
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.dev}"
BASE_URL="$1"
shift
exec .venv/bin/python -m tests.hostile_outside --base-url "$BASE_URL" "$@"
