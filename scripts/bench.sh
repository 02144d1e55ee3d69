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
#
# The Elasticsearch figures come from a local *emulator* (noida-db, started by
# scripts/with-elasticsearch.sh), not from a real Elasticsearch cluster: they
# show the backend's own overhead and behaviour, not production latency.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$(pwd)"
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
export LOG_LEVEL=WARNING

manage() {
    "$UV" run --frozen python manage.py "$@"
}

# Runs in the environment it is given (DATABASE_URL set by the caller).
bench_one() {
    local label="$1"
    local extra_args
    read -r -a extra_args <<<"${BENCH_ARGS:-}"
    echo "== $label: building the demo county at scale $SCALE (seed $SEED)"
    local started=$SECONDS
    manage migrate --no-input -v 0
    manage load_demo_data --scale "$SCALE" --seed "$SEED"
    # Planner statistics and the visibility map (which index-only scans of the
    # covering index need), as PostgreSQL's autovacuum would make them soon
    # after a bulk load. SQLite is left as the embedded default runs it.
    manage shell -c "from django.db import connection
if connection.vendor == 'postgresql':
    connection.cursor().execute('VACUUM ANALYZE')"
    echo "== $label: data ready in $((SECONDS - started)) s; benchmarking"
    manage bench_search --backend database --repeat "$REPEAT" "${extra_args[@]}"
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

export -f bench_one bench_elasticsearch manage
export UV SCALE SEED REPEAT ES_REPEAT
export BENCH_ARGS="${BENCH_ARGS:-}"

(export DATABASE_URL="sqlite:///$SCRATCH/bench.sqlite3"; bench_one "SQLite")

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
