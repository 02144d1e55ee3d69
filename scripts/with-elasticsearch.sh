#!/usr/bin/env bash
# Run a command with a throwaway local Elasticsearch *emulator*:
#
#   scripts/with-elasticsearch.sh CMD [ARGS...]
#
# Starts `noida-db` (a dev dependency: a small server that answers the
# Elasticsearch REST API and reports itself as 8.15; it is not Elasticsearch)
# on a free 127.0.0.1 port with its data in a temporary directory, waits until
# it answers, exports ELASTICSEARCH_URL and runs CMD. The emulator is stopped
# and its data removed when CMD ends, fails or is interrupted. CMD's exit
# status is this script's. See docs/search-elasticsearch.md.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 64
fi

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
if [[ ! -x "$PYTHON" ]]; then
    echo "with-elasticsearch: $PYTHON not found; run '.tools/bin/uv sync' first" >&2
    exit 1
fi
BINARY="$("$PYTHON" -c 'from importlib.resources import files; print(files("noida_db").joinpath("noida-db"))')"
if [[ ! -f "$BINARY" ]]; then
    echo "with-elasticsearch: the noida-db emulator is not installed (uv sync --group dev)" >&2
    exit 1
fi
chmod +x "$BINARY" 2>/dev/null || true

PORT="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/es-emulator.XXXXXX")"
EMULATOR_PID=""

stop_emulator() {
    if [[ -n "$EMULATOR_PID" ]] && kill -0 "$EMULATOR_PID" 2>/dev/null; then
        kill "$EMULATOR_PID" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$EMULATOR_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$EMULATOR_PID" 2>/dev/null || true
    fi
    rm -rf "$SCRATCH"
}
trap stop_emulator EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$BINARY" start --only elasticsearch --host 127.0.0.1 --elasticsearch-port "$PORT" \
    --data-dir "$SCRATCH/data" >"$SCRATCH/emulator.log" 2>&1 &
EMULATOR_PID=$!

URL="http://127.0.0.1:$PORT"
for _ in $(seq 300); do
    if curl -fsS -o /dev/null --max-time 1 "$URL/" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$EMULATOR_PID" 2>/dev/null; then
        echo "with-elasticsearch: the emulator exited:" >&2
        cat "$SCRATCH/emulator.log" >&2
        exit 1
    fi
    sleep 0.1
done
if ! curl -fsS -o /dev/null --max-time 1 "$URL/"; then
    echo "with-elasticsearch: the emulator did not answer on $URL within 30 s" >&2
    cat "$SCRATCH/emulator.log" >&2
    exit 1
fi

export ELASTICSEARCH_URL="$URL"
echo "with-elasticsearch: Elasticsearch emulator (noida-db, reports 8.15) on $URL" >&2
set +e
"$@"
STATUS=$?
set -e
exit "$STATUS"
