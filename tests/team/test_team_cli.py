"""``geo-outreach users`` and ``geo-outreach plans``: real processes, --db on SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, stdin: str | None = None, db: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "geo_outreach", *args, "--db", db],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'team.sqlite'}"


def test_users_add_list_disable_password(db):
    r = cli("users", "add", "ana", "--role", "worker", "--worker-id", "ow_ana",
            "--password-stdin", stdin="s3cret pass\n", db=db)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "s3cret" not in r.stdout + r.stderr
    r = cli("users", "add", "ana", "--role", "manager", "--password-stdin",
            stdin="s3cret pass\n", db=db)  # fmt: skip
    assert r.returncode == 2 and "exists" in r.stderr and r.stderr.count("\n") == 1
    r = cli("users", "add", "bo", "--role", "manager", "--password-stdin", stdin="short\n", db=db)
    assert r.returncode == 2 and "at least 8" in r.stderr
    r = cli("users", "add", "cy", "--role", "worker", "--password-stdin", stdin="long enough\n",
            db=db)  # fmt: skip
    assert r.returncode == 2 and "--worker-id is required" in r.stderr
    r = cli("users", "add", "dee", "--role", "manager", db=db, stdin="")  # no terminal
    assert r.returncode == 2 and "--password-stdin" in r.stderr
    r = cli("users", "list", "--json", db=db)
    assert r.returncode == 0
    users = json.loads(r.stdout)
    assert [(u["username"], u["role"], u["worker_id"], u["disabled"]) for u in users] == [
        ("ana", "worker", "ow_ana", False)
    ]
    assert "hash" not in r.stdout
    assert cli("users", "password", "ana", "--password-stdin", stdin="another pass\n",
               db=db).returncode == 0  # fmt: skip
    assert cli("users", "disable", "ana", db=db).returncode == 0
    assert json.loads(cli("users", "list", "--json", db=db).stdout)[0]["disabled"] is True
    r = cli("users", "disable", "nobody", db=db)
    assert r.returncode == 2 and "no user" in r.stderr


def test_plans_publish_list_show_export(db, plan_dir, tiny_team_region, tmp_path):
    region = ["--region", str(tiny_team_region)]
    r = cli("plans", "publish", str(plan_dir), "--week-of", "2026-03-05", "--json", *region, db=db)
    assert r.returncode == 0, r.stderr
    pub = json.loads(r.stdout)
    assert pub["week_of"] == "2026-03-02" and pub["status"] == "published"
    assert "Monday 2026-03-02" in r.stderr  # says which week it took
    r = cli("plans", "publish", str(plan_dir), "--week-of", "2026-03-02", *region, db=db)
    assert r.returncode == 0 and f"superseded plan {pub['id']}" in r.stderr
    listed = json.loads(cli("plans", "list", "--json", db=db).stdout)
    assert [(p["id"], p["status"]) for p in listed] == [
        (pub["id"] + 1, "published"), (pub["id"], "superseded"),
    ]  # fmt: skip
    assert all(isinstance(p["routes"], int) and isinstance(p["visits"], int) for p in listed)
    shown = json.loads(cli("plans", "show", str(pub["id"]), "--json", db=db).stdout)
    assert shown["routes"] == pub["routes"]
    text = cli("plans", "show", str(pub["id"]), db=db).stdout
    assert "Clinic" in text and "break" in text
    out = tmp_path / "exp"
    assert cli("plans", "export", str(pub["id"]), "-o", str(out), db=db).returncode == 0
    assert (out / "stops.csv").read_bytes() == (plan_dir / "stops.csv").read_bytes()
    r = cli("plans", "show", "999", db=db)
    assert r.returncode == 2 and "no plan 999" in r.stderr


def test_plans_publish_refuses_bad_folders(db, plan_dir, tmp_path):
    r = cli("plans", "publish", str(tmp_path), "--week-of", "2026-03-02", db=db)
    assert r.returncode == 2 and "no plan.json" in r.stderr and r.stderr.count("\n") == 1
    # the demo region is the default: a plan of the tiny region is of another region
    r = cli("plans", "publish", str(plan_dir), "--week-of", "2026-03-02", db=db)
    assert r.returncode == 2 and "region 'tiny'" in r.stderr


def test_plan_and_publish_in_one_step(db, tiny_team_region, tmp_path, capsys):
    from geo_outreach.cli import main
    from tests.conftest import write_plan_inputs

    v, w = write_plan_inputs(tmp_path / "in")
    base = ["plan", "--region", str(tiny_team_region), "--visits", str(v), "--workers", str(w),
            "--time-limit", "0.3", "--days", "2", "-o", str(tmp_path / "p")]  # fmt: skip
    assert main([*base, "--publish"]) == 2
    assert "--publish and --week-of go together" in capsys.readouterr().err
    assert main([*base, "--publish", "--week-of", "soon", "--db", db]) == 2
    assert "not a date" in capsys.readouterr().err
    assert main([*base, "--publish", "--week-of", "2026-03-04", "--db", db, "--json"]) == 0
    out = capsys.readouterr()
    summary = json.loads(out.out)
    assert summary["published"]["week_of"] == "2026-03-02"
    assert summary["published"]["status"] == "published"
    assert "published plan" in out.err and "Monday 2026-03-02" in out.err
    assert main(["plans", "list", "--json", "--db", db]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["id"] == summary["published"]["id"]
