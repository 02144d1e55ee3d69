#!/usr/bin/env bash
# Serve a throwaway copy of the demo county and send it the hostile-input suite from outside:
#
#   scripts/hostile-outside-serve.sh sqlite      # Django's runserver on SQLite, as `make run`
#   scripts/hostile-outside-serve.sh postgres    # gunicorn on a throwaway PostgreSQL
#
# Each prepares its own database (migrate, load_demo_data), its own broker
# folder and a free port, starts the site with a Celery worker and beat
# (scripts/run-dev.sh), runs scripts/hostile-outside.sh against it, prints its
# figures, then stops what it started and removes the scratch files. Exit
# status 1 if any answer was 500 or more.
set -euo pipefail

MODE="${1:-}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

if [[ "$MODE" == "postgres" && -z "${DATABASE_URL:-}" ]]; then
    exec scripts/with-postgres.sh "$0" postgres
fi
if [[ "$MODE" != "sqlite" && "$MODE" != "postgres" ]]; then
    echo "usage: $0 sqlite|postgres" >&2
    exit 64
fi

export DJANGO_SETTINGS_MODULE=config.settings.dev
SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/hostile-outside.XXXXXX")"
export CELERY_FILESYSTEM_DIR="$SCRATCH/celery"
export PRIVATE_MEDIA_ROOT="$SCRATCH/private"
if [[ "$MODE" == "sqlite" ]]; then
    export DATABASE_URL="sqlite:///$SCRATCH/db.sqlite3"
    WEB_SERVER=runserver
else
    WEB_SERVER=gunicorn
fi
PORT="$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
SERVER=""

stop_server() {
    if [[ -n "$SERVER" ]] && kill -0 "$SERVER" 2>/dev/null; then
        # run-dev.sh runs in its own process group: stop the web server and its Celery worker together.
        kill -TERM -- "-$SERVER" 2>/dev/null || true
        for _ in $(seq 1 40); do
            kill -0 "$SERVER" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL -- "-$SERVER" 2>/dev/null || true
    fi
    rm -rf "$SCRATCH"
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "hostile-outside-serve: preparing the demo county on $MODE" >&2
.venv/bin/python manage.py migrate --no-input -v 0
.venv/bin/python manage.py load_demo_data --if-empty >/dev/null 2>&1
.venv/bin/python manage.py collectstatic --no-input -v 0

# No reloading: an edit to the code while it runs must not drop the requests in flight.
PORT="$PORT" WEB_SERVER="$WEB_SERVER" RUNSERVER_NORELOAD=1 setsid scripts/run-dev.sh >"$SCRATCH/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/healthz" 2>/dev/null; then
        break
    fi
    sleep 1
done
echo "hostile-outside-serve: $WEB_SERVER on $MODE at http://127.0.0.1:$PORT/" >&2
set +e
scripts/hostile-outside.sh "http://127.0.0.1:$PORT"
STATUS=$?
set -e
if [[ $STATUS -ne 0 ]]; then
    echo "hostile-outside-serve: the server's log (last 80 lines):" >&2
    tail -n 80 "$SCRATCH/server.log" >&2
fi
exit "$STATUS"
