import json

import pyogrio

from geo_outreach.cli import main


def test_analyze_json_contract(synth_region, tmp_path, capsys):
    out = tmp_path / "a.gpkg"
    code = main(
        [
            "analyze",
            "--region",
            str(synth_region),
            "-o",
            str(out),
            "--json",
            "--modes",
            "drive",
            "--cutoff-min",
            "40",
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert {"tracts", "ranked", "off_network", "top", "zones"} <= set(summary)
    assert 0 < len(summary["top"]) <= 10
    assert all({"unit_id", "rank", "reason"} <= set(r) for r in summary["top"])
    assert {name for name, _ in pyogrio.list_layers(out)} == {"tracts", "zones"}


def test_analyze_bad_output_and_need(synth_region, tmp_path, capsys):
    assert main(["analyze", "--region", str(synth_region), "-o", str(tmp_path / "a.csv")]) == 2
    assert (
        main(
            [
                "analyze",
                "--region",
                str(synth_region),
                "-o",
                str(tmp_path / "a.gpkg"),
                "--need",
                "nonsense",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "unknown need method" in err


def test_library_warnings_are_one_line_with_this_commands_flags(tiny_region, tmp_path, capsys):
    """A site off the network is a warning a user sees once, naming the flag that helps."""
    out = tmp_path / "a.gpkg"
    args = ["analyze", "--region", str(tiny_region), "-o", str(out), "--modes", "walk"]
    code = main([*args, "--need", "column:E_TOTPOP"])
    assert code == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "off the network" in line]
    assert len(lines) == 1, err
    assert lines[0].startswith("warning: walk network: 1 of 3 sites")
    assert "--max-snap-m" in lines[0] and "max_snap_m" not in lines[0]
    assert "Traceback" not in err and ".py:" not in err
