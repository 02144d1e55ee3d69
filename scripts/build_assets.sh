#!/usr/bin/env bash
# Front-end assets from npm into static/vendor/ (gitignored), for collectstatic:
#
#   static/vendor/govuk-frontend/  GOV.UK Frontend: CSS, JS and assets (fonts, images, manifest)
#   static/vendor/axe/             axe-core, which the browser tests inject into pages
#   static/vendor/swagger-ui/      Swagger UI for the Open Referral UK API documentation
#
# Idempotent: `npm ci` runs only when package-lock.json has changed since the
# last install, and files are copied only when they differ, so a second run
# takes well under a second. Works from a bare checkout holding only
# package.json, package-lock.json and this script (the Dockerfile's assets stage).
set -euo pipefail

cd "$(dirname "$0")/.."

say() { printf 'build_assets: %s\n' "$*"; }

VENDOR=static/vendor
GOVUK=node_modules/govuk-frontend/dist/govuk

# 1. node_modules exactly as locked, reinstalled only when the lock file changes.
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
lock_stamp=node_modules/.installed-from-package-lock
if [[ ! -f "$lock_stamp" ]] || [[ "$(cat "$lock_stamp")" != "$lock_sum" ]]; then
    say "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    printf '%s\n' "$lock_sum" >"$lock_stamp"
fi

# Copy a file only when it differs; write beside the target and rename, so a
# test or server reading the file meanwhile never sees half of it.
put() {
    local source="$1" target="$2"
    if [[ ! -f "$source" ]]; then
        say "missing $source: is package-lock.json in step with package.json?" >&2
        exit 1
    fi
    if ! cmp -s "$source" "$target" 2>/dev/null; then
        mkdir -p "$(dirname "$target")"
        cp "$source" "$target.tmp.$$"
        chmod 644 "$target.tmp.$$"
        mv -f "$target.tmp.$$" "$target"
    fi
}

# Copy without the trailing source map comment. The maps are not shipped, and
# collectstatic's manifest storage fails on a sourceMappingURL to a missing file.
put_without_source_map() {
    local source="$1" target="$2" scratch
    scratch="$(mktemp)"
    sed -E 's@/[/*]# sourceMappingURL=[^ ]+( \*/)?@@' "$source" >"$scratch"
    put "$scratch" "$target"
    rm -f "$scratch"
}

# 2. GOV.UK Frontend.
#
# The precompiled stylesheet is made for services on GOV.UK. A council's
# service must not use the GDS Transport typeface (its licence covers GOV.UK
# only), so the font faces are dropped and text falls back to Arial, as the
# Design System advises for services outside GOV.UK; this also saves about
# 65 KB of fonts on every first visit. Asset URLs are made relative to the
# stylesheet so they resolve under STATIC_URL (collectstatic then fingerprints them).
css_scratch="$(mktemp)"
sed -E \
    -e 's|@font-face\{font-family:GDS Transport;[^}]*\}||g' \
    -e 's|font-family:GDS Transport,|font-family:|g' \
    -e 's|url\(/assets/|url(assets/|g' \
    -e 's|/\*# sourceMappingURL=[^ ]+ \*/||' \
    "$GOVUK/govuk-frontend.min.css" >"$css_scratch"
if grep -q 'GDS Transport' "$css_scratch" || grep -q 'url(/assets/' "$css_scratch"; then
    say "GOV.UK Frontend's stylesheet changed shape: update the font and asset rewrites in $0" >&2
    rm -f "$css_scratch"
    exit 1
fi
put "$css_scratch" "$VENDOR/govuk-frontend/govuk-frontend.min.css"
rm -f "$css_scratch"

put_without_source_map "$GOVUK/govuk-frontend.min.js" "$VENDOR/govuk-frontend/govuk-frontend.min.js"
while IFS= read -r -d '' asset; do
    put "$asset" "$VENDOR/govuk-frontend/assets/${asset#"$GOVUK/assets/"}"
done < <(find "$GOVUK/assets" -type f -print0)

# 3. axe-core for the accessibility checks in tests/browser/.
put node_modules/axe-core/axe.min.js "$VENDOR/axe/axe.min.js"

# 4. Swagger UI for the API documentation page.
put_without_source_map node_modules/swagger-ui-dist/swagger-ui.css "$VENDOR/swagger-ui/swagger-ui.css"
put_without_source_map node_modules/swagger-ui-dist/swagger-ui-bundle.js "$VENDOR/swagger-ui/swagger-ui-bundle.js"

say "static/vendor is up to date"
