"""``geo-outreach app``: loopback unless accounts exist, HTTPS, and its Streamlit child stops
with it (real processes and sockets)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
psutil = pytest.importorskip("psutil")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            return False
        return True


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GEO_OUTREACH_HOME": str(home)}
    env.pop("GEO_OUTREACH_DB_URL", None)
    return env


def _cli(*args: str, env: dict[str, str], stdin: str | None = None):
    return subprocess.run(
        [sys.executable, "-m", "geo_outreach", *args],
        env=env, input=stdin, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_refuses_to_listen_beyond_loopback_without_accounts(tmp_path):
    env = _env(tmp_path / "home")
    r = _cli("app", "--host", "0.0.0.0", "--port", str(_free_port()), env=env)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "no account exists" in r.stderr
    assert "geo-outreach users add" in r.stderr
    # a disabled account does not count
    assert _cli("users", "add", "ana", "--role", "manager", "--password-stdin",
                env=env, stdin="long enough\n").returncode == 0  # fmt: skip
    assert _cli("users", "disable", "ana", env=env).returncode == 0
    r = _cli("app", "--host", "0.0.0.0", env=env)
    assert r.returncode == 2 and "no account exists" in r.stderr


def test_tls_options_go_together(tmp_path):
    env = _env(tmp_path / "home")
    r = _cli("app", "--tls-cert", str(tmp_path / "c.pem"), env=env)
    assert r.returncode == 2 and "go together" in r.stderr
    r = _cli("app", "--tls-cert", str(tmp_path / "c.pem"), "--tls-key", str(tmp_path / "k.pem"),
             env=env)  # fmt: skip
    assert r.returncode == 2 and "file not found" in r.stderr


def _start(args: list[str], env: dict[str, str], url: str, context=None) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "geo_outreach", "app", *args],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"app ended: {proc.stderr.read().decode()}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2, context=context) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail("the app did not answer in 90 s")


def _children(proc: subprocess.Popen) -> list:
    kids = psutil.Process(proc.pid).children(recursive=True)
    assert kids, "geo-outreach app should run Streamlit as a child process"
    return kids


def _assert_stopped(proc: subprocess.Popen, kids: list, port: int) -> None:
    proc.wait(30)
    _gone, alive = psutil.wait_procs(kids, timeout=15)
    assert not alive, f"Streamlit child still running: {alive}"
    deadline = time.time() + 10
    while not _port_free(port) and time.time() < deadline:
        time.sleep(0.2)
    assert _port_free(port), f"port {port} still taken"


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_command_stops_streamlit_and_frees_the_port(tmp_path, sig):
    port = _free_port()
    proc = _start(["--port", str(port)], _env(tmp_path / "home"), f"http://127.0.0.1:{port}")
    kids = _children(proc)
    proc.send_signal(sig)
    _assert_stopped(proc, kids, port)
    assert proc.returncode == (130 if sig == signal.SIGINT else 128 + sig)


@pytest.mark.slow
def test_https_with_a_self_signed_certificate_on_all_interfaces(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    env = _env(tmp_path / "home")
    assert _cli("users", "add", "maria", "--role", "manager", "--password-stdin",
                env=env, stdin="long enough\n").returncode == 0  # fmt: skip
    port = _free_port()
    ctx = ssl.create_default_context(cafile=str(cert))
    args = ["--host", "0.0.0.0", "--port", str(port), "--tls-cert", str(cert),
            "--tls-key", str(key)]  # fmt: skip
    proc = _start(args, env, f"https://127.0.0.1:{port}", context=ctx)
    try:
        with urllib.request.urlopen(f"https://127.0.0.1:{port}/", timeout=10, context=ctx) as r:
            assert r.status == 200 and b"<html" in r.read().lower()
        with pytest.raises(OSError):  # plain HTTP is not served
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5).read()
    finally:
        kids = _children(proc)
        proc.terminate()
        _assert_stopped(proc, kids, port)
