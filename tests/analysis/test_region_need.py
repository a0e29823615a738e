"""A region's own need index from its manifest's [need] table, honoured by `analyze`."""

from __future__ import annotations

import json

import pytest

from geo_outreach.analysis.pipeline import analyze_region, compute_region_need
from geo_outreach.cli import main
from geo_outreach.errors import InputError
from geo_outreach.network.context import open_region
from tests.conftest import make_tiny_region, tiny_units

RANKS = [0.91, 0.12, 0.55]  # published ranks of the three tiny tracts


def region_with_need(tmp_path, need_toml: str, **columns):
    folder = make_tiny_region(tmp_path / "tiny")
    units = tiny_units()
    units["svi2022_rpl_themes"] = RANKS
    for name, values in columns.items():
        units[name] = values
    units.to_file(folder / "tracts.gpkg", layer="tracts")
    with open(folder / "region.toml", "a", encoding="utf-8") as fh:
        fh.write("[need]\n" + need_toml + "\n")
    return folder


def test_manifest_need_column_is_the_need_score(tmp_path):
    folder = region_with_need(tmp_path, 'column = "svi2022_rpl_themes"')
    result = analyze_region(open_region(folder))
    need = result.tracts.set_index("unit_id")["need_score"]
    assert need.loc["41051000100"] == pytest.approx(0.91)
    assert need.loc["41051000200"] == pytest.approx(0.12)
    assert "svi2022_rpl_themes" in result.need_method


def test_lower_means_more_need_on_any_numeric_column(tmp_path):
    folder = region_with_need(
        tmp_path,
        'column = "median_income"\ndirection = "lower"',
        median_income=[31000, 88000, 52000],
    )
    ctx = open_region(folder)
    need, label = compute_region_need(
        ctx.region.units, region_need=ctx.region.manifest.need, source="region.toml"
    )
    score = dict(zip(need["unit_id"], need["need_score"], strict=True))
    # the poorest tract has the most need, the richest the least
    assert score["41051000100"] > score["41051000300"] > score["41051000200"]
    assert "lower" in label


def test_analyze_cli_reports_the_manifest_need(tmp_path, capsys):
    folder = region_with_need(tmp_path, 'column = "svi2022_rpl_themes"')
    out = tmp_path / "a.gpkg"
    assert main(["analyze", "--region", str(folder), "-o", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert "svi2022_rpl_themes" in json.dumps(summary)


@pytest.mark.parametrize(
    ("need_toml", "extra", "expect"),
    [
        ('column = "svi2020_rpl"', {}, "not in the units"),
        ('column = "label"', {"label": ["high", "low", "mid"]}, "not numeric"),
        ('preset = "nope"', {}, "unknown [need] preset"),
        ('column = "svi2022_rpl_themes"\ndirection = "up"', {}, "direction"),
    ],
)
def test_bad_need_exit_2_naming_the_manifest(tmp_path, capsys, need_toml, extra, expect):
    folder = region_with_need(tmp_path, need_toml, **extra)
    code = main(["analyze", "--region", str(folder), "-o", str(tmp_path / "a.gpkg")])
    assert code == 2
    err = capsys.readouterr().err
    assert expect in err and "region.toml" in err and err.count("\n") == 1


def test_unknown_need_key_refused(tmp_path):
    folder = region_with_need(tmp_path, 'colum = "svi2022_rpl_themes"')
    with pytest.raises(InputError, match=r"\[need\] may hold only"):
        open_region(folder)
