#!/usr/bin/env bash
# `make bench`: the directory search benchmark on a scratch copy of the demo
# county scaled up ten times, first on SQLite, then on PostgreSQL when
# scripts/with-postgres.sh can start a throwaway server.
#
# Nothing here touches var/ or your own database: everything lives in a
# temporary directory that is removed on exit.
#
#   scripts/bench.sh                 scale 10, 20 timed runs per search
#   BENCH_SCALE=1 BENCH_REPEAT=5 scripts/bench.sh
#   BENCH_ARGS="--json" scripts/bench.sh
#   BENCH_ELASTICSEARCH=0 scripts/bench.sh   skip the Elasticsearch run
#   BENCH_ES_REPEAT=20 scripts/bench.sh      timed runs per search on Elasticsearch (default 5:
#                                            the emulator's text queries take seconds at scale 10)
#   BENCH_SQLITE=0 scripts/bench.sh          skip the SQLite run (the Elasticsearch run reads its data)
#   BENCH_HTTP=0 scripts/bench.sh            skip the whole-page HTTP loads (SQLite and PostgreSQL)
#   BENCH_HTTP_SECONDS=10 scripts/bench.sh   seconds of wrk load per page (default 5, at most 10)
#   BENCH_DATABASE_URL=postgres://... scripts/bench.sh
#                                            benchmark a demo county already built there (say at
#                                            scale 100, which takes long to build): no build, no
#                                            SQLite or Elasticsearch run; the database is only read
#
# After each search benchmark, the same data is served by gunicorn
# (config/gunicorn.py; the production settings on PostgreSQL, the embedded ones
# with DEBUG off on SQLite) and every page in docs/benchmarks.md gets a short
# wrk load beside the floor (bench_pages).
#
# The Elasticsearch figures come from a local *emulator* (noida-db, started by
# scripts/with-elasticsearch.sh), not from a real Elasticsearch cluster: they
# show the backend's own overhead and behaviour, not production latency.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$(pwd)"
# What `make bench` prepares, so running this script alone in a fresh clone measures the same pages:
# without the front-end assets every page that links them answers 500 (a missing manifest entry).
scripts/bootstrap.sh
scripts/ensure-wrk.sh
UV="${UV:-$ROOT/.tools/bin/uv}"
command -v "$UV" >/dev/null 2>&1 || UV=uv
SCALE="${BENCH_SCALE:-10}"
SEED="${BENCH_SEED:-2026}"
REPEAT="${BENCH_REPEAT:-20}"
ES_REPEAT="${BENCH_ES_REPEAT:-5}"

# Never benchmark against a database that happens to be configured in the shell.
unset DATABASE_URL

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/care-bench.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT

# The embedded settings, with debugging off (Django keeps every query in
# memory when DEBUG is on, which would distort the timings), tasks run in
# process (no broker files written), and media in the scratch directory.
export DJANGO_SETTINGS_MODULE=config.settings.dev
export DJANGO_DEBUG=false
export SEARCH_BACKEND=database
export CELERY_TASK_ALWAYS_EAGER=true
export MEDIA_ROOT="$SCRATCH/media"
# Vetting evidence and other private files too: never into the repository's var/private.
export PRIVATE_MEDIA_ROOT="$SCRATCH/private"
export LOG_LEVEL=WARNING

manage() {
    "$UV" run --frozen python manage.py "$@"
}

# Print one Python expression evaluated with the settings loaded (`settings` is in scope).
django_eval() {
    "$UV" run --frozen python -c "import django; django.setup()
from django.conf import settings
print($1)"
}

# Runs in the environment it is given (DATABASE_URL set by the caller).
bench_one() {
    local label="$1"
    local extra_args
    read -r -a extra_args <<<"${BENCH_ARGS:-}"
    if [[ "${BENCH_BUILD:-1}" != "0" ]]; then
        echo "== $label: building the demo county at scale $SCALE (seed $SEED)"
        local started=$SECONDS
        manage migrate --no-input -v 0
        manage load_demo_data --scale "$SCALE" --seed "$SEED"
        # The visibility map (which index-only scans of the covering index need),
        # as PostgreSQL's autovacuum would make it soon after a bulk load; the
        # loader has already made both engines' planner statistics (ANALYZE).
        # SQLite is left as the embedded default runs it.
        manage shell -c "from django.db import connection
if connection.vendor == 'postgresql':
    connection.cursor().execute('VACUUM')"
        echo "== $label: data ready in $((SECONDS - started)) s; benchmarking"
    else
        echo "== $label: $(manage shell -v 0 -c "from marketplace.providers.models import Provider
print(f'{Provider.objects.count():,} listings, {Provider.objects.published().count():,} published')") already built; benchmarking"
    fi
    manage bench_search --backend database --repeat "$REPEAT" "${extra_args[@]}"
    if [[ "${BENCH_HTTP:-1}" != "0" ]]; then
        bench_http "$label"
    fi
}

# Whole pages over HTTP: gunicorn with the production settings (DEBUG off,
# threaded workers from config/gunicorn.py) serving the data just built, and
# a bounded wrk load on the floor and each page (bench_pages). Production
# refuses SQLite, so the embedded default is served with its own settings,
# DEBUG off, by the same gunicorn.
bench_http() {
    local label="$1"
    local settings_module=config.settings.production
    if [[ "$DATABASE_URL" == sqlite* ]]; then
        settings_module=config.settings.dev
    fi
    local port
    port="$("$UV" run --frozen python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    # One key for the server and bench_pages, so the session bench_pages stores (a visitor with a
    # shortlist) is one the server can read; the field keys stay those the data was written with.
    local secret="bench-only-$RANDOM$RANDOM-not-a-secret"
    local field_keys
    field_keys="$(django_eval 'settings.FIELD_ENCRYPTION_KEYS[0]')"
    local -a serving=(
        env DJANGO_SETTINGS_MODULE="$settings_module" DJANGO_DEBUG=false
        DJANGO_SECRET_KEY="$secret"
        FIELD_ENCRYPTION_KEYS="$field_keys"
        DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost,testserver
        DJANGO_SECURE_SSL_REDIRECT=false
        CELERY_BROKER_URL=memory://
        OPENREFERRAL_RATE_LIMIT_PER_MINUTE=0
        WEB_CONCURRENCY="${BENCH_WORKERS:-2}" GUNICORN_THREADS="${BENCH_THREADS:-4}"
        GUNICORN_BIND="127.0.0.1:$port" GUNICORN_ACCESS_LOG= GUNICORN_MAX_REQUESTS=0
    )
    echo "== $label: serving with gunicorn ($settings_module, ${BENCH_WORKERS:-2} workers x ${BENCH_THREADS:-4} threads) on port $port"
    "${serving[@]}" "$UV" run --frozen python manage.py collectstatic --no-input -v 0
    "${serving[@]}" "$ROOT/.venv/bin/gunicorn" --config config/gunicorn.py config.wsgi:application \
        >"$SCRATCH/gunicorn.log" 2>&1 &
    local server=$!
    local ready=""
    for _ in $(seq 1 120); do
        if curl -fs -o /dev/null "http://127.0.0.1:$port/openreferral/"; then ready=1; break; fi
        sleep 1
    done
    if [[ -z "$ready" ]]; then
        echo "== $label: the server did not start:" >&2
        cat "$SCRATCH/gunicorn.log" >&2
        kill "$server" 2>/dev/null || true
        return 1
    fi
    local static_path
    static_path="$("${serving[@]}" "$UV" run --frozen python -c 'import django; django.setup()
from django.contrib.staticfiles.storage import staticfiles_storage
print(staticfiles_storage.url("css/site.css"))')"
    echo "== $label: HTTP load, ${BENCH_HTTP_SECONDS:-5} s a page (wrk -t2 -c8), $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
    DJANGO_SECRET_KEY="$secret" FIELD_ENCRYPTION_KEYS="$field_keys" OPENREFERRAL_RATE_LIMIT_PER_MINUTE=0 \
        manage bench_pages --base-url "http://127.0.0.1:$port" \
        --duration "${BENCH_HTTP_SECONDS:-5}" --static-path "$static_path" || true
    DJANGO_SECRET_KEY="$secret" FIELD_ENCRYPTION_KEYS="$field_keys" \
        manage bench_dashboard --base-url "http://127.0.0.1:$port" || true
    echo "== $label: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
    # What the server logged (no access log: its start, and any error a page answered).
    echo "== $label: the server's log, last 30 lines:"
    tail -n 30 "$SCRATCH/gunicorn.log"
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
}

# Runs with ELASTICSEARCH_URL set by with-elasticsearch.sh, on the SQLite data built above.
bench_elasticsearch() {
    local extra_args
    read -r -a extra_args <<<"${BENCH_ARGS:-}"
    echo "== Elasticsearch (EMULATOR: noida-db, not a real cluster): full reindex of the SQLite data"
    manage search_reindex --no-progress
    echo "== Elasticsearch (EMULATOR): benchmarking; the page of rows is still read from SQLite"
    SEARCH_BACKEND=elasticsearch manage bench_search --backend elasticsearch --repeat "$ES_REPEAT" "${extra_args[@]}"
}

export -f bench_one bench_http bench_elasticsearch manage django_eval
export UV ROOT SCRATCH SCALE SEED REPEAT ES_REPEAT
export BENCH_ARGS="${BENCH_ARGS:-}"

if [[ -n "${BENCH_DATABASE_URL:-}" ]]; then
    export BENCH_BUILD=0
    (export DATABASE_URL="$BENCH_DATABASE_URL"; bench_one "Existing database")
    exit 0
fi

if [[ "${BENCH_SQLITE:-1}" != "0" ]]; then
    (export DATABASE_URL="sqlite:///$SCRATCH/bench.sqlite3"; bench_one "SQLite")
else
    echo "== SQLite: skipped"
fi

if [[ -x scripts/with-postgres.sh ]]; then
    # with-postgres.sh starts a throwaway PostgreSQL, sets DATABASE_URL and runs the command.
    scripts/with-postgres.sh bash -c 'set -euo pipefail; bench_one "PostgreSQL"'
else
    echo "== PostgreSQL: skipped (scripts/with-postgres.sh is not available)"
fi

if [[ "${BENCH_ELASTICSEARCH:-1}" != "0" && -x scripts/with-elasticsearch.sh ]]; then
    # A generous timeout: the benchmark measures the backend, it does not test the fallback.
    (
        export DATABASE_URL="sqlite:///$SCRATCH/bench.sqlite3"
        export ELASTICSEARCH_TIMEOUT=30
        export ELASTICSEARCH_INDEX=bench-providers
        scripts/with-elasticsearch.sh bash -c 'set -euo pipefail; bench_elasticsearch'
    ) || echo "== Elasticsearch: did not complete (the emulator cannot answer some searches in time at this scale; see docs/search-elasticsearch.md)"
else
    echo "== Elasticsearch: skipped"
fi
