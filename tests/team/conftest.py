"""Fixtures of the team tests: a plan folder written by ``geo-outreach plan`` on the tiny
region, and the database URLs of both back ends (the visit-log tests' PostgreSQL server)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import make_tiny_region, write_plan_inputs
from tests.visits.conftest import db_url, pg_server, pg_url  # noqa: F401 (fixtures)

TZ = "America/Los_Angeles"


def ensure_plan_json(folder: Path, *, region: str) -> Path:
    """Add the inputs and a minimal ``plan.json`` when ``geo-outreach plan`` did not write them.

    (The public-API work makes ``plan`` write ``plan.json`` itself; until then the tests add
    it the way ``Plan.save`` will: ``write_manifest(kind="plan", name="plan.json")``.)
    """
    from geo_outreach.files import write_manifest

    if (folder / "plan.json").is_file():
        return folder
    write_manifest(
        folder,
        kind="plan",
        meta={
            "region": region,
            "timezone": TZ,
            "seed": 0,
            "stopped_by": "time_limit",
            "summary": {},
            "verdict": {"violations": 0, "ok": True},
        },
        name="plan.json",
    )
    return folder


def make_plan(root: Path, *, region_dir: Path, days: int = 2, seed: int = 0) -> Path:
    """Run ``geo-outreach plan`` on the tiny region into ``root/plan``; return the folder."""
    from geo_outreach.cli import main

    v, w = write_plan_inputs(root / "in")
    out = root / "plan"
    argv = ["plan", "--region", str(region_dir), "--visits", str(v), "--workers", str(w),
            "--time-limit", "0.5", "--days", str(days), "--seed", str(seed), "-o", str(out)]  # fmt: skip
    assert main(argv) == 0
    for src in (v, w):
        if not (out / src.name).exists():
            shutil.copy(src, out / src.name)
    return ensure_plan_json(out, region="tiny")


@pytest.fixture(scope="session")
def tiny_team_region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_region(tmp_path_factory.mktemp("team") / "tiny")


@pytest.fixture(scope="session")
def plan_dir(tmp_path_factory: pytest.TempPathFactory, tiny_team_region: Path) -> Path:
    """A two-day plan (Mon, Tue) of the tiny test visits, with ``plan.json``."""
    return make_plan(tmp_path_factory.mktemp("plan"), region_dir=tiny_team_region)


@pytest.fixture
def team_store(db_url):  # noqa: F811
    from geo_outreach.visits.store import open_store

    st = open_store(db_url)
    try:
        yield st
    finally:
        st.close()
