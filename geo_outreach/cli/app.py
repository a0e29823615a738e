"""``geo-outreach app``: start the Streamlit dashboard.

Without accounts it listens on 127.0.0.1 only (single-user mode).  With accounts in the team
database (``geo-outreach users add``) it may listen beyond loopback (``--host 0.0.0.0``) and
asks everyone to sign in; ``--tls-cert``/``--tls-key`` serve HTTPS with Streamlit's own SSL
options.  Stopping this command (Ctrl-C, SIGTERM, SIGHUP) stops its Streamlit process too.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from geo_outreach.cli._common import whole
from geo_outreach.errors import InputError
from geo_outreach.i18n import _

REGION_ENV = "GEO_OUTREACH_APP_REGION"
"""Environment variable the app reads its region from (see ``app/state.py``)."""
DB_ENV = "GEO_OUTREACH_DB_URL"
"""Environment variable of the team database URL (read by the app and the stores)."""
SESSION_ENV = "GEO_OUTREACH_SESSION_S"
"""Environment variable of the sign-in session length in seconds (default 12 h)."""
_STOP_WAIT_S = 10.0


def app_script() -> Path:
    """Path of the dashboard's entry script (``<repo>/app/main.py``)."""
    return Path(__file__).resolve().parents[2] / "app" / "main.py"


def is_loopback(host: str) -> bool:
    """Whether ``host`` only reaches this machine (``127.0.0.0/8``, ``::1``, ``localhost``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def streamlit_command(
    *,
    port: int = 8501,
    host: str = "127.0.0.1",
    tls_cert: str | Path | None = None,
    tls_key: str | Path | None = None,
    python: str | None = None,
) -> list[str]:
    """The ``streamlit run`` command line: headless, static serving on, HTTPS when given."""
    cmd = [
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
        host,
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--client.toolbarMode",
        "minimal",
    ]
    if tls_cert is not None and tls_key is not None:
        cmd += ["--server.sslCertFile", str(tls_cert), "--server.sslKeyFile", str(tls_key)]
    return cmd


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "app",
        help="start the map dashboard in the browser (http://127.0.0.1:PORT)",
        description="Start the Streamlit dashboard (needs the 'app' extra: streamlit). Maps "
        "load their libraries from app/static/vendor (scripts/fetch_assets.sh), so the "
        "dashboard works without internet. Without accounts it runs in single-user mode on "
        "127.0.0.1; with accounts (geo-outreach users add) everyone signs in and --host may "
        "open it to the team (docs/dashboard.md, 'Serving to the team').",
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
        help="port to listen on (default 8501)",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="ADDR",
        help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface, only "
        "once an account exists)",
    )
    parser.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS: certificate (PEM)")
    parser.add_argument("--tls-key", metavar="FILE", help="serve HTTPS: private key (PEM)")
    parser.add_argument(
        "--session-hours",
        type=float,
        default=12.0,
        metavar="H",
        help="sign-in sessions last this long (default 12)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="team database URL (accounts, plans, visit log); default GEO_OUTREACH_DB_URL, "
        "else visits.sqlite in GEO_OUTREACH_HOME",
    )
    parser.set_defaults(func=run)


def _check_tls(cert: str | None, key: str | None) -> tuple[Path | None, Path | None]:
    if (cert is None) != (key is None):
        raise InputError(
            _("--tls-cert and --tls-key go together (the certificate and its private key)"),
            source="--tls-cert" if cert is None else "--tls-key",
        )
    if cert is None or key is None:
        return None, None
    paths = []
    for flag, f in (("--tls-cert", cert), ("--tls-key", key)):
        p = Path(f).expanduser()
        if not p.is_file():
            raise InputError(
                _("{flag} {path}: file not found").format(flag=flag, path=f), source=flag
            )
        paths.append(p.resolve())
    return paths[0], paths[1]


def _accounts_exist(db: str | None) -> bool:
    from geo_outreach.team.accounts import has_accounts
    from geo_outreach.visits.store import open_store

    with open_store(db) as st:
        return has_accounts(st)


def run(args: argparse.Namespace) -> int:
    from geo_outreach.present.assets import require_assets

    if not 0 < args.port < 65536:
        raise InputError(
            _("--port must be 1..65535, got {port}").format(port=args.port), source="--port"
        )
    if not args.session_hours > 0:
        raise InputError(_("--session-hours must be a positive number"), source="--session-hours")
    cert, key = _check_tls(args.tls_cert, args.tls_key)
    host = str(args.host).strip()
    if not is_loopback(host) and not _accounts_exist(args.db):
        raise InputError(
            _(
                "refusing to listen on {host}: no account exists, so anyone who reaches the port "
                "would see every client; create accounts with `geo-outreach users add` first "
                "(or use --host 127.0.0.1)"
            ).format(host=host),
            source="--host",
        )
    script = app_script()
    if not script.is_file():
        raise InputError(
            _(
                "the dashboard is not installed: {script} is missing (run from a source checkout)"
            ).format(script=script),
            source="app",
        )
    require_assets()  # fails with the fetch hint when the offline map libraries are missing
    env = dict(os.environ)
    if args.region:
        region = Path(args.region)
        env[REGION_ENV] = str(region.resolve()) if region.exists() else str(args.region)
    else:
        env.pop(REGION_ENV, None)
    if args.db:
        env[DB_ENV] = args.db
    env[SESSION_ENV] = str(int(args.session_hours * 3600))
    scheme = "https" if cert else "http"
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"{scheme}://{shown}:{args.port}"
    if shown != host:
        line = _("geo_outreach dashboard on {url} (listening on {host}) (Ctrl+C to stop)")
    else:
        line = _("geo_outreach dashboard on {url} (Ctrl+C to stop)")
    print(line.format(url=url, host=host), file=sys.stderr)
    cmd = streamlit_command(port=args.port, host=host, tls_cert=cert, tls_key=key)
    return run_child(cmd, env=env)


def run_child(cmd: list[str], *, env: dict[str, str] | None = None) -> int:
    """Run ``cmd`` until it ends or we are told to stop; stop it with us.

    SIGTERM, SIGHUP and Ctrl-C (SIGINT) are passed on to the child as SIGTERM; it gets
    :data:`_STOP_WAIT_S` seconds to close, then SIGKILL.  Returns the child's exit status
    (130 after Ctrl-C, 128 + N after signal N).
    """
    proc = subprocess.Popen(cmd, env=env)
    got: list[int] = []
    asked_at: list[float] = []

    def _ask_to_stop(signum: int) -> None:
        got.append(signum)
        if not asked_at:
            asked_at.append(time.monotonic())
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGTERM)

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        _ask_to_stop(signum)

    old: dict[int, Any] = {}
    for sig in (signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            old[sig] = signal.signal(sig, _on_signal)
    try:
        while True:
            try:
                rc = proc.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if asked_at and time.monotonic() - asked_at[0] > _STOP_WAIT_S:
                    proc.kill()
            except KeyboardInterrupt:  # pragma: no cover - the handler normally takes SIGINT
                _ask_to_stop(signal.SIGINT)
    finally:
        if proc.poll() is None:  # an unexpected error here: never leave the child behind
            proc.kill()
            proc.wait()
        for sig, handler in old.items():
            signal.signal(sig, handler)
    if got:
        return 130 if got[0] == signal.SIGINT else 128 + int(got[0])
    return rc
