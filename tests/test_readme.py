"""The README's demo-week recipe, run verbatim (each command must succeed in order)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def demo_week_recipe() -> str:
    """The bash block after 'A week with the demo data' in README.md."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"A week with the demo data.*?```bash\n(.*?)```", text, re.S)
    assert m, "README.md has no demo-week recipe"
    return m.group(1)


def test_the_recipe_uses_only_the_cli_and_mkdir() -> None:
    for line in demo_week_recipe().replace("\\\n", " ").splitlines():
        if line.strip():
            assert shlex.split(line)[0] in ("geo-outreach", "mkdir"), line


@pytest.mark.slow
def test_readme_demo_week_runs_verbatim(tmp_path: Path) -> None:
    """Run the block as written, in a fresh folder holding the demo CSVs; ``geo-outreach``
    is this checkout's CLI."""
    (tmp_path / "data").mkdir()
    for name in ("demo_visits.csv", "demo_workers.csv"):
        shutil.copy(ROOT / "data" / name, tmp_path / "data" / name)
    script = (
        "set -euo pipefail\n"
        f'geo-outreach() {{ {shlex.quote(sys.executable)} -m geo_outreach "$@"; }}\n'
        + demo_week_recipe()
    )
    res = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"},
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    out = tmp_path / "out"
    for rel in ("analysis.gpkg", "stops.gpkg", "plan/stops.csv", "stop-plan", "map.pdf"):
        assert (out / rel).exists(), rel
    assert (out / "map.pdf").read_bytes().startswith(b"%PDF")
    assert any(p.suffix == ".pdf" for p in (out / "packet").iterdir())
    assert "Traceback" not in res.stderr
