#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server.
#
#   scripts/with-postgres.sh CMD [ARGS...]
#
# If DATABASE_URL is already set, CMD simply runs with it. Otherwise this
# installs PostgreSQL from Debian when it is missing, creates a cluster in a
# temporary directory owned by an unprivileged user (PostgreSQL refuses to run
# as root), listens on 127.0.0.1 on a free port only, turns durability off for
# speed (the data is thrown away), exports DATABASE_URL, runs CMD, then stops
# the server and deletes the cluster, also on failure or Ctrl-C. Exits with
# CMD's status. Several copies can run side by side: each picks its own port.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 2
fi

if [[ -n "${DATABASE_URL:-}" ]]; then
    exec "$@"
fi

SCRIPTS="$(cd "$(dirname "$0")" && pwd)"
say() { printf 'with-postgres: %s\n' "$*" >&2; }

find_bindir() {
    local candidate
    # Newest installed major version first.
    for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then
            echo "$candidate"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v initdb)")"
        return 0
    fi
    return 1
}

BINDIR="$(find_bindir || true)"
if [[ -z "$BINDIR" ]]; then
    "$SCRIPTS/apt-install.sh" postgresql
    BINDIR="$(find_bindir)"
fi

# PostgreSQL will not run as root: run it as an unprivileged user.
RUN_AS=()
if [[ "$(id -u)" -eq 0 ]]; then
    if ! id pgrunner >/dev/null 2>&1; then
        # Another copy of this script may be creating the user at the same moment.
        useradd --system --no-create-home --shell /usr/sbin/nologin pgrunner 2>/dev/null || id pgrunner >/dev/null
    fi
    RUN_AS=(runuser -u pgrunner --)
fi

CLUSTER="$(mktemp -d "${TMPDIR:-/tmp}/with-postgres.XXXXXX")"
chmod 755 "$CLUSTER"
[[ ${#RUN_AS[@]} -gt 0 ]] && chown pgrunner "$CLUSTER"
DATA="$CLUSTER/data"
LOG="$CLUSTER/server.log"
PORT=""

as_pg() { (cd "$CLUSTER" && "${RUN_AS[@]}" "$@"); }

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$PORT" ]] && [[ -f "$DATA/postmaster.pid" ]]; then
        as_pg "$BINDIR/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$CLUSTER"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

as_pg "$BINDIR/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --no-locale --no-sync >/dev/null

# Another process may take the chosen port between choosing and binding: try a few.
started=0
for _attempt in 1 2 3 4 5; do
    PORT="$(free_port)"
    if as_pg "$BINDIR/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 -o "-h 127.0.0.1 -p $PORT -k $CLUSTER \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50" start >/dev/null; then
        started=1
        break
    fi
    say "could not start on port $PORT; trying another"
done
if [[ "$started" -ne 1 ]]; then
    say "PostgreSQL did not start; its log follows"
    cat "$LOG" >&2 || true
    exit 1
fi

DBNAME="app"
as_pg "$BINDIR/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DBNAME"
export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/$DBNAME"
say "PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (data in $CLUSTER)"

set +e
"$@"
status=$?
set -e
exit "$status"
