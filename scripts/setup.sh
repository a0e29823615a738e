#!/usr/bin/env bash
# Set up a virtual environment with geo_outreach and its pinned dependencies.
# Idempotent: re-running only installs what changed. Works offline except for the
# package registries (PyPI, npm, Debian).
#
# Usage: scripts/setup.sh [--dev] [--browser]
#   --dev      also the test tools (pytest, hypothesis, reference libraries spopt/access)
#   --browser  also Debian's chromium for the browser tests (needs root / apt)
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
BROWSER=0
for arg in "$@"; do
    case "$arg" in
        --dev) DEV=1 ;;
        --browser) BROWSER=1 ;;
        *) echo "unknown option: $arg" >&2; exit 2 ;;
    esac
done

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "error: geo_outreach needs Python >= 3.11 (found $("$PYTHON" --version))" >&2
    exit 2
fi
if [[ ! -x .venv/bin/python ]]; then
    echo "creating .venv"
    "$PYTHON" -m venv .venv
fi

extras="app"
[[ $DEV == 1 ]] && extras="app,dev"
stamp=".venv/.geo_outreach-installed-$extras"
hash=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
if [[ ! -f $stamp || "$(cat "$stamp")" != "$hash" ]]; then
    echo "installing geo_outreach[$extras] with pinned versions (constraints.txt)"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[$extras]"
    echo "$hash" > "$stamp"
fi

# Leaflet and friends for offline maps, from the npm registry (git-ignored folder)
if command -v npm >/dev/null 2>&1; then
    bash scripts/fetch_assets.sh >/dev/null || echo "warning: could not fetch map assets; maps need internet" >&2
else
    echo "warning: npm not found; maps will load Leaflet from the internet (apt-get install npm)" >&2
fi

if [[ $BROWSER == 1 && ! -x /usr/bin/chromium ]]; then
    if [[ $(id -u) == 0 ]]; then
        echo "installing Debian chromium for browser tests"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
            || echo "warning: could not install chromium; browser tests will be skipped" >&2
    else
        echo "warning: /usr/bin/chromium missing and not root; browser tests will be skipped" >&2
    fi
fi
