"""``geo-outreach app``: start the Streamlit dashboard on this machine (127.0.0.1)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from geo_outreach.cli._common import whole
from geo_outreach.errors import InputError

REGION_ENV = "GEO_OUTREACH_APP_REGION"
"""Environment variable the app reads its region from (see ``app/state.py``)."""


def app_script() -> Path:
    """Path of the dashboard's entry script (``<repo>/app/main.py``)."""
    return Path(__file__).resolve().parents[2] / "app" / "main.py"


def streamlit_command(*, port: int = 8501, python: str | None = None) -> list[str]:
    """The ``streamlit run`` command line: headless, local only, static serving on."""
    return [
        python or sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_script()),
        "--server.enableStaticServing",
        "true",
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--client.toolbarMode",
        "minimal",
    ]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "app",
        help="start the map dashboard in the browser (http://127.0.0.1:PORT)",
        description="Start the Streamlit dashboard (needs the 'app' extra: streamlit). Maps "
        "load their libraries from app/static/vendor (scripts/fetch_assets.sh), so the "
        "dashboard works without internet.",
    )
    parser.add_argument(
        "--region",
        metavar="DIR",
        default=None,
        help="region folder (with region.toml); default: the demo region",
    )
    parser.add_argument(
        "--port",
        type=whole(minimum=1, maximum=65535),
        default=8501,
        metavar="N",
        help="port on 127.0.0.1 (default 8501)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geo_outreach.present.assets import require_assets

    if not 0 < args.port < 65536:
        raise InputError(f"--port must be 1..65535, got {args.port}", source="--port")
    script = app_script()
    if not script.is_file():
        raise InputError(
            f"the dashboard is not installed: {script} is missing (run from a source checkout)",
            source="app",
        )
    require_assets()  # fails with the fetch hint when the offline map libraries are missing
    env = dict(os.environ)
    if args.region:
        region = Path(args.region)
        env[REGION_ENV] = str(region.resolve()) if region.exists() else str(args.region)
    else:
        env.pop(REGION_ENV, None)
    print(
        f"geo_outreach dashboard on http://127.0.0.1:{args.port} (Ctrl+C to stop)", file=sys.stderr
    )
    try:
        return subprocess.call(streamlit_command(port=args.port), env=env)
    except KeyboardInterrupt:
        return 130
