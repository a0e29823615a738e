#!/usr/bin/env bash
# Set up and run geo_outreach on the demo region (offline). Extra arguments go to
# `geo-outreach demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/geo-outreach demo "$@"
