"""CLI contract of region info / init, matrix and demo; exit codes and one-line errors."""

import json
from pathlib import Path

import pandas as pd
import pytest

from geo_outreach.cli import build_parser, main


def test_help_lists_foundation_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for cmd in ("region", "matrix", "synth", "demo"):
        assert cmd in out


def test_every_command_has_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        assert p.description or p.format_help(), name
        assert sub._choices_actions, name
    helps = {a.dest: a.help for a in sub._choices_actions}
    assert all(helps.values()), helps


def test_region_info_json(tiny_region, capsys):
    assert main(["region", "info", "--region", str(tiny_region), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["tracts"] == 3
    assert info["population"] == 2050
    assert info["services"] == 3
    assert set(info["network"]) == {"drive", "walk"}
    assert info["network"]["drive"]["nodes"] > 0 and info["network"]["walk"]["edges"] > 0
    assert info["tracts_off_network"] == 1
    assert info["services_off_network"] == 1


def test_region_info_text(tiny_region, capsys):
    assert main(["region", "info", "--region", str(tiny_region)]) == 0
    out = capsys.readouterr().out
    assert "tracts: 3" in out and "clinic_fqhc: 2" in out and "off-network" in out


def test_bad_input_one_line_exit_2(tiny_region, capsys):
    (tiny_region / "roads.osm").write_bytes(b"\x00\x00\x00\x0d\n\tOSMHeader")
    assert main(["region", "info", "--region", str(tiny_region)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "PBF" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_missing_region_exit_2(tmp_path, capsys):
    assert main(["region", "info", "--region", str(tmp_path / "nope")]) == 2
    assert "region init" in capsys.readouterr().err


def init_args(tiny_region: Path, target: Path, *extra: str) -> list[str]:
    """``region init TARGET`` from the tiny region's network, tracts and services files."""
    return ["region", "init", str(target), "--network", str(tiny_region / "roads.osm"),
            "--tracts", str(tiny_region / "tracts.gpkg"),
            "--services", str(tiny_region / "services.gpkg"), *extra]  # fmt: skip


def test_region_init_then_info(tiny_region, tmp_path, capsys):
    target = tmp_path / "mine"
    code = main(init_args(tiny_region, target, "--capacity-col", "capacity"))
    assert code == 0
    assert (target / "region.toml").is_file()
    assert main(["region", "info", "--region", str(target), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["tracts"] == 3


def test_region_init_bad_column_exit_2(tiny_region, tmp_path, capsys):
    code = main(init_args(tiny_region, tmp_path / "x", "--id-col", "FIPS"))
    assert code == 2
    assert "--id-col" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_matrix_writes_long_table(tiny_region, tmp_path, suffix):
    out = tmp_path / f"m{suffix}"
    assert (
        main(
            [
                "matrix",
                "--region",
                str(tiny_region),
                "--from",
                "tracts",
                "--to",
                "services",
                "--mode",
                "walk",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    table = pd.read_csv(out, dtype={"origin_id": str}) if suffix == ".csv" else pd.read_parquet(out)
    assert list(table.columns[:4]) == ["origin_id", "dest_id", "travel_time_s", "dist_m"]
    assert set(table["origin_id"]) == {"41051000100", "41051000200"}  # off-network tract left out
    assert len(table) == 4  # 2 on-network tracts x 2 on-network services
    assert (table["travel_time_s"] >= 0).all()


def test_matrix_cutoff_and_bad_output(tiny_region, tmp_path, capsys):
    out = tmp_path / "m.csv"
    assert (
        main(
            [
                "matrix",
                "--region",
                str(tiny_region),
                "--cutoff-min",
                "0.5",
                "--mode",
                "walk",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    table = pd.read_csv(out)
    assert (table["travel_time_s"] <= 30).all()
    assert main(["matrix", "--region", str(tiny_region), "-o", str(tmp_path / "m.xlsx")]) == 2
    assert main(["matrix", "--region", str(tiny_region), "--cutoff-min", "-1", "-o", str(out)]) == 2


def test_demo_on_a_region_summarises(tiny_region, tmp_path, capsys):
    assert main(["demo", "--region", str(tiny_region), "-o", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "3 tracts" in out and "Test data" in out
    assert (tmp_path / "out" / "tract_service_drive.parquet").is_file()
