#!/usr/bin/env bash
# The fake Stripe for `make run` (started by scripts/run-dev.sh): keeps its state in
# var/fakestripe, delivers webhooks to the dev server signed with the demo secrets
# the settings default to, then connects a couple of demo providers
# (manage.py payments_demo_accounts). Stops the fake on TERM/INT. See docs/payments.md.
#
#   scripts/dev-fakestripe.sh SITE_URL     # e.g. http://127.0.0.1:8000
set -euo pipefail

cd "$(dirname "$0")/.."
SITE_URL="${1:?usage: $0 SITE_URL}"
PORT="${FAKESTRIPE_PORT:-12111}"
PYTHON=.venv/bin/python
mkdir -p var/fakestripe

"$PYTHON" -m fakestripe --port "$PORT" --data-dir var/fakestripe --quiet \
    --webhook "$SITE_URL/payments/webhooks/stripe/=${STRIPE_WEBHOOK_SECRET:-whsec_fakestripe_demo_platform}" \
    --connect-webhook "$SITE_URL/payments/webhooks/stripe/connect/=${STRIPE_CONNECT_WEBHOOK_SECRET:-whsec_fakestripe_demo_connect}" &
fake=$!
trap 'kill -TERM "$fake" 2>/dev/null || true; wait "$fake" 2>/dev/null || true' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

for _ in $(seq 100); do
    if "$PYTHON" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
        "http://127.0.0.1:$PORT/_fake/now" 2>/dev/null; then
        echo "dev-fakestripe: fake Stripe on http://127.0.0.1:$PORT (demo payments, no real money)"
        # The demo (loaded by `make run` before this script starts) must be in the database, and the site
        # should answer, so the accounts' webhooks are delivered at once rather than retried: wait up to 60 s.
        for _ in $(seq 60); do
            "$PYTHON" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=5)" \
                "$SITE_URL/healthz" 2>/dev/null && break
            sleep 1
        done
        "$PYTHON" manage.py payments_demo_accounts || echo "dev-fakestripe: could not connect the demo providers" >&2
        wait "$fake"
        exit $?
    fi
    kill -0 "$fake" 2>/dev/null || break
    sleep 0.1
done
echo "dev-fakestripe: the fake Stripe did not start on port $PORT (busy? set FAKESTRIPE_PORT); payment pages will say Stripe cannot be reached" >&2
wait "$fake" 2>/dev/null || true
