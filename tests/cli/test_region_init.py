"""`region init` validates everything before writing; time zone and units follow the place."""

from __future__ import annotations

import bz2
import json
from pathlib import Path

import pytest

from geo_outreach.cli import main
from tests.conftest import TINY_NODES, TINY_WAYS, tiny_services, tiny_units, write_osm
from tests.data.test_osm import write_pbf

# central Columbus, Ohio minus the tiny network's origin (central Portland)
OHIO_SHIFT = (-83.00 - -122.65, 39.96 - 45.52)


def shifted_inputs(folder: Path, shift: tuple[float, float] = (0.0, 0.0), *, pbf: bool = True):
    """The tiny network (PBF or XML), tracts and services moved by ``shift`` degrees."""
    folder.mkdir(parents=True, exist_ok=True)
    dx, dy = shift
    nodes = {n: (x + dx, y + dy) for n, (x, y) in TINY_NODES.items()}
    net = (
        write_pbf(folder / "roads.osm.pbf", nodes, TINY_WAYS)
        if pbf
        else write_osm(folder / "roads.osm", nodes, TINY_WAYS)
    )
    units = tiny_units()
    units["geometry"] = units.geometry.translate(dx, dy)
    units.to_file(folder / "tracts.gpkg", layer="tracts")
    services = tiny_services()
    services["geometry"] = services.geometry.translate(dx, dy)
    services.to_file(folder / "services.gpkg", layer="services")
    return net, folder / "tracts.gpkg", folder / "services.gpkg"


def init(target: Path, net: Path, tracts: Path, services: Path, *extra: str) -> int:
    return main(
        ["region", "init", str(target), "--network", str(net), "--tracts", str(tracts),
         "--services", str(services), *extra]
    )  # fmt: skip


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_init_from_pbf_then_info_reports_zone_and_units(tmp_path, capsys):
    net, tracts, services = shifted_inputs(tmp_path / "data")
    target = tmp_path / "mine"
    assert init(target, net, tracts, services) == 0
    capsys.readouterr()
    assert main(["region", "info", "--region", str(target), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["timezone"] == "America/Los_Angeles"  # the tiny region lies in Portland
    assert info["unit_system"] == "imperial" and info["country"] == "US"
    assert info["network"]["drive"]["nodes"] > 0
    text = (target / "region.toml").read_text()
    assert 'timezone = "America/Los_Angeles"' in text and "clip_buffer_m = 5000.0" in text


def test_a_region_in_ohio_gets_new_york_time(tmp_path, capsys):
    net, tracts, services = shifted_inputs(tmp_path / "data", OHIO_SHIFT)
    target = tmp_path / "ohio"
    assert init(target, net, tracts, services) == 0
    capsys.readouterr()
    assert main(["region", "info", "--region", str(target), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["timezone"] == "America/New_York"
    # an explicit zone wins
    other = tmp_path / "ohio-chicago"
    assert init(other, net, tracts, services, "--timezone", "America/Chicago") == 0
    capsys.readouterr()
    assert main(["region", "info", "--region", str(other), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["timezone"] == "America/Chicago"


def test_unknown_time_zone_exit_2_and_nothing_written(tmp_path, capsys):
    net, tracts, services = shifted_inputs(tmp_path / "data")
    target = tmp_path / "mine"
    assert init(target, net, tracts, services, "--timezone", "America/Colombus") == 2
    err = one_line_error(capsys)
    assert "America/Colombus" in err and "IANA" in err
    assert not target.exists()


def _truncated_bz2(folder: Path) -> Path:
    xml = write_osm(folder / "big.osm")
    data = bz2.compress(xml.read_bytes() * 1)
    out = folder / "truncated.osm.bz2"
    out.write_bytes(data[: len(data) // 2])
    return out


@pytest.mark.parametrize("kind", ["empty", "html", "truncated_bz2", "truncated_pbf", "far_away"])
def test_bad_network_refused_and_no_folder_left(tmp_path, capsys, kind):
    net, tracts, services = shifted_inputs(tmp_path / "data")
    bad = tmp_path / "data" / "bad.osm.pbf"
    if kind == "empty":
        bad.write_bytes(b"")
    elif kind == "html":
        bad = bad.with_name("bad.osm")
        bad.write_text("<!DOCTYPE html>\n<html><head><title>Geofabrik</title></head></html>\n")
    elif kind == "truncated_bz2":
        bad = _truncated_bz2(tmp_path / "data")
    elif kind == "truncated_pbf":
        data = net.read_bytes()
        bad.write_bytes(data[: len(data) - 30])
    else:  # a real PBF, but of another place (Stockholm)
        bad = shifted_inputs(tmp_path / "se", (18.07 - -122.65, 59.33 - 45.52))[0]
    target = tmp_path / "mine"
    assert init(target, bad, tracts, services) == 2
    err = one_line_error(capsys)
    assert str(bad) in err
    assert not target.exists()
    # an existing folder (the user's own) is kept, without a region.toml
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    assert init(target, bad, tracts, services) == 2
    capsys.readouterr()
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]


def test_bad_tracts_column_leaves_no_folder(tmp_path, capsys):
    net, tracts, services = shifted_inputs(tmp_path / "data")
    target = tmp_path / "mine"
    assert init(target, net, tracts, services, "--id-col", "FIPS") == 2
    assert "--id-col" in one_line_error(capsys)
    assert not target.exists()
