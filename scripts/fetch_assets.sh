#!/usr/bin/env bash
# Download the JavaScript/CSS libraries that folium maps need (Leaflet, jQuery,
# Bootstrap, Font Awesome, awesome-markers, d3 for branca legends) from the npm
# registry with `npm pack`, so maps render without internet.
#
# The package list lives in geo_outreach/present/assets.py (ASSETS); this script
# only calls it. Files go to $GEO_OUTREACH_ASSETS, default app/static/vendor/
# (git-ignored). Idempotent: packages already present are skipped; pass --force
# to download again. Licenses (LICENSE*, package.json) are kept with each package.
#
# Usage: scripts/fetch_assets.sh [--dest DIR] [--force] [--no-prune]
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -x .venv/bin/python ]]; then PY=.venv/bin/python; else PY=${PYTHON:-python3}; fi
if ! command -v npm >/dev/null 2>&1; then
    echo "error: npm not found; install Node.js/npm (Debian: apt-get install npm)" >&2
    exit 2
fi
exec "$PY" -m geo_outreach.present.assets fetch "$@"
