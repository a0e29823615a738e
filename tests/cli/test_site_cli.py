"""CLI contract of ``geo-outreach site`` on a small synthetic region."""

import json

import geopandas as gpd
import pyogrio
import pytest

from geo_outreach.cli import main


@pytest.fixture(scope="module")
def mclp(synth_region, tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "s.gpkg"
    return out, [
        "site",
        "--region",
        str(synth_region),
        "--stops",
        "3",
        "--within-min",
        "8",
        "-o",
        str(out),
        "--json",
    ]


def test_site_json_contract(mclp, capsys):
    out, argv = mclp
    assert main(argv) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["status"] == "optimal"
    assert res["gap"] is not None and res["gap"] <= 1e-6
    assert res["covered_population"] > 0
    gains = [s["gain"] for s in res["stops"]]
    assert len(gains) == 3 and gains == sorted(gains, reverse=True)
    assert sum(gains) == pytest.approx(res["objective"], rel=1e-6)
    assert {name for name, _ in pyogrio.list_layers(out)} >= {"stops", "tracts"}
    stops = gpd.read_file(out, layer="stops")
    assert stops["site_id"].tolist() == [s["site_id"] for s in res["stops"]]


def test_more_stops_never_cover_less(synth_region, tmp_path, capsys):
    covered = []
    for p in (1, 2, 4):
        assert (
            main(
                [
                    "site",
                    "--region",
                    str(synth_region),
                    "--stops",
                    str(p),
                    "--within-min",
                    "8",
                    "-o",
                    str(tmp_path / f"s{p}.gpkg"),
                    "--json",
                ]
            )
            == 0
        )
        covered.append(json.loads(capsys.readouterr().out)["objective"])
    assert covered == sorted(covered)


def _site(region, out, *extra):
    base = ["site", "--region", str(region), "--stops", "2", "--within-min", "8"]
    return main([*base, "-o", str(out), *extra])


def test_equity_floor_holds(synth_region, tmp_path, capsys):
    """A floor that can be met (at most 45.4 % of the high-need population is reachable
    with 2 stops in 8 min on this region) is met, at a price >= 0."""
    assert _site(synth_region, tmp_path / "f.gpkg", "--equity-floor", "40", "--json") == 0
    res = json.loads(capsys.readouterr().out)
    assert res["status"] == "optimal"
    assert res["coverage_after"]["high_need_share"] >= 0.4 - 1e-9
    assert res["price_of_floor"] >= -1e-9


def test_infeasible_equity_floor_exits_3_with_the_reason(synth_region, tmp_path, capsys):
    out = tmp_path / "f.gpkg"
    assert _site(synth_region, out, "--equity-floor", "60") == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:")
    assert "infeasible" in err[0] and "at most 45.4%" in err[0]
    assert "--within-min" in err[0] and "max_time_s" not in err[0]  # speaks in flags
    assert not out.exists()


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--stops", "0"], "--stops"),
        (["--within-min", "-5", "--stops", "2"], "within-min"),
        (["--stops", "2", "--equity-floor", "150"], "equity-floor"),
        (["--stops", "2", "--existing", "spaceport"], "unknown service category"),
    ],
)
def test_bad_input_exit_2(synth_region, tmp_path, capsys, extra, needle):
    assert (
        main(["site", "--region", str(synth_region), "-o", str(tmp_path / "x.gpkg"), *extra]) == 2
    )
    assert needle in capsys.readouterr().err


def test_stops_layer_has_one_reason_column(mclp, capsys):
    out, argv = mclp
    assert main(argv) == 0
    capsys.readouterr()
    stops = gpd.read_file(out, layer="stops")
    assert "reason" in stops.columns
    assert not {"reason_x", "reason_y"} & set(stops.columns)
    assert stops["reason"].str.len().gt(0).all()


def test_site_says_what_a_manager_reads(synth_region, tmp_path, capsys):
    """The plain output: people reached (whole numbers, with the denominator), each stop by
    its name; no engine words (need-weighted demand, gap, seconds) and no internal ids."""
    import json

    assert _site(synth_region, tmp_path / "h.gpkg") == 0
    out = capsys.readouterr().out
    assert _site(synth_region, tmp_path / "j.gpkg", "--json") == 0
    summary = json.loads(capsys.readouterr().out)
    lines = out.splitlines()
    people = summary["coverage_after"]["population"]
    assert (
        lines[0]
        == f"{len(summary['stops'])} stops reach {round(people):,} people within 8 minutes."
    )
    assert "people on the road network" in lines[1]
    for word in ("need-weighted", "gap", "node:", " s ("):
        assert word not in out, word
    assert len(lines) == 2 + len(summary["stops"])
    for line, stop in zip(lines[2:], summary["stops"], strict=True):
        assert stop["site_id"] not in line and line.endswith(" people")
