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
