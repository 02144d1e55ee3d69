#!/usr/bin/env bash
# Run a command against a throwaway fake Stripe (the project's own, with Connect):
#
#   scripts/with-fakestripe.sh CMD [ARGS...]
#
# Starts `python -m fakestripe` on a free 127.0.0.1 port with its state in a
# temporary directory, waits until it answers, exports
#   STRIPE_API_BASE                the fake's address
#   STRIPE_SECRET_KEY              a fresh sk_test_... key
#   STRIPE_WEBHOOK_SECRET          the platform endpoint's signing secret
#   STRIPE_CONNECT_WEBHOOK_SECRET  the Connect endpoint's signing secret
# and runs CMD. Webhooks are delivered to FAKESTRIPE_WEBHOOK_URL and
# FAKESTRIPE_CONNECT_WEBHOOK_URL when set (signed with those secrets; retried
# while the receiver is down). The fake is stopped and its data removed when
# CMD ends, fails or is interrupted; CMD's exit status is this script's.
# FAKESTRIPE_DATA_DIR keeps the state in that directory instead (not removed).
# See docs/fake-stripe.md.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 64
fi

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
if [[ ! -x "$PYTHON" ]]; then
    echo "with-fakestripe: $PYTHON not found; run 'make bootstrap' first" >&2
    exit 1
fi
say() { printf 'with-fakestripe: %s\n' "$*" >&2; }

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/fakestripe.XXXXXX")"
DATA_DIR="${FAKESTRIPE_DATA_DIR:-$SCRATCH/data}"
FAKE_PID=""

stop_fake() {
    if [[ -n "$FAKE_PID" ]] && kill -0 "$FAKE_PID" 2>/dev/null; then
        kill "$FAKE_PID" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$FAKE_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$FAKE_PID" 2>/dev/null || true
    fi
    rm -rf "$SCRATCH"
}
trap stop_fake EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

random() { "$PYTHON" -c 'import secrets; print(secrets.token_hex(16))'; }
free_port() { "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

export STRIPE_SECRET_KEY="sk_test_$(random)"
export STRIPE_WEBHOOK_SECRET="whsec_$(random)"
export STRIPE_CONNECT_WEBHOOK_SECRET="whsec_$(random)"
ENDPOINTS=()
if [[ -n "${FAKESTRIPE_WEBHOOK_URL:-}" ]]; then
    ENDPOINTS+=(--webhook "$FAKESTRIPE_WEBHOOK_URL=$STRIPE_WEBHOOK_SECRET")
fi
if [[ -n "${FAKESTRIPE_CONNECT_WEBHOOK_URL:-}" ]]; then
    ENDPOINTS+=(--connect-webhook "$FAKESTRIPE_CONNECT_WEBHOOK_URL=$STRIPE_CONNECT_WEBHOOK_SECRET")
fi

# Another process may take the chosen port between choosing and binding: try a few.
for _attempt in 1 2 3 4 5; do
    PORT="$(free_port)"
    (cd "$ROOT" && exec "$PYTHON" -m fakestripe --port "$PORT" --data-dir "$DATA_DIR" --quiet "${ENDPOINTS[@]}") \
        >"$SCRATCH/fakestripe.log" 2>&1 &
    FAKE_PID=$!
    for _ in $(seq 100); do
        if "$PYTHON" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
            "http://127.0.0.1:$PORT/_fake/now" 2>/dev/null; then
            break 2
        fi
        kill -0 "$FAKE_PID" 2>/dev/null || break
        sleep 0.1
    done
    say "could not start on port $PORT; trying another"
    cat "$SCRATCH/fakestripe.log" >&2
    kill "$FAKE_PID" 2>/dev/null || true
    FAKE_PID=""
done
if [[ -z "$FAKE_PID" ]]; then
    say "the fake Stripe did not start"
    exit 1
fi

export STRIPE_API_BASE="http://127.0.0.1:$PORT"
say "fake Stripe on $STRIPE_API_BASE (state in $DATA_DIR)"
set +e
"$@"
STATUS=$?
set -e
exit "$STATUS"
