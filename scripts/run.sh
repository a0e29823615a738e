#!/usr/bin/env bash
# Set up and run geo_outreach on the demo region, offline: build the networks and travel
# times (printing a short summary), then open the dashboard on http://127.0.0.1:8501.
# Options go to `geo-outreach app` (e.g. --port 8600, --region DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/geo-outreach demo
exec .venv/bin/geo-outreach app "$@"
