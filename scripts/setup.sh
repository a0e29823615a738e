#!/usr/bin/env bash
# Set up a virtual environment with geo_outreach and its pinned dependencies.
# Idempotent: re-running only installs what changed. Works offline except for the
# package registries (PyPI, npm, Debian).
#
# Usage: scripts/setup.sh [--dev] [--system]
#   --dev      also the test tools (pytest, hypothesis, reference libraries spopt/access) and
#              the [scale] extra (dask, distributed, dask-geopandas) so the cluster tests run
#   --system   also the Debian packages the tests use (needs root / apt): chromium (browser
#              tests), poppler-utils (PDF exports read back), postgresql + postgis (visit log)
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
SYSTEM=0
for arg in "$@"; do
    case "$arg" in
        --dev) DEV=1 ;;
        --system|--browser) SYSTEM=1 ;;
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
[[ $DEV == 1 ]] && extras="app,dev,scale"
stamp=".venv/.geo_outreach-installed-$extras"
hash=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
if [[ ! -f $stamp || "$(cat "$stamp")" != "$hash" ]]; then
    echo "installing geo_outreach[$extras] with pinned versions (constraints.txt)"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[$extras]"
    echo "$hash" > "$stamp"
fi

# compiled translations (optional: geo_outreach.i18n compiles a .po in memory when its .mo is
# missing or older, so a fresh clone works without this step)
PYTHON=.venv/bin/python bash scripts/i18n.sh compile >/dev/null || echo "warning: could not compile the translations; they are compiled on first use" >&2

# Leaflet and friends for offline maps, from the npm registry (git-ignored folder)
if command -v npm >/dev/null 2>&1; then
    bash scripts/fetch_assets.sh >/dev/null || echo "warning: could not fetch map assets; maps need internet" >&2
else
    echo "warning: npm not found; maps will load Leaflet from the internet (apt-get install npm)" >&2
fi

if [[ $SYSTEM == 1 ]]; then
    # shellcheck source=scripts/postgres_test_server.sh
    source scripts/postgres_test_server.sh
    missing=()
    [[ -x /usr/bin/chromium ]] || missing+=(chromium)
    command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
    if ! postgres_bin_dir >/dev/null || ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
        missing+=(postgresql postgresql-15-postgis-3)
    fi
    if (( ${#missing[@]} )); then
        if [[ $(id -u) == 0 ]]; then
            echo "installing Debian packages for the tests: ${missing[*]}"
            (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
                || echo "warning: could not install ${missing[*]}; the tests that need them will be skipped" >&2
            # Debian starts a cluster on port 5432; the tests start their own on a free port
            if command -v pg_ctlcluster >/dev/null 2>&1; then pg_ctlcluster 15 main stop >/dev/null 2>&1 || true; fi
        else
            echo "warning: missing ${missing[*]} and not root; the tests that need them will be skipped" >&2
        fi
    fi
fi
