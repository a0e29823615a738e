"""``geo-outreach synth``: writes a region folder and prints its manifest path."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from geo_outreach.cli import main


def test_synth_writes_region_and_prints_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "region"
    assert main(["synth", str(out), "--nodes", "400", "--seed", "3"]) == 0
    printed = capsys.readouterr().out.strip()
    assert Path(printed) == out / "region.toml"
    data = tomllib.loads(Path(printed).read_text(encoding="utf-8"))
    assert data["name"] == "synthetic-s3" and data["synthetic"] is True
    assert all((out / data[s]["path"]).is_file() for s in ("network", "units", "services"))


def test_synth_refuses_non_empty_folder_without_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "region"
    assert main(["synth", str(out), "--nodes", "300", "--seed", "1"]) == 0
    before = (out / "network.osm").read_bytes()
    capsys.readouterr()
    assert main(["synth", str(out), "--nodes", "300", "--seed", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "--overwrite" in err and len(err.splitlines()) == 1
    assert (out / "network.osm").read_bytes() == before  # untouched
    assert main(["synth", str(out), "--nodes", "300", "--seed", "2", "--overwrite"]) == 0
    assert (out / "network.osm").read_bytes() != before


def test_synth_rejects_bad_parameters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", str(tmp_path / "a"), "--nodes", "5"]) == 2
    assert "nodes" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()
    assert main(["synth", str(tmp_path / "b"), "--center", "north"]) == 2
    assert "--center" in capsys.readouterr().err


def test_synth_center_and_outside_sites(tmp_path: Path) -> None:
    import geopandas as gpd

    out = tmp_path / "berlin"
    code = main(
        ["synth", str(out), "--nodes", "300", "--center", "13.4,52.5", "--outside-sites", "2"]
    )
    assert code == 0
    sites = gpd.read_file(out / "services.gpkg", layer="services")
    tracts = gpd.read_file(out / "tracts.gpkg", layer="tracts")
    minx, miny, maxx, maxy = tracts.total_bounds
    assert minx < 13.4 < maxx and miny < 52.5 < maxy
    outside = ~(sites.geometry.x.between(minx, maxx) & sites.geometry.y.between(miny, maxy))
    assert outside.sum() == 2
