#!/usr/bin/env bash
# Serve the embedded default: the web server in the foreground and a Celery
# worker with embedded beat in the background, on the filesystem broker under
# var/celery, so scheduled jobs (heartbeat, availability reminders, expiry
# sweeps) really run with no broker server. Ctrl-C stops both.
#
# `make run` prepares the database and static files first; this script only serves.
#
#   HOST=0.0.0.0 PORT=8080 scripts/run-dev.sh
#   WEB_SERVER=gunicorn scripts/run-dev.sh     # instead of Django's runserver
#   SCHEDULER_HEARTBEAT_SECONDS=10 scripts/run-dev.sh
#   RUNSERVER_NORELOAD=1 scripts/run-dev.sh    # runserver without reloading on code changes
set -euo pipefail

cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.dev}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
WEB_SERVER="${WEB_SERVER:-runserver}"
BIN=.venv/bin

if [[ ! -x "$BIN/celery" ]]; then
    echo "run-dev: the Python environment is missing; run scripts/bootstrap.sh (or make run) first" >&2
    exit 1
fi

# The filesystem broker needs its folders (settings: CELERY_FILESYSTEM_DIR);
# beat keeps its schedule beside them.
CELERY_DIR="${CELERY_FILESYSTEM_DIR:-var/celery}"
mkdir -p "$CELERY_DIR/queue" "$CELERY_DIR/processed" "$CELERY_DIR/control" var/media

# Demo payments: the project's fake Stripe, unless STRIPE_API_BASE points elsewhere (docs/payments.md).
fake_stripe=""
if [[ -z "${STRIPE_API_BASE:-}" ]]; then
    export STRIPE_API_BASE="http://127.0.0.1:${FAKESTRIPE_PORT:-12111}"
    scripts/dev-fakestripe.sh "http://127.0.0.1:$PORT" &
    fake_stripe=$!
fi

"$BIN/celery" -A config worker --beat --pool=solo --loglevel=info --hostname "embedded@%h" &
worker=$!

stop_worker() {
    trap - EXIT INT TERM
    if kill -0 "$worker" 2>/dev/null; then
        echo "run-dev: stopping the Celery worker ($worker)"
        kill -TERM "$worker" 2>/dev/null || true
        # A warm shutdown finishes the task in hand; do not wait for ever.
        for _ in $(seq 1 30); do
            kill -0 "$worker" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL "$worker" 2>/dev/null || true
    fi
    wait "$worker" 2>/dev/null || true
    if [[ -n "$fake_stripe" ]]; then
        kill -TERM "$fake_stripe" 2>/dev/null || true
        wait "$fake_stripe" 2>/dev/null || true
    fi
}
trap stop_worker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "run-dev: serving on http://$HOST:$PORT/ (Ctrl-C to stop)"
case "$WEB_SERVER" in
    runserver)
        "$BIN/python" manage.py runserver "$HOST:$PORT" ${RUNSERVER_NORELOAD:+--noreload}
        ;;
    gunicorn)
        # Threaded workers with the app preloaded, as in production (config/gunicorn.py).
        WEB_CONCURRENCY="${WEB_CONCURRENCY:-2}" "$BIN/gunicorn" --config config/gunicorn.py config.wsgi:application \
            --bind "$HOST:$PORT"
        ;;
    *)
        echo "run-dev: WEB_SERVER must be runserver or gunicorn, not $WEB_SERVER" >&2
        exit 2
        ;;
esac
