#!/usr/bin/env bash
# Set up (venv, pinned deps, map assets, chromium) and run the whole test suite.
# Extra arguments go to pytest, e.g. scripts/test.sh -k region -x
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev --system
export MPLBACKEND=Agg
exec .venv/bin/python -m pytest "$@"
